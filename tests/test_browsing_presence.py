"""A visitor who only browses (no chat socket) is live through the loader's check-in, ``GET /widget/pending``:
one row per visitor, written only while a console is open and at most once per quarter of the timeout,
swept like a dead connection once the page stops asking, and nothing at all before consent in opt-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask_socketio import SocketIO
from sqlalchemy import select, update

from flask_livechat.state import LiveChatState
from flask_livechat.store.models import VisitorConnection, utcnow
from tests.conftest import agent_client, wait_for_events

AGENT_NS = "/livechat-agent"
PENDING = "/livechat/widget/pending"


def page_rows(livechat: LiveChatState) -> list[tuple[str, object]]:
    with livechat.store.database.reading() as connection:
        rows = connection.execute(select(VisitorConnection.sid, VisitorConnection.last_seen_at)).all()
    return [(row.sid, row.last_seen_at) for row in rows]


def test_a_browsing_visitor_is_online_while_their_page_checks_in(
    app: Flask, socketio: SocketIO, livechat: LiveChatState
) -> None:
    browser = app.test_client()
    browser.get("/page/pricing")  # a first page: pending cookie
    assert browser.get(PENDING).json["ok"] is True  # no console open: nothing written
    with app.app_context():
        assert page_rows(livechat) == []

    ada = agent_client(app, socketio, "ada")
    (listed,) = ada.emit("hello", {}, namespace=AGENT_NS, callback=True)["visitors"]
    assert listed["online"] is False
    browser.get(PENDING)
    wait_for_events(ada, AGENT_NS, "visitor_updated", lambda v: v["id"] == listed["id"] and v["online"])
    with app.app_context():
        ((sid, seen),) = page_rows(livechat)
        assert sid == "page:" + listed["id"]
        browser.get(PENDING)  # a second check-in right away is not a second write
        assert page_rows(livechat) == [(sid, seen)]

        # The page stopped asking: after the timeout the sweep takes the row away and the console hears it.
        with livechat.store.database.writing() as connection:
            old = utcnow() - timedelta(seconds=app.config["LIVECHAT_PRESENCE_TIMEOUT"] + 1)
            connection.execute(update(VisitorConnection).values(last_seen_at=old))
        livechat.sweeper.sweep_once()
        assert page_rows(livechat) == []
    wait_for_events(ada, AGENT_NS, "visitor_updated", lambda v: v["id"] == listed["id"] and not v["online"])
    ada.disconnect(AGENT_NS)


@pytest.mark.livechat_config(LIVECHAT_CONSENT_MODE="opt-in")
def test_nothing_is_written_before_consent_in_opt_in(
    app: Flask, socketio: SocketIO, livechat: LiveChatState
) -> None:
    ada = agent_client(app, socketio, "ada")
    browser = app.test_client()
    browser.get("/page/pricing")
    assert browser.get(PENDING).json == {"ok": True, "invited": False}
    with app.app_context():
        assert page_rows(livechat) == []
    ada.disconnect(AGENT_NS)
