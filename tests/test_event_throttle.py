"""Reserved event names and per-connection throttles, over a real server with python-socketio clients.

A client could emit ``disconnect`` or ``connect`` as ordinary events and run those handlers (forgetting its
own connection, or opening a second record of it), and ``typing`` and ``hello`` were relayed without limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from flask_livechat.realtime.base import HELLO_LIMIT
from flask_livechat.realtime.typing_reads import TYPING_INTERVAL_SECONDS
from tests.conftest import LiveServer, real_socket, server_cookie

VISITOR_NS = "/livechat"
AGENT_NS = "/livechat-agent"


@pytest.fixture
def chat(live_server: LiveServer) -> Iterator[tuple[Any, Any, str]]:
    """A visitor with an open conversation and an agent who joined it, both on real sockets."""
    with (
        real_socket(live_server, VISITOR_NS, server_cookie(live_server)) as visitor,
        real_socket(live_server, AGENT_NS, server_cookie(live_server, "/login-as/ada")) as agent,
    ):
        sent = visitor.call(
            "send_message", {"client_id": "c-thr-00001", "body": "hi", "client_seq": 1}, namespace=VISITOR_NS
        )
        conversation_id = sent["message"]["conversation_id"]
        assert agent.call("join_conversation", {"conversation_id": conversation_id}, namespace=AGENT_NS)["ok"]
        yield visitor, agent, conversation_id


def collect(client: Any, event: str, namespace: str) -> list[Any]:
    received: list[Any] = []
    lock = threading.Lock()

    def handler(payload: Any) -> None:
        with lock:
            received.append(payload)

    client.on(event, handler, namespace=namespace)
    return received


@pytest.mark.parametrize("event", ["disconnect", "connect", "connect_error", "message", "on_hello", "*"])
def test_reserved_and_undeclared_names_get_an_error_ack_and_change_nothing(
    live_server: LiveServer, chat: tuple[Any, Any, str], event: str
) -> None:
    visitor, agent, conversation_id = chat
    state = live_server.app.extensions["livechat"]
    before = state.store.count_rows()
    for client, namespace in ((visitor, VISITOR_NS), (agent, AGENT_NS)):
        for payload in ({}, "transport close", None):
            ack = client.call(event, payload, namespace=namespace, timeout=5)
            assert ack["ok"] is False and ack["error"]["code"] == "unknown_event", (event, ack)
    assert state.store.count_rows() == before  # no second presence row, none forgotten
    # Both connections are still the ones the server knows: their next events work.
    sent = visitor.call(
        "send_message",
        {"client_id": "c-thr-00002", "body": "still here", "client_seq": 2},
        namespace=VISITOR_NS,
    )
    assert sent["ok"], sent
    assert agent.call("mark_read", {"conversation_id": conversation_id, "seq": 2}, namespace=AGENT_NS)["ok"]


def test_typing_is_relayed_at_most_once_per_interval(chat: tuple[Any, Any, str]) -> None:
    visitor, agent, conversation_id = chat
    to_agent = collect(agent, "typing", AGENT_NS)
    started = time.monotonic()
    # Only what is answered well inside the interval is judged: on a loaded machine 20 calls may outlast it.
    inside = TYPING_INTERVAL_SECONDS - 0.5
    acks = []
    for _ in range(20):
        ack = visitor.call("typing", {"typing": True}, namespace=VISITOR_NS, timeout=5)
        # When its ack is back: the server handled it before then, and its interval began after `started`.
        acks.append((time.monotonic() - started, ack))
    assert acks[0][1] == {"ok": True}
    # On a loaded machine the 20 calls may outlast the interval: a start answered after it is relayed again.
    relayed_starts = [True] * sum(1 for _, ack in acks if ack["ok"])
    limited = [ack for answered, ack in acks[1:] if answered < inside]
    assert limited, "the machine was too slow to send twice inside the interval"
    assert all(a["ok"] is False and a["error"]["code"] == "rate_limited" for a in limited), acks
    assert all(a["error"]["fields"]["retry_after"] >= 1 for a in limited)
    # Flipping on and off: a stop ends the relayed start once, and further starts wait for the interval.
    flipping = time.monotonic()
    for _ in range(10):
        if time.monotonic() - flipping > inside:
            break
        visitor.call("typing", {"typing": False}, namespace=VISITOR_NS, timeout=5)
        visitor.call("typing", {"typing": True}, namespace=VISITOR_NS, timeout=5)
    time.sleep(0.5)
    expected = [*relayed_starts, False]
    assert [event["typing"] for event in to_agent][: len(expected)] == expected, to_agent
    # The interval runs from the first relayed start (on a loaded machine it may be over by now).
    if time.monotonic() - started < TYPING_INTERVAL_SECONDS:  # still inside: nothing more was relayed
        assert [event["typing"] for event in to_agent] == expected, to_agent

    time.sleep(TYPING_INTERVAL_SECONDS)
    relayed = len(to_agent)
    assert visitor.call("typing", {"typing": True}, namespace=VISITOR_NS, timeout=5) == {"ok": True}
    time.sleep(0.5)
    assert len(to_agent) == relayed + 1 and to_agent[-1]["typing"] is True, to_agent

    to_visitor = collect(visitor, "typing", VISITOR_NS)
    agent_acks = [
        agent.call(
            "typing", {"conversation_id": conversation_id, "typing": True}, namespace=AGENT_NS, timeout=5
        )
        for _ in range(10)
    ]
    assert agent_acks[0] == {"ok": True}
    assert {a["error"]["code"] for a in agent_acks[1:]} == {"rate_limited"}
    time.sleep(0.5)
    assert len(to_visitor) == 1


def test_hello_is_limited_per_connection(live_server: LiveServer, chat: tuple[Any, Any, str]) -> None:
    visitor, agent, _ = chat
    updates = collect(agent, "visitor_updated", AGENT_NS)
    acks = [visitor.call("hello", {}, namespace=VISITOR_NS, timeout=5) for _ in range(HELLO_LIMIT + 5)]
    assert all(a["ok"] for a in acks[:HELLO_LIMIT])
    assert all(a["error"]["code"] == "rate_limited" for a in acks[HELLO_LIMIT:]), acks
    time.sleep(1.5)  # past the coalescing interval, so every push that will come has come
    # A refused hello tells agents nothing (and accepted ones are coalesced: LIVECHAT_VISITOR_PUSH_INTERVAL).
    assert 1 <= len(updates) <= HELLO_LIMIT
    agent_acks = [agent.call("hello", {}, namespace=AGENT_NS, timeout=5) for _ in range(HELLO_LIMIT + 2)]
    assert [a["ok"] for a in agent_acks] == [True] * HELLO_LIMIT + [False, False]
    # The limit is the connection's: a new one (a reload) says hello at once.
    with real_socket(live_server, VISITOR_NS, server_cookie(live_server)) as again:
        assert again.call("hello", {}, namespace=VISITOR_NS, timeout=5)["ok"]
