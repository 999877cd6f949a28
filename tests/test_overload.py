"""Past saturation a visitor's message is refused at once with ``overloaded`` and ``retry_after``, nothing is
stored, the connection's later messages wait their turn too, and agents are never refused."""

from __future__ import annotations

import time
from contextlib import ExitStack
from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIO, SocketIOTestClient

from flask_livechat.errors import ConfigError, Overloaded
from flask_livechat.realtime.ordering import SendOrder
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


def test_a_refusal_is_answered_before_any_work_on_the_event(
    app: Flask, visitor: SocketIOTestClient, livechat: LiveChatState, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past saturation refusals can outnumber the messages stored: each must not cost a Flask request
    context, a session and a schema load, or the refusals take the capacity they protect."""
    contexts: list[object] = []
    make_context = app.request_context

    def counted_context(environ: dict[str, Any]) -> Any:
        contexts.append(environ)
        return make_context(environ)

    monkeypatch.setattr(app, "request_context", counted_context)
    assert say(visitor, "before", "c-early-0001")
    assert len(contexts) == 1  # an accepted message is handled in its request context
    with ExitStack() as others:
        for _ in range(64):
            others.enter_context(livechat.admission.counted())
        refused = [send(visitor, "during", f"c-early-000{n}") for n in (2, 3)]
    assert [ack["error"]["code"] for ack in refused] == ["overloaded", "overloaded"]
    assert refused[0]["error"]["fields"]["retry_after"] == 1
    assert len(contexts) == 1
    assert livechat.admission.in_flight() == 0


def test_a_send_refused_before_its_turn_settles_only_where_it_cannot_overtake(socketio: SocketIO) -> None:
    order = SendOrder(socketio, wait_seconds=1.0)
    assert order.settle_unstarted("a", 1)  # next in line, nothing of its connection running
    assert not order.settle_unstarted("a", 3)  # 2 not handled yet: 3 must wait for it in its turn
    with order.turn("a", 2):
        assert not order.settle_unstarted("a", 3)  # 2 is being stored: 3 may not be answered before it
    assert order.settle_unstarted("a", 3)
    assert order.settle_unstarted("a", None)  # an unnumbered send keeps no place in line
    started = time.monotonic()
    with order.turn("a", 4):  # 3 counts as handled: its successor does not wait for it
        pass
    assert time.monotonic() - started < 0.5
