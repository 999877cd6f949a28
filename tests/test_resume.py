"""Resume and gap filling against a real server: ``hello`` with ``last_seq``, ``fetch_messages``, and 1,000
messages each way through a connection that is cut again and again."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import socketio

from flask_livechat.state import LiveChatState
from tests.conftest import LiveServer
from tests.faults import CUTS_CONNECTIONS, TcpProxy, assert_exactly_once_in_order, converse
from tests.helpers import AGENT_NS, UNLIMITED, VISITOR_NS, agent_cookie, eventually, visitor_cookie

pytestmark = CUTS_CONNECTIONS


@pytest.fixture
def proxy(live_server: LiveServer) -> Iterator[TcpProxy]:
    port = int(live_server.url.rsplit(":", 1)[1])
    proxy = TcpProxy(port)
    yield proxy
    proxy.close()


def plain_client(url: str, namespace: str, cookie: str) -> socketio.Client:
    client = socketio.Client(reconnection=False)
    client.connect(
        url, namespaces=[namespace], headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=5
    )
    return client


def close_all(*clients: socketio.Client) -> None:
    threads = [threading.Thread(target=c.disconnect) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_hello_with_last_seq_returns_only_later_messages(live_server: LiveServer) -> None:
    cookie = visitor_cookie(live_server)
    visitor = plain_client(live_server.url, VISITOR_NS, cookie)
    stranger = plain_client(live_server.url, VISITOR_NS, visitor_cookie(live_server))
    agent = plain_client(live_server.url, AGENT_NS, agent_cookie(live_server))
    try:
        for n in range(1, 6):
            ack = visitor.call(
                "send_message", {"client_id": f"c-resume-{n:03d}", "body": f"#{n}"}, namespace=VISITOR_NS
            )
        conversation_id = ack["message"]["conversation_id"]
        hello = visitor.call(
            "hello", {"last_seq": 3, "conversation_id": conversation_id}, namespace=VISITOR_NS
        )
        assert [m["seq"] for m in hello["messages"]] == [4, 5]
        assert hello["conversation"]["id"] == conversation_id and hello["more"] is False
        # last_seq of another (older) conversation does not apply: the widget gets the whole open one
        other = visitor.call("hello", {"last_seq": 3, "conversation_id": "someotherid"}, namespace=VISITOR_NS)
        assert [m["seq"] for m in other["messages"]] == [1, 2, 3, 4, 5]
        fetched = visitor.call("fetch_messages", {"after_seq": 1}, namespace=VISITOR_NS)
        assert [m["body"] for m in fetched["messages"]] == ["#2", "#3", "#4", "#5"]
        assert fetched["last_seq"] == 5
        assert (
            stranger.call(
                "fetch_messages", {"conversation_id": conversation_id, "after_seq": 0}, namespace=VISITOR_NS
            )["error"]["code"]
            == "not_found"
        )
        assert agent.call("hello", {}, namespace=AGENT_NS)["ok"]
        agent_fetch = agent.call(
            "fetch_messages", {"conversation_id": conversation_id, "after_seq": 4}, namespace=AGENT_NS
        )
        assert [m["seq"] for m in agent_fetch["messages"]] == [5]
        assert (
            agent.call("fetch_messages", {"after_seq": 4}, namespace=AGENT_NS)["error"]["code"] == "invalid"
        )
    finally:
        close_all(visitor, stranger, agent)


@pytest.mark.livechat_config(LIVECHAT_RATE_LIMITS=UNLIMITED)
def test_thousand_messages_each_way_survive_repeated_cuts(
    live_server: LiveServer, proxy: TcpProxy, livechat: LiveChatState
) -> None:
    count = 1000
    next_cut = [150]

    def cut(acked: int) -> None:
        if acked >= next_cut[0]:
            next_cut[0] += 150
            proxy.cut()

    cookies = (visitor_cookie(live_server), agent_cookie(live_server))
    visitor, agent = converse([proxy.url], [proxy.url], cookies, count, cut)
    assert proxy.cuts >= 10
    assert visitor.resumes > 5 and agent.resumes > 5
    assert not visitor.errors and not agent.errors
    assert_exactly_once_in_order(livechat.store, visitor, agent, count)


PING = {"LIVECHAT_PING_INTERVAL": 1, "LIVECHAT_PING_TIMEOUT": 1}


@pytest.mark.livechat_config(**PING)
def test_a_silently_dead_connection_shows_the_visitor_gone_within_ping_interval_plus_timeout(
    live_server: LiveServer, proxy: TcpProxy
) -> None:
    agent = plain_client(live_server.url, AGENT_NS, agent_cookie(live_server))
    visitor = plain_client(proxy.url, VISITOR_NS, visitor_cookie(live_server))
    updates: list[dict[str, Any]] = []
    agent.on("visitor_updated", updates.append, namespace=AGENT_NS)
    try:
        listed = agent.call("hello", {}, namespace=AGENT_NS)["visitors"]
        (online,) = [v for v in listed if v["online"]]
        proxy.stall()  # no FIN, no RST: the visitor's packets just stop
        started = time.monotonic()
        eventually(
            lambda: any(u["id"] == online["id"] and not u["online"] for u in updates),
            timeout=30,
            interval=0.02,
            message="the agent was not told the silently dead visitor went offline",
        )
        gone_after = time.monotonic() - started
        assert gone_after <= 2 + 1.0, f"gone after {gone_after:.1f} s"  # interval + timeout, and a margin
        assert not [v for v in agent.call("hello", {}, namespace=AGENT_NS)["visitors"] if v["online"]]
    finally:
        proxy.close()
        close_all(agent, visitor)
