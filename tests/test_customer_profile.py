"""A logged-in customer sees and corrects what the chat holds about them, and only their own; logging out
gives the browser a new visitor so the previous conversation stays with the account."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO

from flask_livechat.identity import visitor_id_from_token
from flask_livechat.state import LiveChatState

NS = "/livechat"


def visitor_says(
    app: Flask, socketio: SocketIO, http: FlaskClient, body: str, client_id: str
) -> dict[str, Any]:
    connection = socketio.test_client(app, namespace=NS, flask_test_client=http)
    ack: dict[str, Any] = connection.emit(
        "send_message", {"client_id": client_id, "body": body}, namespace=NS, callback=True
    )
    return ack


def hello(app: Flask, socketio: SocketIO, http: FlaskClient) -> dict[str, Any]:
    connection = socketio.test_client(app, namespace=NS, flask_test_client=http)
    ack: dict[str, Any] = connection.emit("hello", {}, namespace=NS, callback=True)
    return ack


def test_customer_sees_and_corrects_their_profile_and_only_their_conversations(
    app: Flask, socketio: SocketIO, livechat: LiveChatState
) -> None:
    carol = app.test_client()
    carol.get("/login-as/carol")
    visitor_says(app, socketio, carol, "Carol's question", "c-carol-01")
    stranger = app.test_client()
    stranger.get("/")
    visitor_says(app, socketio, stranger, "Someone else's question", "c-other-01")

    profile = carol.get("/livechat/api/profile").json
    assert profile["profile"] == {
        "name": "Carol Customer",
        "email": "carol@example.com",
    }  # from the host user
    assert [c["messages"][0]["body"] for c in profile["conversations"]] == ["Carol's question"]

    updated = carol.post("/livechat/api/profile", json={"name": "Carol C.", "email": "Carol@Example.com"})
    assert updated.json["profile"] == {"name": "Carol C.", "email": "carol@example.com"}
    assert carol.post("/livechat/api/profile", json={"email": "not-an-email"}).status_code == 400
    assert carol.post("/livechat/api/profile", json={"name": "x" * 201}).status_code == 400

    page = carol.get("/livechat/privacy").get_data(as_text=True)
    assert "Carol&#39;s question" in page and "Someone else" not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    saved = carol.post(
        "/livechat/privacy/profile", data={"name": "Carol", "email": "c@example.com", "csrf_token": token}
    )
    assert saved.status_code == 302
    assert carol.get("/livechat/api/profile").json["profile"] == {"name": "Carol", "email": "c@example.com"}


def test_profile_needs_a_login(client: FlaskClient) -> None:
    client.get("/")
    assert client.get("/livechat/api/profile").status_code == 401
    assert client.post("/livechat/api/profile", json={"name": "Mallory"}).status_code == 401


def test_logging_out_replaces_the_visitor_cookie(
    app: Flask, socketio: SocketIO, livechat: LiveChatState
) -> None:
    browser = app.test_client()
    browser.get("/login-as/carol")
    browser.get("/")
    visitor_says(app, socketio, browser, "about my invoice", "c-invoice1")
    carols_visitor = visitor_id_from_token(app, browser.get_cookie("livechat_visitor").value)
    assert [m["body"] for m in hello(app, socketio, browser)["messages"]] == ["about my invoice"]

    browser.get("/login-as/nobody")  # logged out: the user loader now finds no one
    browser.get("/")
    assert visitor_id_from_token(app, browser.get_cookie("livechat_visitor").value) != carols_visitor
    assert hello(app, socketio, browser)["messages"] == []
    exported = browser.get("/livechat/api/my-data?format=json").json
    assert [entry["conversations"] for entry in exported["visitors"]] == [[]]

    browser.get("/login-as/carol")
    browser.get("/")
    # Back in: the account's conversation is reachable again through the account, not the old cookie.
    assert [c["messages"][0]["body"] for c in browser.get("/livechat/api/profile").json["conversations"]] == [
        "about my invoice"
    ]


def test_another_users_cookie_is_not_reused_on_a_shared_computer(
    app: Flask, socketio: SocketIO, livechat: LiveChatState
) -> None:
    browser = app.test_client()
    browser.get("/login-as/carol")
    browser.get("/")
    visitor_says(app, socketio, browser, "carol only", "c-shared-1")
    browser.get("/login-as/ada")  # someone else logs in on the same browser, cookie still Carol's
    assert hello(app, socketio, browser)["messages"] == []
    assert browser.get("/livechat/api/profile").json["conversations"] == []


def test_no_ip_or_user_agent_when_switched_off(app: Flask, livechat: LiveChatState) -> None:
    app.config["LIVECHAT_STORE_NETWORK_DATA"] = False
    browser = app.test_client()
    browser.get(
        "/",
        headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    browser.get("/")  # the cookie came back: stored, landing view included
    visitor_id = visitor_id_from_token(app, browser.get_cookie("livechat_visitor").value)
    assert visitor_id is not None
    [visit] = livechat.store.visitors.visits_of(visitor_id)
    assert visit["ip"] is None and visit["user_agent"] is None
    assert visit["browser"] == "Firefox"
