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
from flask_livechat.store import Store
from tests.conftest import LiveServer
from tests.faults import CUTS_CONNECTIONS, UNLIMITED, ResumingPeer, TcpProxy
from tests.test_live_server import AGENT_NS, VISITOR_NS, agent_cookie, visitor_cookie

pytestmark = CUTS_CONNECTIONS


@pytest.fixture
def proxy(live_server: LiveServer) -> Iterator[TcpProxy]:
    port = int(live_server.url.rsplit(":", 1)[1])
    proxy = TcpProxy(port)
    yield proxy
    proxy.close()


def plain_client(url: str, namespace: str, cookie: str) -> socketio.Client:
    client = socketio.Client(reconnection=False)
    client.connect(url, namespaces=[namespace], headers={"Cookie": cookie}, transports=["websocket"])
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


def converse(
    visitor_urls: list[str],
    agent_urls: list[str],
    cookies: tuple[str, str],
    count: int,
    cut: Any,
    pace: float = 0.0,
) -> tuple[ResumingPeer, ResumingPeer]:
    """A visitor and an agent each send ``count`` messages at once (one every ``pace`` seconds) while
    ``cut(acked)`` breaks things."""
    visitor = ResumingPeer(visitor_urls, VISITOR_NS, cookies[0])
    agent: ResumingPeer | None = None
    try:
        visitor.send("v-00000000", "v0")
        assert visitor.wait(lambda: "v-00000000" in visitor.acked, 10), visitor.errors
        conversation_id = visitor.acked["v-00000000"]["conversation_id"]
        agent = ResumingPeer(agent_urls, AGENT_NS, cookies[1], conversation_id=conversation_id)

        def sender(peer: ResumingPeer, prefix: str, first: int) -> None:
            for n in range(first, count):
                peer.send(f"{prefix}-{n:08d}", f"{prefix}{n}")
                if pace:
                    time.sleep(pace)

        threads = [
            threading.Thread(target=sender, args=(visitor, "v", 1)),
            threading.Thread(target=sender, args=(agent, "a", 0)),
        ]
        for thread in threads:
            thread.start()
        peers = (visitor, agent)
        deadline = time.monotonic() + 120
        while any(thread.is_alive() for thread in threads) or any(p.outbox for p in peers):
            cut(len(visitor.acked) + len(agent.acked))
            time.sleep(0.01)
            if time.monotonic() > deadline:
                break
        for thread in threads:
            thread.join(timeout=60)
        for peer in peers:
            assert peer.wait(lambda p=peer: len(p.delivered) >= 2 * count, 60), (
                len(peer.delivered),
                len(peer.outbox),
                peer.errors[:3],
            )
        return visitor, agent
    finally:
        visitor.close()
        if agent is not None:
            agent.close()


def assert_exactly_once_in_order(
    store: Store, visitor: ResumingPeer, agent: ResumingPeer, count: int
) -> None:
    conversation_id = visitor.conversation_id
    assert conversation_id is not None
    stored = store.conversations.messages_of(conversation_id, limit=10 * count)
    assert [m.seq for m in stored] == list(range(1, 2 * count + 1))  # one row per client_id: no duplicates
    bodies = [m.body for m in stored]
    assert [b for b in bodies if b.startswith("v")] == [f"v{n}" for n in range(count)]  # order sent
    assert [b for b in bodies if b.startswith("a")] == [f"a{n}" for n in range(count)]
    ids = [m.id for m in stored]
    for peer in (visitor, agent):
        assert [m["id"] for m in peer.delivered] == ids  # no loss, no duplicate, no reordering
        assert not peer.outbox and len(peer.acked) == count
        assert {peer.acked[m["client_id"]]["id"] for m in peer.delivered if m["client_id"] in peer.acked} == {
            m["id"] for m in peer.delivered if m["client_id"] in peer.acked
        }


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
        while time.monotonic() - started < 6:
            if any(u["id"] == online["id"] and not u["online"] for u in updates):
                break
            time.sleep(0.05)
        gone_after = time.monotonic() - started
        assert any(u["id"] == online["id"] and not u["online"] for u in updates)
        assert gone_after <= 2 + 1.0, f"gone after {gone_after:.1f} s"  # interval + timeout, and a margin
        assert not [v for v in agent.call("hello", {}, namespace=AGENT_NS)["visitors"] if v["online"]]
    finally:
        proxy.close()
        close_all(agent, visitor)
