"""Reports, point 5: the facts are kept as messages, visits and page views are stored (the socket, form and
service paths), equal what ``rebuild`` computes from the stored rows, and go when their rows are erased."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIO
from sqlalchemy import select

from flask_livechat.state import LiveChatState
from flask_livechat.store.models import ReportChat, ReportView, ReportVisit
from tests.conftest import agent_client, say, visitor_client

AGENT_NS = "/livechat-agent"
VISITOR_NS = "/livechat"


def facts(livechat: LiveChatState) -> dict[str, list[tuple[Any, ...]]]:
    with livechat.store.engine.connect() as connection:
        return {
            table.__tablename__: sorted(
                tuple(row) for row in connection.execute(select(*table.__table__.columns))
            )
            for table in (ReportChat, ReportVisit, ReportView)
        }


@pytest.mark.livechat_config(LIVECHAT_REPORTS_MIN_COUNT=1)
def test_facts_follow_the_live_paths_and_match_a_rebuild(
    app: Flask, socketio: SocketIO, livechat: LiveChatState
) -> None:
    guest = visitor_client(
        app, socketio, "/page/docs?email=someone%40example.com", Referer="https://news.example/x"
    )
    ada = agent_client(app, socketio, "ada")
    conversation = say(guest, "where are the docs?", "c-upkeep-01")["conversation_id"]
    reply = {"conversation_id": conversation, "client_id": "a-upkeep-01", "body": "Here."}
    assert ada.emit("send_message", reply, namespace=AGENT_NS, callback=True)["ok"]
    say(guest, "thanks", "c-upkeep-02")
    ada.emit("close_conversation", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True)
    rated = guest.emit(
        "rate_conversation",
        {"conversation_id": conversation, "rating": 4},
        namespace=VISITOR_NS,
        callback=True,
    )
    assert rated["ok"], rated
    form = {"name": "Max", "email": "max@example.com", "message": "Call me back"}
    assert app.test_client().post("/livechat/api/offline-messages", json=form).status_code == 201
    staff = app.test_client()
    staff.get("/login-as/bob")
    staff.get("/")  # an admin browsing the site is no visitor of the reports

    live = facts(livechat)
    chats = {row[0]: row for row in live["livechat_report_chats"]}
    assert len(chats) == 2
    chat = chats[conversation]
    assert chat[4] is not None and chat[3] - chat[2] >= 0  # started, first reply
    assert (chat[6], chat[9], chat[10]) == ("Ada Agent", False, 4)  # agent, left_message, rating
    assert [row[9] for cid, row in chats.items() if cid != conversation] == [True]
    assert [row[-1] for row in live["livechat_report_views"]] == ["/page/docs"]
    assert [row[5] for row in live["livechat_report_visits"]] == ["https://news.example"]

    livechat.store.reports.rebuild()
    assert facts(livechat) == live

    reports = livechat.reports
    window = reports.window(preset="today")  # in UTC, as the stored times are
    summary = {label: cells[0].value for label, cells in reports.report("summary", window).rows}
    assert (summary["Chats"], summary["Ratings"], summary["Page views"], summary["Visitors"]) == (1, 1, 1, 1)
    left = reports.report("left_messages", window)
    assert sum(cells[0].value for _, cells in left.rows) == 1
    guest.disconnect(VISITOR_NS)
    ada.disconnect(AGENT_NS)


def test_erasing_a_visitor_erases_their_facts(
    app: Flask, socketio: SocketIO, livechat: LiveChatState
) -> None:
    guest = visitor_client(app, socketio, "/")
    say(guest, "forget me", "c-upkeep-03")
    visitor_id = livechat.store.conversations.open_conversations()[0].visitor_id
    guest.disconnect(VISITOR_NS)
    assert all(facts(livechat).values())
    livechat.store.privacy.erase_visitors([visitor_id])
    assert facts(livechat) == {
        "livechat_report_chats": [],
        "livechat_report_visits": [],
        "livechat_report_views": [],
    }


def test_a_store_from_before_the_reports_is_filled_in_on_start(
    livechat: LiveChatState, tmp_path: Any
) -> None:
    from flask_livechat.store import Store
    from tests.history import Generator, insert_rows, utc

    store = Store(f"sqlite:///{tmp_path}/old.db")
    store.create_all()
    rows = next(Generator(3, utc(2026, 1, 1), 2, chat_chance=1.0).visitors(1))
    insert_rows(store.engine, rows)  # history without facts, as an older version left it
    store.dispose()
    reopened = Store(f"sqlite:///{tmp_path}/old.db")
    reopened.create_all()
    try:
        assert reopened.count_rows()["livechat_report_chats"] == len(rows.conversations) == 1
        assert reopened.count_rows()["livechat_report_views"] == len(rows.page_views)
    finally:
        reopened.dispose()
