"""The benchmarks' yardstick (bench/relay.py) answers the events the load generator relies on, so a
throughput ratio never compares our chat with a relay that silently drops messages."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

RELAY = Path(__file__).resolve().parent / "relay.py"


def relay_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_relay", RELAY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_visitor_message_is_acked_and_reaches_the_agents() -> None:
    app, socketio = relay_module().create_relay("threading")
    http = app.test_client()
    assert "livechat_visitor" in (http.get("/").headers.get("Set-Cookie") or "")
    visitor = socketio.test_client(app, namespace="/livechat", flask_test_client=http)
    agent = socketio.test_client(app, namespace="/livechat-agent")
    try:
        assert visitor.emit("hello", {}, namespace="/livechat", callback=True)["ok"] is True
        assert agent.emit("hello", {}, namespace="/livechat-agent", callback=True)["ok"] is True
        ack: dict[str, Any] = visitor.emit(
            "send_message",
            {"client_id": "c" * 8, "body": "hi", "client_seq": 1},
            namespace="/livechat",
            callback=True,
        )
        assert ack["ok"] is True and ack["message"]["seq"] == 1 and ack["message"]["client_id"] == "c" * 8
        received = agent.get_received("/livechat-agent")
        updates = [event for event in received if event["name"] == "conversation_updated"]
        assert updates and updates[0]["args"][0]["last_message"]["client_id"] == "c" * 8
        conversation = ack["message"]["conversation_id"]
        joined = agent.emit(
            "join_conversation", {"conversation_id": conversation}, namespace="/livechat-agent", callback=True
        )
        assert joined["ok"] is True
        visitor.emit(
            "send_message",
            {"client_id": "d" * 8, "body": "again", "client_seq": 2},
            namespace="/livechat",
            callback=True,
        )
        names = [event["name"] for event in agent.get_received("/livechat-agent")]
        assert "new_message" in names
        echoed = [event for event in visitor.get_received("/livechat") if event["name"] == "new_message"]
        assert [event["args"][0]["seq"] for event in echoed] == [1, 2]
    finally:
        visitor.disconnect(namespace="/livechat")
        agent.disconnect(namespace="/livechat-agent")


def test_a_payload_without_a_body_is_refused() -> None:
    app, socketio = relay_module().create_relay("threading")
    visitor = socketio.test_client(app, namespace="/livechat")
    try:
        ack = visitor.emit("send_message", {"client_id": "x" * 8}, namespace="/livechat", callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "invalid"
    finally:
        visitor.disconnect(namespace="/livechat")
