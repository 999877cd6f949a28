"""Point 4 of issue 6: two server processes on different ports, one PostgreSQL database and a Redis message
queue act as one chat."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from flask_livechat.store import Store
from tests.conftest import need
from tests.faults import UNLIMITED, RedisProcess, ServerProcess
from tests.test_live_server import AGENT_NS, VISITOR_NS
from tests.test_store import POSTGRES_URL, postgres_reachable

# websocket-client leaves the socket of a connection cut under it to the garbage collector
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.usefixtures("release_sockets"),
    pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture
def database() -> Iterator[str]:
    """A PostgreSQL database of this test's own, created with the tables and dropped afterwards."""
    need(postgres_reachable(), f"PostgreSQL at {POSTGRES_URL} (apt-get install postgresql)")
    name = f"livechat_issue6_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    store = Store(url)
    store.create_all()
    store.dispose()
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisProcess]:
    process = RedisProcess(tmp_path / "redis")
    try:
        yield process.start()
    finally:
        process.stop()


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
    client.connect(url, namespaces=[namespace], headers={"Cookie": cookie}, transports=["websocket"])
    return client


def eventually(condition: Any, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


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
        assert eventually(lambda: any(v["id"] == online[0]["id"] for v in visitor_updates))
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
        assert eventually(lambda: sorted(m["body"] for m in to_agent) == sorted(expected))
        assert eventually(lambda: {m["body"] for m in to_visitor} >= {f"a{n}" for n in range(1, 21)})
        # leaving on one process shows the visitor offline on the other
        visitor.disconnect()
        assert eventually(
            lambda: any(v["id"] == online[0]["id"] and not v["online"] for v in visitor_updates)
        )
        assert not [v for v in agent.call("hello", {}, namespace=AGENT_NS)["visitors"] if v["online"]]
    finally:
        for client in (visitor, agent):
            if client.connected:
                client.disconnect()
