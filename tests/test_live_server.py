"""A real server on a free port and real python-socketio clients: what the test client cannot show.

The test client skips the Origin check and runs handlers one at a time; here handlers run in threads, as in
production, so ordering and concurrency are real.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import socketio

from flask_livechat.state import LiveChatState
from tests.conftest import LiveServer
from tests.helpers import AGENT_NS, VISITOR_NS, agent_cookie, eventually, send_rapidly, visitor_cookie


@pytest.fixture
def connect(live_server: LiveServer) -> Iterator[Any]:
    clients: list[socketio.Client] = []

    def _connect(namespace: str, cookie: str | None, transport: str = "websocket") -> socketio.Client:
        client = socketio.Client(reconnection=False)
        headers = {"Cookie": cookie} if cookie else {}
        client.connect(
            live_server.url, namespaces=[namespace], headers=headers, transports=[transport], wait_timeout=5
        )
        clients.append(client)
        return client

    yield _connect
    # In parallel: websocket-client waits up to 3 s for a close reply the dev server never sends.
    closing = [threading.Thread(target=client.disconnect) for client in clients]
    for thread in closing:
        thread.start()
    for thread in closing:
        thread.join()


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_visitor_and_agent_talk_over_a_real_server(
    live_server: LiveServer, connect: Any, transport: str
) -> None:
    visitor = connect(VISITOR_NS, visitor_cookie(live_server), transport)
    agent = connect(AGENT_NS, agent_cookie(live_server), transport)
    to_visitor: list[dict[str, Any]] = []
    to_agent: list[dict[str, Any]] = []
    visitor.on("new_message", to_visitor.append, namespace=VISITOR_NS)
    agent.on("new_message", to_agent.append, namespace=AGENT_NS)

    assert agent.call("hello", {}, namespace=AGENT_NS, timeout=5)["ok"]
    hello = visitor.call("hello", {"page": {"url": live_server.url + "/"}}, namespace=VISITOR_NS, timeout=5)
    assert hello["conversation"] is None
    sent = visitor.call(
        "send_message",
        {"client_id": "c-real-001", "body": "Hi!", "client_seq": 1},
        namespace=VISITOR_NS,
        timeout=5,
    )
    conversation_id = sent["message"]["conversation_id"]
    assert agent.call(
        "join_conversation", {"conversation_id": conversation_id}, namespace=AGENT_NS, timeout=5
    )["ok"]
    reply = agent.call(
        "send_message",
        {"conversation_id": conversation_id, "client_id": "a-real-001", "body": "Hello!", "client_seq": 1},
        namespace=AGENT_NS,
        timeout=5,
    )
    assert reply["ok"]
    eventually(lambda: any(m["body"] == "Hello!" for m in to_visitor), message=lambda: f"got {to_visitor}")
    assert [m["body"] for m in sorted(to_visitor, key=lambda m: m["seq"])] == ["Hi!", "Hello!"]


def test_non_agent_is_refused_at_connect(live_server: LiveServer) -> None:
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(
            live_server.url,
            namespaces=[AGENT_NS],
            headers={"Cookie": agent_cookie(live_server, "carol")},
            transports=["websocket"],
            wait_timeout=5,
        )


UNLIMITED = {"connect": "1000/minute", "message": "10000/minute", "agent_message": "10000/minute"}


@pytest.mark.livechat_config(LIVECHAT_RATE_LIMITS=UNLIMITED, LIVECHAT_MAX_MESSAGES_IN_FLIGHT=None)
def test_rapid_messages_are_stored_in_the_order_sent(
    live_server: LiveServer, connect: Any, livechat: LiveChatState
) -> None:
    visitor = connect(VISITOR_NS, visitor_cookie(live_server))
    count = 300
    acks = send_rapidly(visitor, count, "c-order")
    assert all(ack["ok"] for ack in acks.values())
    conversation_id = acks[1]["message"]["conversation_id"]
    stored = livechat.store.conversations.messages_of(conversation_id, limit=1000)
    assert [m.body for m in stored] == [f"#{n}" for n in range(1, count + 1)]
    assert [m.seq for m in stored] == list(range(1, count + 1))


def test_malformed_and_unknown_events_keep_the_connection(live_server: LiveServer, connect: Any) -> None:
    visitor = connect(VISITOR_NS, visitor_cookie(live_server))
    assert (
        visitor.call("send_message", "garbage", namespace=VISITOR_NS, timeout=5)["error"]["code"] == "invalid"
    )
    assert visitor.call("steal", {"conversation_id": "x"}, namespace=VISITOR_NS, timeout=5)["error"][
        "code"
    ] == ("unknown_event")
    too_long = visitor.call(
        "send_message", {"client_id": "c-long-001", "body": "x" * 5000}, namespace=VISITOR_NS, timeout=5
    )
    assert too_long["error"]["fields"]["body"]
    assert visitor.call(
        "send_message", {"client_id": "c-after-01", "body": "still here"}, namespace=VISITOR_NS, timeout=5
    )["ok"]


@pytest.mark.livechat_config(LIVECHAT_RATE_LIMITS=UNLIMITED, LIVECHAT_MAX_MESSAGES_IN_FLIGHT=None)
def test_concurrent_senders_get_distinct_gapless_seqs(
    live_server: LiveServer, connect: Any, livechat: LiveChatState
) -> None:
    cookie = visitor_cookie(live_server)
    tabs = [connect(VISITOR_NS, cookie) for _ in range(4)]
    first = tabs[0].call(
        "send_message", {"client_id": "c-open-001", "body": "open"}, namespace=VISITOR_NS, timeout=5
    )
    results: list[dict[str, Any]] = []

    def burst(tab: socketio.Client, index: int) -> None:
        for number in range(25):
            results.append(
                tab.call(
                    "send_message",
                    {"client_id": f"c-t{index}-{number:04d}", "body": "x"},
                    namespace=VISITOR_NS,
                    timeout=10,
                )
            )

    threads = [threading.Thread(target=burst, args=(tab, i)) for i, tab in enumerate(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r["ok"] for r in results)
    stored = livechat.store.conversations.messages_of(first["message"]["conversation_id"], limit=1000)
    assert [m.seq for m in stored] == list(range(1, 102))
