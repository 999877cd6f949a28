"""Internal notes reach agents only, never the visitor; tags label conversations."""

from __future__ import annotations

from flask import Flask
from flask_socketio import SocketIO

from tests.conftest import agent_client, events, say, visitor_client

AGENT_NS = "/livechat-agent"
VISITOR_NS = "/livechat"


def test_notes_are_never_sent_to_the_visitor(app: Flask, socketio: SocketIO) -> None:
    ada = agent_client(app, socketio, "ada")
    bob = agent_client(app, socketio, "bob")
    guest = visitor_client(app, socketio, "/")
    conversation = say(guest, "I want a refund", "c-note-0001")["conversation_id"]
    bob.emit("join_conversation", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True)
    ada.emit("join_conversation", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True)
    guest.get_received(VISITOR_NS)
    bob.get_received(AGENT_NS)

    payload = {"conversation_id": conversation, "client_id": "note-000001", "body": "Secret: refund approved"}
    ack = ada.emit("add_note", payload, namespace=AGENT_NS, callback=True)
    assert ack["ok"] and ack["note"]["author"] == "Ada Agent"
    again = ada.emit("add_note", payload, namespace=AGENT_NS, callback=True)
    assert again["note"]["id"] == ack["note"]["id"]  # idempotent by client_id
    assert [n["body"] for n in events(bob, AGENT_NS, "note_added")] == ["Secret: refund approved"] * 2

    assert "Secret" not in str(guest.get_received(VISITOR_NS))
    hello = guest.emit("hello", {}, namespace=VISITOR_NS, callback=True)
    assert "Secret" not in str(hello)
    joined = ada.emit(
        "join_conversation", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True
    )
    assert [m["body"] for m in joined["messages"]] == ["I want a refund"]
    assert [n["body"] for n in joined["notes"]] == ["Secret: refund approved"]
    guest.disconnect(VISITOR_NS)


def test_tags(app: Flask, socketio: SocketIO) -> None:
    ada = agent_client(app, socketio, "ada")
    guest = visitor_client(app, socketio, "/")
    conversation = say(guest, "hi", "c-tags-0001")["conversation_id"]
    ack = ada.emit(
        "set_tags",
        {"conversation_id": conversation, "tags": ["VIP", "billing", "vip"]},
        namespace=AGENT_NS,
        callback=True,
    )
    assert ack["conversation"]["tags"] == ["billing", "vip"]
    assert events(ada, AGENT_NS, "conversation_updated")[-1]["tags"] == ["billing", "vip"]
    ack = ada.emit(
        "set_tags", {"conversation_id": conversation, "tags": []}, namespace=AGENT_NS, callback=True
    )
    assert ack["conversation"]["tags"] == []
    guest.disconnect(VISITOR_NS)
