"""The agent namespace through the test client: roles, the live list, joining and replying."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIO, SocketIOTestClient

from tests.conftest import agent_client

VISITOR_NS = "/livechat"
AGENT_NS = "/livechat-agent"


def visitor_says(visitor: SocketIOTestClient, body: str, client_id: str) -> dict[str, Any]:
    ack = visitor.emit(
        "send_message", {"client_id": client_id, "body": body}, namespace=VISITOR_NS, callback=True
    )
    assert ack["ok"], ack
    return dict(ack["message"])


@pytest.mark.parametrize("who", [None, "carol"])
def test_non_agents_cannot_connect(app: Flask, socketio: SocketIO, who: str | None) -> None:
    http = app.test_client()
    if who:
        http.get(f"/login-as/{who}")
    connection = socketio.test_client(app, namespace=AGENT_NS, flask_test_client=http)
    assert not connection.is_connected(AGENT_NS)


def test_admins_are_agents_too(app: Flask, socketio: SocketIO) -> None:
    admin = agent_client(app, socketio, "bob")
    ack = admin.emit("hello", {}, namespace=AGENT_NS, callback=True)
    assert (ack["agent"]["name"], ack["agent"]["role"]) == ("Bob Admin", "admin")


def test_hello_lists_open_conversations_newest_first(
    app: Flask, socketio: SocketIO, visitor: SocketIOTestClient, agent: SocketIOTestClient
) -> None:
    visitor_says(visitor, "first visitor", "c-first-01")
    other_http = app.test_client()
    other_http.get("/")
    other = socketio.test_client(app, namespace=VISITOR_NS, flask_test_client=other_http)
    visitor_says(other, "second visitor", "c-second-1")
    ack = agent.emit("hello", {}, namespace=AGENT_NS, callback=True)
    bodies = [c["last_message"]["body"] for c in ack["conversations"]]
    assert bodies == ["second visitor", "first visitor"]
    first = ack["conversations"][1]
    assert first["status"] == "open" and first["visitor"]["visit_count"] == 1
    assert first["visitor"]["returning"] is False
    assert first["left_message"] is False  # a live chat, not the leave-a-message form


def test_list_updates_live(visitor: SocketIOTestClient, agent: SocketIOTestClient) -> None:
    agent.get_received(AGENT_NS)
    message = visitor_says(visitor, "is this live?", "c-live-001")
    updates = [e for e in agent.get_received(AGENT_NS) if e["name"] == "conversation_updated"]
    assert [u["args"][0]["id"] for u in updates] == [message["conversation_id"]]
    assert updates[0]["args"][0]["last_message"]["body"] == "is this live?"


def test_a_message_in_an_open_conversation_sends_a_partial_update(
    visitor: SocketIOTestClient, agent: SocketIOTestClient
) -> None:
    first = visitor_says(visitor, "first", "c-partial1")
    agent.get_received(AGENT_NS)
    visitor_says(visitor, "second", "c-partial2")
    updates = [e["args"][0] for e in agent.get_received(AGENT_NS) if e["name"] == "conversation_updated"]
    assert len(updates) == 1
    update = updates[0]
    # What the message changed, without what it cannot change (the summary is not read again).
    assert update["partial"] is True and update["id"] == first["conversation_id"]
    assert (update["last_seq"], update["last_message"]["body"], update["status"]) == (2, "second", "open")
    assert not {"visitor", "tags", "chat_number", "left_message"} & set(update)
    # A console that has not listed it asks for the whole summary.
    whole = agent.emit(
        "fetch_conversation", {"conversation_id": first["conversation_id"]}, namespace=AGENT_NS, callback=True
    )
    assert whole["ok"] and "partial" not in whole["conversation"]
    assert (
        whole["conversation"]["visitor"]["id"] and whole["conversation"]["last_message"]["body"] == "second"
    )
    missing = agent.emit(
        "fetch_conversation", {"conversation_id": "x" * 22}, namespace=AGENT_NS, callback=True
    )
    assert missing["error"]["code"] == "not_found"


def test_agent_joins_and_replies_and_the_visitor_sees_it(
    visitor: SocketIOTestClient, agent: SocketIOTestClient
) -> None:
    question = visitor_says(visitor, "Can I upgrade?", "c-upgrade1")
    joined = agent.emit(
        "join_conversation",
        {"conversation_id": question["conversation_id"]},
        namespace=AGENT_NS,
        callback=True,
    )
    assert [m["body"] for m in joined["messages"]] == ["Can I upgrade?"]
    visitor.get_received(VISITOR_NS)
    reply = agent.emit(
        "send_message",
        {"conversation_id": question["conversation_id"], "client_id": "a-reply-01", "body": "Yes, any time."},
        namespace=AGENT_NS,
        callback=True,
    )
    assert reply["ok"] and reply["message"]["sender"] == "agent" and reply["message"]["author"] == "Ada Agent"
    assert reply["message"]["seq"] == 2
    pushed = visitor.get_received(VISITOR_NS)
    assert [e["args"][0]["body"] for e in pushed if e["name"] == "new_message"] == ["Yes, any time."]
    follow_up = visitor_says(visitor, "Thanks!", "c-thanks01")
    agent_events = agent.get_received(AGENT_NS)
    assert follow_up["id"] in [e["args"][0]["id"] for e in agent_events if e["name"] == "new_message"]


@pytest.mark.parametrize(
    ("event", "payload", "code"),
    [
        ("join_conversation", {"conversation_id": "does-not-exist"}, "not_found"),
        ("join_conversation", {"conversation_id": "../../etc"}, "invalid"),
        ("join_conversation", {}, "invalid"),
        ("send_message", {"conversation_id": "nope", "client_id": "a-0000001", "body": "hi"}, "not_found"),
        ("send_message", {"client_id": "a-0000001", "body": "hi"}, "invalid"),
        ("hello", {"anything": 1}, "invalid"),
        ("close_everything", {}, "unknown_event"),
    ],
)
def test_bad_agent_events_get_error_acks(
    agent: SocketIOTestClient, event: str, payload: Any, code: str
) -> None:
    ack = agent.emit(event, payload, namespace=AGENT_NS, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == code


def test_agent_closes_and_the_visitor_is_told(visitor: SocketIOTestClient, agent: SocketIOTestClient) -> None:
    question = visitor_says(visitor, "bye soon", "c-close-01")
    conversation_id = question["conversation_id"]
    visitor.get_received(VISITOR_NS)
    closed = agent.emit(
        "close_conversation", {"conversation_id": conversation_id}, namespace=AGENT_NS, callback=True
    )
    assert closed["ok"] and closed["conversation"]["status"] == "closed"
    events = visitor.get_received(VISITOR_NS)
    assert {
        "name": "conversation_status",
        # No agent wrote in it, so the visitor is not asked to rate it.
        "args": [{"conversation_id": conversation_id, "status": "closed", "by": "agent", "rate": False}],
        "namespace": VISITOR_NS,
    } in events
    notices = [e["args"][0] for e in events if e["name"] == "new_message"]
    assert [(m["sender"], m["body"], m["seq"]) for m in notices] == [
        ("system", "Ada Agent closed the chat.", 2)
    ]
    again = agent.emit(
        "close_conversation", {"conversation_id": conversation_id}, namespace=AGENT_NS, callback=True
    )
    assert again["ok"] and visitor.get_received(VISITOR_NS) == []
    # The visitor's next message starts a new conversation.
    assert visitor_says(visitor, "one more thing", "c-close-02")["conversation_id"] != conversation_id


def test_reopen_is_refused_when_the_visitor_moved_on(
    visitor: SocketIOTestClient, agent: SocketIOTestClient
) -> None:
    first = visitor_says(visitor, "first", "c-reopen-1")["conversation_id"]
    agent.emit("close_conversation", {"conversation_id": first}, namespace=AGENT_NS, callback=True)
    reopened = agent.emit(
        "reopen_conversation", {"conversation_id": first}, namespace=AGENT_NS, callback=True
    )
    assert reopened["ok"] and reopened["conversation"]["status"] == "open"
    agent.emit("close_conversation", {"conversation_id": first}, namespace=AGENT_NS, callback=True)
    visitor_says(visitor, "second", "c-reopen-2")
    refused = agent.emit("reopen_conversation", {"conversation_id": first}, namespace=AGENT_NS, callback=True)
    assert refused["error"]["code"] == "conflict"
