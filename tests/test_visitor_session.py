"""Visitors without cookies keep their chat for the page session; returning visitors see their history."""

from __future__ import annotations

from flask import Flask
from flask_socketio import SocketIO, SocketIOTestClient

NS = "/livechat"


def test_a_cookieless_visitor_keeps_the_conversation_across_reconnects(
    app: Flask, socketio: SocketIO
) -> None:
    first = socketio.test_client(app, namespace=NS)
    session = first.emit("hello", {}, namespace=NS, callback=True)["session"]
    sent = first.emit("send_message", {"client_id": "c-000001", "body": "Hi"}, namespace=NS, callback=True)
    first.disconnect(NS)
    again = socketio.test_client(app, namespace=NS, auth={"session": session})
    hello = again.emit("hello", {}, namespace=NS, callback=True)
    assert [m["id"] for m in hello["messages"]] == [sent["message"]["id"]]
    again.disconnect(NS)
    stranger = socketio.test_client(app, namespace=NS, auth={"session": "forged"})
    assert stranger.emit("hello", {}, namespace=NS, callback=True)["messages"] == []
    stranger.disconnect(NS)


def test_a_returning_visitor_sees_earlier_conversations(visitor: SocketIOTestClient) -> None:
    visitor.emit("send_message", {"client_id": "c-000001", "body": "First chat"}, namespace=NS, callback=True)
    visitor.emit("end_conversation", {}, namespace=NS, callback=True)
    hello = visitor.emit("hello", {}, namespace=NS, callback=True)
    assert hello["conversation"] is None and hello["messages"] == []
    assert [m["body"] for m in hello["history"]] == ["First chat", "The visitor ended the chat."]


def test_cookieless_visitors_get_no_history(app: Flask, socketio: SocketIO) -> None:
    tab = socketio.test_client(app, namespace=NS)
    tab.emit("send_message", {"client_id": "c-000001", "body": "Hi"}, namespace=NS, callback=True)
    tab.emit("end_conversation", {}, namespace=NS, callback=True)
    assert tab.emit("hello", {}, namespace=NS, callback=True)["history"] == []
    tab.disconnect(NS)
