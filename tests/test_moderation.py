"""Moderation: delete a message (both sides update), block a visitor id and/or IP range; all logged."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_socketio import SocketIO
from sqlalchemy import update

from flask_livechat.state import LiveChatState
from flask_livechat.store.models import Block, utcnow
from tests.conftest import agent_client, events, say, visitor_client

AGENT_NS = "/livechat-agent"
VISITOR_NS = "/livechat"


def test_delete_a_message(app: Flask, socketio: SocketIO, livechat: LiveChatState) -> None:
    guest = visitor_client(app, socketio, "/")
    ada = agent_client(app, socketio, "ada")
    harmful = say(guest, "something abusive", "c-mod-00001")
    kept = say(guest, "a real question", "c-mod-00002")
    conversation = harmful["conversation_id"]
    ada.emit("join_conversation", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True)
    guest.get_received(VISITOR_NS)
    ada.get_received(AGENT_NS)

    payload = {"conversation_id": conversation, "message_id": harmful["id"]}
    assert ada.emit("delete_message", payload, namespace=AGENT_NS, callback=True)["ok"]
    deleted = {"conversation_id": conversation, "message_id": harmful["id"]}
    assert events(guest, VISITOR_NS, "message_deleted") == [deleted]
    assert events(ada, AGENT_NS, "message_deleted") == [deleted]
    # Gone for both sides, for good.
    hello = guest.emit("hello", {}, namespace=VISITOR_NS, callback=True)
    assert [m["id"] for m in hello["messages"]] == [kept["id"]]
    joined = ada.emit(
        "join_conversation", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True
    )
    assert [m["id"] for m in joined["messages"]] == [kept["id"]]
    again = ada.emit("delete_message", payload, namespace=AGENT_NS, callback=True)
    assert again["error"]["code"] == "not_found"
    with app.app_context():
        (entry,) = livechat.store.moderation.moderation_log()
    assert (entry.action, entry.actor, entry.message_id) == ("delete_message", "Ada Agent", harmful["id"])
    guest.disconnect(VISITOR_NS)


def test_block_a_visitor_for_a_while(app: Flask, socketio: SocketIO, livechat: LiveChatState) -> None:
    http = app.test_client()
    guest = visitor_client(app, socketio, "/", http=http)
    say(guest, "spam", "c-block-001")
    ada = agent_client(app, socketio, "ada")
    (listed,) = ada.emit("hello", {}, namespace=AGENT_NS, callback=True)["visitors"]
    ack = ada.emit(
        "block_visitor",
        {"visitor_id": listed["id"], "minutes": 60, "reason": "spam"},
        namespace=AGENT_NS,
        callback=True,
    )
    assert ack["ok"], ack
    assert not guest.is_connected(VISITOR_NS)  # cut off at once
    # No widget, no socket.
    assert b"data-livechat" not in http.get("/").data
    assert not socketio.test_client(app, namespace=VISITOR_NS, flask_test_client=http).is_connected(
        VISITOR_NS
    )
    # Other visitors are not affected.
    other = app.test_client()
    assert b"data-livechat" in other.get("/").data

    # When the block expires, the visitor is back.
    with livechat.store.engine.begin() as connection:
        connection.execute(update(Block).values(expires_at=utcnow() - timedelta(seconds=1)))
    livechat.moderation.forget_cache()  # as if the change came from another process, cache_seconds ago
    assert b"data-livechat" in http.get("/").data
    back = socketio.test_client(app, namespace=VISITOR_NS, flask_test_client=http)
    assert back.is_connected(VISITOR_NS)
    back.disconnect(VISITOR_NS)
    with app.app_context():
        (entry,) = livechat.store.moderation.moderation_log()
    assert (entry.action, entry.visitor_id, entry.actor) == ("block", listed["id"], "Ada Agent")
    assert "spam" in (entry.detail or "")


def test_a_visitor_blocked_while_connected_cannot_send(
    app: Flask, socketio: SocketIO, livechat: LiveChatState
) -> None:
    """Another server process created the block: this one refuses the next message with an error ack."""
    guest = visitor_client(app, socketio, "/")
    say(guest, "hello", "c-block-002")
    with app.app_context():
        (live,) = livechat.store.visitors.live_visitors(
            since=utcnow(), connection_cutoff=livechat.presence.cutoff()
        )
        livechat.store.moderation.add_block(
            visitor_id=live.visitor.id,
            network=None,
            expires_at=utcnow() + timedelta(hours=1),
            reason=None,
            actor="x",
        )
        livechat.moderation.forget_cache()  # another process blocked them, cache_seconds ago
    ack = guest.emit(
        "send_message", {"client_id": "c-block-003", "body": "more"}, namespace=VISITOR_NS, callback=True
    )
    assert ack["ok"] is False and ack["error"]["code"] == "blocked"
    with app.app_context():
        assert livechat.store.count_rows()["livechat_messages"] == 1
    guest.disconnect(VISITOR_NS)


def test_block_an_ip_range(app: Flask, socketio: SocketIO, livechat: LiveChatState) -> None:
    bob = agent_client(app, socketio, "bob")  # an admin
    ada = agent_client(app, socketio, "ada")
    refused = ada.emit(
        "block_visitor", {"network": "127.0.0.0/24", "minutes": 5}, namespace=AGENT_NS, callback=True
    )
    assert refused["error"]["code"] == "forbidden"
    for bad in ("not-an-ip", "10.0.0.0/8", "::/0"):
        ack = bob.emit("block_visitor", {"network": bad, "minutes": 5}, namespace=AGENT_NS, callback=True)
        assert ack["error"]["code"] == "invalid" and "network" in ack["error"]["fields"], bad
    for bad in (
        {"minutes": 5},
        {"network": "127.0.0.1", "minutes": 0},
        {"network": "127.0.0.1", "minutes": 10**9},
    ):
        ack = bob.emit("block_visitor", bad, namespace=AGENT_NS, callback=True)
        assert ack["error"]["code"] == "invalid", bad
    with app.app_context():
        assert livechat.store.moderation.active_blocks() == []

    ack = bob.emit(
        "block_visitor", {"network": "127.0.0.1/24", "minutes": 5}, namespace=AGENT_NS, callback=True
    )
    assert ack["ok"]
    http = app.test_client()  # the test client comes from 127.0.0.1
    assert b"data-livechat" not in http.get("/").data
    assert not socketio.test_client(app, namespace=VISITOR_NS, flask_test_client=http).is_connected(
        VISITOR_NS
    )
    # An admin lifts it; that is logged too.
    assert (
        ada.emit("lift_block", {"block_id": ack["block_id"]}, namespace=AGENT_NS, callback=True)["error"][
            "code"
        ]
        == "forbidden"
    )
    assert bob.emit("lift_block", {"block_id": ack["block_id"]}, namespace=AGENT_NS, callback=True) == {
        "ok": True
    }
    assert b"data-livechat" in http.get("/").data
    with app.app_context():
        assert [e.action for e in livechat.store.moderation.moderation_log()] == ["unblock", "block"]
        assert livechat.store.moderation.moderation_log()[1].network == "127.0.0.0/24"


def test_a_hand_placed_widget_is_left_out_for_blocked_visitors(app: Flask, livechat: LiveChatState) -> None:
    from flask import render_template_string

    @app.get("/by-hand")
    def by_hand() -> str:
        return render_template_string("<html><body>{{ livechat_script() }}</body></html>")

    http = app.test_client()
    assert b"data-livechat" in http.get("/by-hand").data
    with app.app_context():
        livechat.store.moderation.add_block(
            visitor_id=None,
            network="127.0.0.1/32",
            expires_at=utcnow() + timedelta(hours=1),
            reason=None,
            actor="x",
        )
        livechat.moderation.forget_cache()
    assert b"data-livechat" not in http.get("/by-hand").data
