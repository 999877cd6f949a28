"""Typing indicators and read receipts, both ways, with their error acks."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIO, SocketIOTestClient

from flask_livechat.state import LiveChatState
from tests.conftest import agent_client

NS, AGENT_NS = "/livechat", "/livechat-agent"


def events(client: SocketIOTestClient, namespace: str, name: str) -> list[Any]:
    return [e["args"][0] for e in client.get_received(namespace) if e["name"] == name]


@pytest.fixture
def conversation(app: Flask, socketio: SocketIO, visitor: SocketIOTestClient) -> Any:
    ack = visitor.emit("send_message", {"client_id": "c-000001", "body": "Hi"}, namespace=NS, callback=True)
    return ack["message"]["conversation_id"]


@pytest.fixture
def joined_agent(app: Flask, socketio: SocketIO, conversation: str) -> Any:
    agent = agent_client(app, socketio)
    agent.emit("join_conversation", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True)
    agent.get_received(AGENT_NS)
    yield agent
    agent.disconnect(AGENT_NS)


def test_visitor_typing_reaches_the_agents_in_the_conversation(
    visitor: SocketIOTestClient, conversation: str, joined_agent: SocketIOTestClient
) -> None:
    assert visitor.emit("typing", {"typing": True}, namespace=NS, callback=True) == {"ok": True}
    assert events(joined_agent, AGENT_NS, "typing") == [{"conversation_id": conversation, "typing": True}]


def test_repeated_typing_is_throttled_but_changes_always_pass(
    visitor: SocketIOTestClient, conversation: str, joined_agent: SocketIOTestClient
) -> None:
    for _ in range(5):
        visitor.emit("typing", {"typing": True}, namespace=NS, callback=True)
    visitor.emit("typing", {"typing": False}, namespace=NS, callback=True)
    assert [e["typing"] for e in events(joined_agent, AGENT_NS, "typing")] == [True, False]


def test_agent_typing_reaches_the_visitor_with_the_agents_name(
    visitor: SocketIOTestClient, conversation: str, joined_agent: SocketIOTestClient
) -> None:
    visitor.get_received(NS)
    ack = joined_agent.emit(
        "typing", {"conversation_id": conversation, "typing": True}, namespace=AGENT_NS, callback=True
    )
    assert ack == {"ok": True}
    assert events(visitor, NS, "typing") == [
        {"conversation_id": conversation, "author": "Ada Agent", "typing": True}
    ]


@pytest.mark.parametrize("payload", [{}, {"typing": "maybe"}, {"typing": True, "extra": 1}, [1]])
def test_bad_typing_payloads_get_invalid(
    visitor: SocketIOTestClient, conversation: str, payload: Any
) -> None:
    ack = visitor.emit("typing", payload, namespace=NS, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid"


def test_typing_without_a_conversation_is_not_found(visitor: SocketIOTestClient) -> None:
    ack = visitor.emit("typing", {"typing": True}, namespace=NS, callback=True)
    assert ack["error"]["code"] == "not_found"


def test_agent_typing_in_an_unknown_conversation_is_not_found(joined_agent: SocketIOTestClient) -> None:
    ack = joined_agent.emit(
        "typing", {"conversation_id": "nope", "typing": True}, namespace=AGENT_NS, callback=True
    )
    assert ack["error"]["code"] == "not_found"


def test_agent_reads_and_the_visitor_sees_it_after_a_reload(
    visitor: SocketIOTestClient, conversation: str, joined_agent: SocketIOTestClient, livechat: LiveChatState
) -> None:
    visitor.get_received(NS)
    ack = joined_agent.emit(
        "mark_read", {"conversation_id": conversation, "seq": 1}, namespace=AGENT_NS, callback=True
    )
    assert ack == {"ok": True, "seq": 1}
    assert events(visitor, NS, "read") == [{"conversation_id": conversation, "reader": "agent", "seq": 1}]
    assert visitor.emit("hello", {}, namespace=NS, callback=True)["read"] == {"visitor": 0, "agent": 1}
    assert livechat.store.reads.read_marks(conversation) == {"visitor": 0, "agent": 1}


def test_visitor_reads_and_agents_and_other_tabs_hear_it(
    app: Flask,
    socketio: SocketIO,
    client: Any,
    visitor: SocketIOTestClient,
    conversation: str,
    joined_agent: SocketIOTestClient,
) -> None:
    joined_agent.emit(
        "send_message",
        {"conversation_id": conversation, "client_id": "a-000001", "body": "Hello!"},
        namespace=AGENT_NS,
        callback=True,
    )
    other_tab = socketio.test_client(app, namespace=NS, flask_test_client=client)
    joined_agent.get_received(AGENT_NS)
    assert visitor.emit("mark_read", {"seq": 2}, namespace=NS, callback=True) == {"ok": True, "seq": 2}
    expected = {"conversation_id": conversation, "reader": "visitor", "seq": 2}
    assert events(joined_agent, AGENT_NS, "read") == [expected]
    assert events(other_tab, NS, "read") == [expected]
    other_tab.disconnect(NS)


def test_read_marks_only_move_forward_and_stop_at_the_last_message(
    visitor: SocketIOTestClient, conversation: str
) -> None:
    assert visitor.emit("mark_read", {"seq": 99}, namespace=NS, callback=True) == {"ok": True, "seq": 1}
    visitor.get_received(NS)
    assert visitor.emit("mark_read", {"seq": 1}, namespace=NS, callback=True) == {"ok": True, "seq": 1}
    assert events(visitor, NS, "read") == []  # nothing moved, nothing announced


@pytest.mark.parametrize("payload", [{"seq": 0}, {"seq": "3"}, {"seq": 1.5}, {}, {"seq": 1, "x": 2}])
def test_bad_mark_read_payloads_get_invalid(
    visitor: SocketIOTestClient, conversation: str, payload: Any
) -> None:
    assert visitor.emit("mark_read", payload, namespace=NS, callback=True)["error"]["code"] == "invalid"


def test_mark_read_without_a_conversation_is_not_found(visitor: SocketIOTestClient) -> None:
    assert visitor.emit("mark_read", {"seq": 1}, namespace=NS, callback=True)["error"]["code"] == "not_found"
