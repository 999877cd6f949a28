"""Point 4 of issue 6: two server processes on different ports, one PostgreSQL database and a Redis message
queue act as one chat."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from tests.faults import RedisProcess, ServerProcess
from tests.helpers import AGENT_NS, UNLIMITED, VISITOR_NS, eventually

# websocket-client leaves the socket of a connection cut under it to the garbage collector
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.usefixtures("release_sockets"),
    pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture
def cluster(tmp_path: Path, database: str, redis: RedisProcess) -> Iterator[list[ServerProcess]]:
    config = {
        "LIVECHAT_DATABASE_URL": database,
        "LIVECHAT_MESSAGE_QUEUE": redis.url,
        "LIVECHAT_RATE_LIMITS": UNLIMITED,
        "LIVECHAT_RATE_LIMIT_STORAGE": redis.url,
    }
    servers = [ServerProcess(tmp_path / f"instance-{n}", "eventlet", config) for n in range(2)]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


def connect(url: str, namespace: str, cookie: str) -> socketio.Client:
    client = socketio.Client(reconnection=False)
    client.connect(
        url, namespaces=[namespace], headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=5
    )
    return client


def test_two_processes_act_as_one(cluster: list[ServerProcess]) -> None:
    first, second = cluster
    visitor_cookie = (
        "livechat_visitor=" + requests.get(first.url + "/", timeout=5).cookies["livechat_visitor"]
    )
    agent_cookie = "session=" + requests.get(second.url + "/login-as/ada", timeout=5).cookies["session"]
    agent = connect(second.url, AGENT_NS, agent_cookie)
    visitor = connect(first.url, VISITOR_NS, visitor_cookie)
    to_agent: list[dict[str, Any]] = []
    to_visitor: list[dict[str, Any]] = []
    visitor_updates: list[dict[str, Any]] = []
    agent.on("new_message", to_agent.append, namespace=AGENT_NS)
    agent.on("visitor_updated", visitor_updates.append, namespace=AGENT_NS)
    visitor.on("new_message", to_visitor.append, namespace=VISITOR_NS)
    try:
        hello = agent.call("hello", {}, namespace=AGENT_NS, timeout=10)
        visitor_hello = visitor.call(
            "hello", {"page": {"url": first.url + "/"}}, namespace=VISITOR_NS, timeout=10
        )
        assert visitor_hello["agents_online"] is True  # the agent is on the other process
        visitor_id = visitor_updates[-1]["id"] if visitor_updates else None
        # the visitor list on the agent's process shows the visitor connected to the other one
        listed = agent.call("hello", {}, namespace=AGENT_NS, timeout=10)["visitors"]
        online = [v for v in listed if v["online"]]
        assert len(online) == 1 and (visitor_id is None or online[0]["id"] == visitor_id)
        assert hello["ok"]
        sent = visitor.call(
            "send_message",
            {"client_id": "c-cluster-01", "body": "from A", "client_seq": 1},
            namespace=VISITOR_NS,
        )
        conversation_id = sent["message"]["conversation_id"]
        eventually(
            lambda: any(v["id"] == online[0]["id"] for v in visitor_updates),
            message=lambda: f"the agent's process was not told about the visitor: {visitor_updates}",
        )
        joined = agent.call("join_conversation", {"conversation_id": conversation_id}, namespace=AGENT_NS)
        assert [m["body"] for m in joined["messages"]] == ["from A"]
        for n in range(1, 21):
            assert visitor.call(
                "send_message",
                {"client_id": f"c-cluster-v{n:02d}", "body": f"v{n}", "client_seq": n + 1},
                namespace=VISITOR_NS,
            )["ok"]
            assert agent.call(
                "send_message",
                {
                    "conversation_id": conversation_id,
                    "client_id": f"c-cluster-a{n:02d}",
                    "body": f"a{n}",
                    "client_seq": n,
                },
                namespace=AGENT_NS,
            )["ok"]
        expected = [f"v{n}" for n in range(1, 21)] + [f"a{n}" for n in range(1, 21)]
        eventually(
            lambda: sorted(m["body"] for m in to_agent) == sorted(expected),
            message=lambda: f"the agent got {sorted(m['body'] for m in to_agent)}",
        )
        eventually(
            lambda: {m["body"] for m in to_visitor} >= {f"a{n}" for n in range(1, 21)},
            message=lambda: f"the visitor got {sorted(m['body'] for m in to_visitor)}",
        )
        # leaving on one process shows the visitor offline on the other
        visitor.disconnect()
        eventually(
            lambda: any(v["id"] == online[0]["id"] and not v["online"] for v in visitor_updates),
            message="the agent's process did not show the visitor offline",
        )
        assert not [v for v in agent.call("hello", {}, namespace=AGENT_NS)["visitors"] if v["online"]]
    finally:
        for client in (visitor, agent):
            if client.connected:
                client.disconnect()
