"""Satisfaction: after a chat closes the visitor rates it (1 to 5, a comment); agents see the rating."""

from __future__ import annotations

from flask import Flask
from flask_socketio import SocketIO

from tests.conftest import agent_client, events, say, visitor_client

AGENT_NS = "/livechat-agent"
VISITOR_NS = "/livechat"


def test_rate_a_closed_conversation_once(app: Flask, socketio: SocketIO) -> None:
    guest = visitor_client(app, socketio, "/")
    ada = agent_client(app, socketio, "ada")
    conversation = say(guest, "thanks for the help", "c-rate-0001")["conversation_id"]
    rating = {"conversation_id": conversation, "rating": 5, "comment": "  Quick and friendly  "}

    early = guest.emit("rate_conversation", rating, namespace=VISITOR_NS, callback=True)
    assert early["ok"] is False and early["error"]["code"] == "conflict"

    ada.emit("close_conversation", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True)
    unanswered = guest.emit("rate_conversation", rating, namespace=VISITOR_NS, callback=True)
    assert unanswered["ok"] is False and unanswered["error"]["code"] == "conflict"  # no one answered it
    ada.emit("reopen_conversation", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True)
    reply = {"conversation_id": conversation, "client_id": "c-rate-reply", "body": "Glad to help."}
    assert ada.emit("send_message", reply, namespace=AGENT_NS, callback=True)["ok"]
    ada.emit("close_conversation", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True)
    ada.get_received(AGENT_NS)
    ack = guest.emit("rate_conversation", rating, namespace=VISITOR_NS, callback=True)
    assert ack == {"ok": True, "rating": 5, "comment": "Quick and friendly"}
    updated = events(ada, AGENT_NS, "conversation_updated")[-1]
    assert (updated["rating"], updated["rating_comment"]) == (5, "Quick and friendly")

    twice = guest.emit("rate_conversation", {**rating, "rating": 1}, namespace=VISITOR_NS, callback=True)
    assert twice["error"]["code"] == "conflict"
    # The agent's list (history) and the transcript show it.
    found = ada.emit("search_history", {"status": "closed"}, namespace=AGENT_NS, callback=True)
    assert found["conversations"][0]["rating"] == 5
    transcript = ada.emit("transcript", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True)
    assert transcript["transcript"]["conversation"]["rating_comment"] == "Quick and friendly"
    guest.disconnect(VISITOR_NS)


def test_bad_ratings_change_nothing(app: Flask, socketio: SocketIO) -> None:
    guest = visitor_client(app, socketio, "/")
    stranger = visitor_client(app, socketio, "/")
    conversation = say(guest, "hello", "c-rate-0002")["conversation_id"]
    reply = {"conversation_id": conversation, "client_id": "c-rate-0002-reply", "body": "Hi."}
    assert agent_client(app, socketio, "ada").emit("send_message", reply, namespace=AGENT_NS, callback=True)[
        "ok"
    ]
    guest.emit("end_conversation", {}, namespace=VISITOR_NS, callback=True)
    for payload in (
        {"conversation_id": conversation, "rating": 0},
        {"conversation_id": conversation, "rating": 6},
        {"conversation_id": conversation, "rating": "5"},
        {"conversation_id": conversation, "rating": 4.5},
        {"conversation_id": conversation, "rating": 4, "comment": "x" * 1001},
        {"conversation_id": conversation, "rating": 4, "extra": True},
        {"rating": 4},
    ):
        ack = guest.emit("rate_conversation", payload, namespace=VISITOR_NS, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "invalid", payload
    # Someone else's conversation is not found.
    ack = stranger.emit(
        "rate_conversation",
        {"conversation_id": conversation, "rating": 1},
        namespace=VISITOR_NS,
        callback=True,
    )
    assert ack["error"]["code"] == "not_found"
    ack = guest.emit(
        "rate_conversation",
        {"conversation_id": conversation, "rating": 4},
        namespace=VISITOR_NS,
        callback=True,
    )
    assert ack == {"ok": True, "rating": 4, "comment": None}
    guest.disconnect(VISITOR_NS)
    stranger.disconnect(VISITOR_NS)


def test_the_rating_request_only_follows_a_chat_an_agent_answered(app: Flask, socketio: SocketIO) -> None:
    """The server decides whether the widget asks: ``rate`` in ``conversation_status``."""
    guest = visitor_client(app, socketio, "/")
    ada = agent_client(app, socketio, "ada")
    unanswered = say(guest, "anyone there?", "c-rate-0003")["conversation_id"]
    guest.emit("end_conversation", {}, namespace=VISITOR_NS, callback=True)
    [status] = events(guest, VISITOR_NS, "conversation_status")
    assert (status["conversation_id"], status["status"], status["rate"]) == (unanswered, "closed", False)

    answered = say(guest, "hello again", "c-rate-0004")["conversation_id"]
    ada.emit("join_conversation", {"conversation_id": answered}, namespace=AGENT_NS, callback=True)
    reply = {"conversation_id": answered, "client_id": "a-rate-0004", "body": "Hi, how can I help?"}
    assert ada.emit("send_message", reply, namespace=AGENT_NS, callback=True)["ok"] is True
    ada.emit("close_conversation", {"conversation_id": answered}, namespace=AGENT_NS, callback=True)
    [status] = events(guest, VISITOR_NS, "conversation_status")
    assert (status["conversation_id"], status["rate"]) == (answered, True)
    guest.disconnect(VISITOR_NS)
