"""The visitor namespace through Flask-SocketIO's test client: protocol shapes and bad input."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO, SocketIOTestClient

from flask_livechat.state import LiveChatState
from tests.conftest import agent_client

NS = "/livechat"


def send(visitor: SocketIOTestClient, payload: Any, *extra: Any) -> Any:
    return visitor.emit("send_message", payload, *extra, namespace=NS, callback=True)


def test_hello_without_a_conversation(visitor: SocketIOTestClient) -> None:
    ack = visitor.emit(
        "hello", {"page": {"url": "http://localhost/", "title": "Home"}}, namespace=NS, callback=True
    )
    privacy = ack.pop("privacy")
    assert privacy == {
        "consent_mode": "notice",
        "choice": None,
        "browser_declined": False,
        "needs_choice": True,
        "recognition": True,
        "policy_version": "1",
        "noticed": True,  # the test host shows its own notice (LIVECHAT_HOST_SHOWS_NOTICE)
        "answered": False,
        "privacy_url": "/livechat/privacy",
    }
    session = ack.pop("session")
    assert isinstance(session, str) and session
    assert ack == {
        "ok": True,
        "conversation": None,
        "messages": [],
        "more": False,
        "agents_online": False,
        "team": [],
        "business_hours": True,
        "history": [],
        "read": {"visitor": 0, "agent": 0},
        "prechat_done": False,
        "remembered": True,
        "transcript_to": None,  # no mail set up
    }


def test_hello_tells_whether_an_agent_is_connected(
    app: Flask, socketio: SocketIO, visitor: SocketIOTestClient
) -> None:
    agent = agent_client(app, socketio)
    assert visitor.emit("hello", {}, namespace=NS, callback=True)["agents_online"] is True
    agent.disconnect("/livechat-agent")
    assert visitor.emit("hello", {}, namespace=NS, callback=True)["agents_online"] is False


def test_first_message_opens_a_conversation_and_is_acked_once_stored(
    visitor: SocketIOTestClient, livechat: LiveChatState
) -> None:
    ack = send(visitor, {"client_id": "c-000001", "body": "Hello, anyone there?", "client_seq": 1})
    assert ack["ok"] is True
    message = ack["message"]
    assert message["seq"] == 1 and message["sender"] == "visitor" and message["author"] is None
    assert message["body"] == "Hello, anyone there?"
    assert message["created_at"].endswith("+00:00")
    stored = livechat.store.conversations.messages_of(message["conversation_id"])
    assert [m.id for m in stored] == [message["id"]]
    assert visitor.get_received(NS) == [{"name": "new_message", "args": [message], "namespace": NS}]


def test_history_comes_back_with_hello(visitor: SocketIOTestClient) -> None:
    for number in (1, 2, 3):
        send(visitor, {"client_id": f"c-00000{number}", "body": f"message {number}", "client_seq": number})
    ack = visitor.emit("hello", {}, namespace=NS, callback=True)
    assert [m["body"] for m in ack["messages"]] == ["message 1", "message 2", "message 3"]
    assert [m["seq"] for m in ack["messages"]] == [1, 2, 3]
    assert ack["conversation"]["last_seq"] == 3


def test_same_client_id_is_stored_once(visitor: SocketIOTestClient, livechat: LiveChatState) -> None:
    first = send(visitor, {"client_id": "c-dup-0001", "body": "once"})
    again = send(visitor, {"client_id": "c-dup-0001", "body": "once"})
    assert again == first
    assert livechat.store.count_rows()["livechat_messages"] == 1


def test_two_tabs_share_the_conversation(
    app: Flask, socketio: SocketIO, client: FlaskClient, visitor: SocketIOTestClient
) -> None:
    second_tab = socketio.test_client(app, namespace=NS, flask_test_client=client)
    ack = send(visitor, {"client_id": "c-tab-0001", "body": "from tab one"})
    received = second_tab.get_received(NS)
    assert [event["args"][0]["id"] for event in received] == [ack["message"]["id"]]


def test_other_visitors_do_not_receive_it(
    app: Flask, socketio: SocketIO, visitor: SocketIOTestClient
) -> None:
    stranger_http = app.test_client()
    stranger_http.get("/")
    stranger = socketio.test_client(app, namespace=NS, flask_test_client=stranger_http)
    send(visitor, {"client_id": "c-private1", "body": "my secret"})
    assert stranger.get_received(NS) == []
    assert stranger.emit("hello", {}, namespace=NS, callback=True)["messages"] == []


def test_visitor_without_cookie_still_chats(app: Flask, socketio: SocketIO) -> None:
    cookieless = socketio.test_client(app, namespace=NS)
    ack = cookieless.emit(
        "send_message", {"client_id": "c-nocookie", "body": "hi"}, namespace=NS, callback=True
    )
    assert ack["ok"] is True


BAD_PAYLOADS = [
    ("not an object", {"_schema"}),
    (["list"], {"_schema"}),
    (None, {"client_id", "body"}),
    ({}, {"client_id", "body"}),
    ({"client_id": "c-000001"}, {"body"}),
    ({"client_id": "c-000001", "body": ""}, {"body"}),
    ({"client_id": "c-000001", "body": "   \n "}, {"body"}),
    ({"client_id": "c-000001", "body": 42}, {"body"}),
    ({"client_id": "short", "body": "hi"}, {"client_id"}),
    ({"client_id": "c-000001<script>", "body": "hi"}, {"client_id"}),
    ({"client_id": "c-000001", "body": "hi", "client_seq": "1"}, {"client_seq"}),
    ({"client_id": "c-000001", "body": "hi", "client_seq": -4}, {"client_seq"}),
    ({"client_id": "c-000001", "body": "hi", "conversation_id": "x"}, {"conversation_id"}),
    ({"client_id": "c-000001", "body": "x" * 4001}, {"body"}),
]


@pytest.mark.parametrize(("payload", "fields"), BAD_PAYLOADS)
def test_invalid_send_gets_field_errors_and_changes_nothing(
    visitor: SocketIOTestClient,
    livechat: LiveChatState,
    caplog: pytest.LogCaptureFixture,
    payload: Any,
    fields: set[str],
) -> None:
    before = livechat.store.count_rows()
    with caplog.at_level(logging.INFO):
        ack = send(visitor, payload)
    assert ack["ok"] is False
    assert ack["error"]["code"] == "invalid"
    assert set(ack["error"]["fields"]) == fields
    assert ack["error"]["message"]
    assert livechat.store.count_rows() == before
    assert visitor.get_received(NS) == []
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_two_payloads_are_refused(visitor: SocketIOTestClient) -> None:
    ack = send(visitor, {"client_id": "c-000001", "body": "hi"}, {"extra": 1})
    assert ack["error"]["code"] == "invalid"


@pytest.mark.parametrize(
    "event", ["join_conversation", "delete_everything", "on_send_message", "HELLO", "x" * 500]
)
def test_unknown_event_gets_a_clear_error(
    visitor: SocketIOTestClient, caplog: pytest.LogCaptureFixture, event: str
) -> None:
    with caplog.at_level(logging.INFO):
        ack = visitor.emit(event, {"conversation_id": "abc"}, namespace=NS, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "unknown_event"
    assert len(ack["error"]["message"]) < 120
    assert "Traceback" not in caplog.text


def test_hello_rejects_unknown_fields(visitor: SocketIOTestClient) -> None:
    ack = visitor.emit("hello", {"page": {"url": "x", "cookie": "y"}}, namespace=NS, callback=True)
    assert ack["error"]["fields"] == {"page": {"cookie": ["Unknown field."]}}


@pytest.mark.livechat_config(LIVECHAT_MAX_MESSAGE_LENGTH=10)
def test_message_length_follows_config(visitor: SocketIOTestClient) -> None:
    assert send(visitor, {"client_id": "c-000001", "body": "x" * 10})["ok"] is True
    ack = send(visitor, {"client_id": "c-000002", "body": "x" * 11})
    assert ack["error"]["fields"] == {"body": ["Length must be between 1 and 10."]}


def test_visitor_ends_the_chat_and_the_next_message_starts_anew(visitor: SocketIOTestClient) -> None:
    first = send(visitor, {"client_id": "c-end-0001", "body": "hello"})["message"]["conversation_id"]
    assert visitor.emit("end_conversation", {}, namespace=NS, callback=True) == {"ok": True}
    assert visitor.emit("hello", {}, namespace=NS, callback=True)["conversation"] is None
    second = send(visitor, {"client_id": "c-end-0002", "body": "me again"})["message"]["conversation_id"]
    assert second != first
    assert (
        visitor.emit("end_conversation", {"now": True}, namespace=NS, callback=True)["error"]["code"]
        == "invalid"
    )


def test_ending_without_a_conversation_is_not_found(visitor: SocketIOTestClient) -> None:
    assert visitor.emit("end_conversation", {}, namespace=NS, callback=True)["error"]["code"] == "not_found"
