"""Past saturation a visitor's message is refused at once with ``overloaded`` and ``retry_after``, nothing is
stored, the connection's later messages wait their turn too, and agents are never refused."""

from __future__ import annotations

import time
from contextlib import ExitStack
from typing import Any

import pytest
from flask_socketio import SocketIOTestClient

from flask_livechat.errors import ConfigError, Overloaded
from flask_livechat.realtime.overload import AdmissionGate
from flask_livechat.state import LiveChatState
from tests.conftest import build_app, say

NS = "/livechat"


def test_past_the_limit_a_message_is_refused_and_its_connection_waits_out_retry_after() -> None:
    gate = AdmissionGate(2)
    first: dict[str, Any] = {}
    with gate.counted():
        gate.check(first)
        with gate.counted():
            gate.check(first)  # two in flight: at the limit, not past it
            with gate.counted():
                with pytest.raises(Overloaded) as refused:
                    gate.check(first)
    assert gate.in_flight() == 0
    assert refused.value.retry_after == 1
    assert refused.value.to_ack()["error"]["fields"] == {"retry_after": 1}
    with gate.counted(), pytest.raises(Overloaded):  # no retry may be overtaken by a later message
        gate.check(first)
    with gate.counted():
        gate.check({})  # another connection: there is room again
    first["overloaded_until"] = time.monotonic() - 0.01
    with gate.counted():
        gate.check(first)


def test_no_limit_never_refuses() -> None:
    gate = AdmissionGate(None)
    with gate.counted(), gate.counted(), gate.counted():
        gate.check({})


@pytest.mark.parametrize("value", [0, -1, True, 2.5, "64"])
def test_the_limit_must_be_a_positive_count_or_none(tmp_path: Any, value: Any) -> None:
    with pytest.raises(ConfigError, match="LIVECHAT_MAX_MESSAGES_IN_FLIGHT"):
        build_app(str(tmp_path), LIVECHAT_MAX_MESSAGES_IN_FLIGHT=value)


def send(visitor: SocketIOTestClient, body: str, client_id: str) -> dict[str, Any]:
    ack: dict[str, Any] = visitor.emit(
        "send_message", {"client_id": client_id, "body": body}, namespace=NS, callback=True
    )
    return ack


def test_an_overloaded_visitor_is_told_when_to_retry_and_nothing_is_stored(
    visitor: SocketIOTestClient, agent: SocketIOTestClient, livechat: LiveChatState
) -> None:
    assert say(visitor, "before", "c-over-0001")
    stored = livechat.store.count_rows()["livechat_messages"]
    with ExitStack() as others:  # as many messages of other visitors in flight as the process takes
        for _ in range(64):
            others.enter_context(livechat.admission.counted())
        ack = send(visitor, "during", "c-over-0002")
    assert ack["ok"] is False
    assert ack["error"]["code"] == "overloaded"
    assert 1 <= ack["error"]["fields"]["retry_after"] <= 3
    assert "try again" in ack["error"]["message"]
    assert livechat.store.count_rows()["livechat_messages"] == stored
    assert visitor.is_connected(NS)
    conversation = agent.emit("hello", {}, namespace="/livechat-agent", callback=True)["conversations"][0]
    reply = agent.emit(
        "send_message",
        {"conversation_id": conversation["id"], "client_id": "c-over-agent", "body": "staff are not refused"},
        namespace="/livechat-agent",
        callback=True,
    )
    assert reply["ok"] is True
    assert send(visitor, "during", "c-over-0002")["error"]["code"] == "overloaded"  # its retry_after holds
    connections = livechat.socketio.server.namespace_handlers[NS]._connections
    for connection in connections.values():
        connection["overloaded_until"] = 0.0  # retry_after has passed
    assert send(visitor, "during", "c-over-0002")["ok"] is True  # the retry is stored once
    assert livechat.store.count_rows()["livechat_messages"] == stored + 2
