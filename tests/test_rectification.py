"""Correcting a name or email changes every stored copy (the visitor record, the pre-chat answers, the
leave-a-message answers), for a cookie visitor too, and a partial correction keeps the other field.
Checked in every stored row and in the download, never in our functions' answers."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO

from flask_livechat.state import LiveChatState
from tests.conftest import say
from tests.helpers import every_row, sqlite_leftovers

NS = "/livechat"
FIELDS = [
    "name",
    "email",
    {"name": "work_email", "label": "Work email", "type": "email"},
    {"name": "topic_note", "label": "Topic"},
]


def rows_text(livechat: LiveChatState) -> str:
    return json.dumps(every_row(livechat))


@pytest.mark.livechat_config(LIVECHAT_PRECHAT_FIELDS=FIELDS)
def test_a_cookie_visitor_corrects_every_copy_and_a_partial_correction_keeps_the_rest(
    app: Flask, socketio: SocketIO, client: FlaskClient, livechat: LiveChatState
) -> None:
    client.get("/")
    widget = socketio.test_client(app, namespace=NS, flask_test_client=client)
    answers = {"name": "Ada Oldname", "email": "ada.old@example.org", "work_email": "ada.old@example.org"}
    ack = widget.emit(
        "submit_prechat", {"fields": {**answers, "topic_note": "billing"}}, namespace=NS, callback=True
    )
    assert ack == {"ok": True}
    say(widget, "hello there", "c-rectify-0001")
    left = client.post(
        "/livechat/api/offline-messages",
        json={"name": "Ada Oldname", "email": "ada.old@example.org", "message": "call me"},
    )
    assert left.status_code == 201
    before = rows_text(livechat)
    assert "Ada Oldname" in before and "ada.old@example.org" in before

    # Only the name: the email stays wherever it was stored.
    renamed = client.post("/livechat/api/profile", json={"name": "Ada Newname"})
    assert renamed.status_code == 200, renamed.json
    assert renamed.json["profile"] == {"name": "Ada Newname", "email": "ada.old@example.org"}
    assert sqlite_leftovers(livechat, ["Oldname"]) == []
    after_name = every_row(livechat)
    assert "ada.old@example.org" in " ".join(after_name["livechat_visitors"])
    assert " ".join(after_name["livechat_visitor_profiles"]).count("ada.old@example.org") == 2  # kept
    assert "billing" in " ".join(after_name["livechat_visitor_profiles"])  # other answers untouched

    # Then the email: the visitor record and both email answers take it.
    moved = client.post("/livechat/api/profile", json={"email": "Ada.New@Example.org"})
    assert moved.json["profile"] == {"name": "Ada Newname", "email": "ada.new@example.org"}
    assert sqlite_leftovers(livechat, ["ada.old@example.org", "Oldname"]) == []
    [profile_row] = every_row(livechat)["livechat_visitor_profiles"]
    assert profile_row.count("ada.new@example.org") == 2  # email and work_email

    document = json.loads(client.get("/livechat/api/my-data?format=json").data)
    exported = json.dumps(document)
    assert "Oldname" not in exported and "ada.old@" not in exported
    [mine] = document["visitors"]
    assert mine["profile"]["email"] == mine["profile"]["work_email"] == "ada.new@example.org"
    assert mine["profile"]["name"] == "Ada Newname"

    # A null clears that field, and only that one.
    cleared = client.post("/livechat/api/profile", json={"name": None})
    assert cleared.json["profile"] == {"name": None, "email": "ada.new@example.org"}
    assert "Newname" not in rows_text(livechat)


def test_bad_corrections_change_nothing(
    app: Flask, socketio: SocketIO, client: FlaskClient, livechat: LiveChatState
) -> None:
    client.get("/")
    widget = socketio.test_client(app, namespace=NS, flask_test_client=client)
    say(widget, "hi", "c-rectify-0002")
    client.post("/livechat/api/profile", json={"name": "Bea", "email": "bea@example.org"})
    before = every_row(livechat)
    for bad in ({"email": "not-an-address"}, {"name": "x" * 201}, {"name": "Bea\nBcc: x"}, {"age": 3}, []):
        response = client.post("/livechat/api/profile", json=bad)
        assert response.status_code == 400, bad
    assert every_row(livechat) == before


def test_a_cookie_visitor_corrects_on_the_privacy_page(
    app: Flask, socketio: SocketIO, client: FlaskClient, livechat: LiveChatState
) -> None:
    client.get("/")
    widget = socketio.test_client(app, namespace=NS, flask_test_client=client)
    say(widget, "hi", "c-rectify-0003")
    client.post("/livechat/api/profile", json={"name": "Cy Typo", "email": "cy@example.org"})
    page = client.get("/livechat/privacy").get_data(as_text=True)
    assert "Your chat profile" in page and 'value="Cy Typo"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    saved = client.post(
        "/livechat/privacy/profile", data={"name": "Cy Right", "email": "cy@example.org", "csrf_token": token}
    )
    assert saved.status_code == 302
    assert sqlite_leftovers(livechat, ["Cy Typo"]) == []
    assert "Cy Right" in " ".join(every_row(livechat)["livechat_visitors"])


@pytest.mark.livechat_config(LIVECHAT_CONSENT_MODE="opt-in")
def test_a_visitor_without_the_cookie_corrects_through_the_page_session(
    app: Flask, socketio: SocketIO, client: FlaskClient, livechat: LiveChatState
) -> None:
    widget = socketio.test_client(app, namespace=NS, flask_test_client=client)
    session = widget.emit("hello", {}, namespace=NS, callback=True)["session"]
    say(widget, "hi", "c-rectify-0004")
    left = client.post(
        "/livechat/api/offline-messages",
        json={"name": "Dee Wrong", "email": "dee@example.org", "message": "later"},
        headers={"X-LiveChat-Session": session},
    )
    assert left.status_code == 201
    assert client.post("/livechat/api/profile", json={"name": "Dee Right"}).status_code == 401  # no cookie
    fixed = client.post(
        "/livechat/api/profile", json={"name": "Dee Right"}, headers={"X-LiveChat-Session": session}
    )
    assert fixed.status_code == 200 and fixed.json["profile"]["name"] == "Dee Right"
    assert sqlite_leftovers(livechat, ["Dee Wrong"]) == []
