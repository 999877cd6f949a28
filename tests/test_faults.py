"""Point 5 of issue 6: a process killed with ``kill -9``, a Redis restart and a database outage, during
traffic, against real server processes, PostgreSQL and a Redis server of the test's own."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import socketio
from sqlalchemy.engine import make_url

from flask_livechat.store import Store
from tests.faults import (
    RedisProcess,
    ResumingPeer,
    ServerProcess,
    TcpProxy,
    assert_exactly_once_in_order,
    converse,
)
from tests.helpers import UNLIMITED, VISITOR_NS, eventually

pytestmark = [
    pytest.mark.usefixtures("release_sockets"),
    pytest.mark.postgres,
    # websocket-client leaves the socket of a connection cut under it to the garbage collector
    pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"),
]


def start_cluster(tmp_path: Path, database_url: str, queue: str, count: int = 2) -> list[ServerProcess]:
    config = {
        "LIVECHAT_DATABASE_URL": database_url,
        "LIVECHAT_MESSAGE_QUEUE": queue,
        "LIVECHAT_RATE_LIMITS": UNLIMITED,
    }
    servers = [ServerProcess(tmp_path / f"instance-{n}", "eventlet", config) for n in range(count)]
    for server in servers:
        server.start()
    return servers


@pytest.fixture
def cluster(tmp_path: Path, database: str, redis: RedisProcess) -> Iterator[list[ServerProcess]]:
    servers: list[ServerProcess] = []
    try:
        servers = start_cluster(tmp_path, database, redis.url)
        yield servers
    finally:
        for server in servers:
            server.stop()


def assert_stored_exactly_once(url: str, visitor: ResumingPeer, agent: ResumingPeer, count: int) -> None:
    store = Store(url)
    try:
        assert_exactly_once_in_order(store, visitor, agent, count)
    finally:
        store.dispose()


def cookies(url: str) -> tuple[str, str]:
    visitor = requests.get(url + "/", timeout=5).cookies["livechat_visitor"]
    agent = requests.get(url + "/login-as/ada", timeout=5).cookies["session"]
    return f"livechat_visitor={visitor}", f"session={agent}"


def test_kill_9_one_process_and_its_clients_fail_over_without_losing_acked_messages(
    cluster: list[ServerProcess],
    database: str,
) -> None:
    first, second = cluster
    count = 200
    killed = [False]

    def kill(acked: int) -> None:
        if acked >= 120 and not killed[0]:
            killed[0] = True
            first.kill()  # kill -9: no goodbye to anyone

    # both start on the first process; the agent's tab prefers it too, then fails over
    visitor, agent = converse(
        [first.url, second.url], [first.url, second.url], cookies(first.url), count, kill, 0.005
    )
    assert killed[0] and visitor.resumes >= 2 and agent.resumes >= 2
    assert_stored_exactly_once(database, visitor, agent, count)


def test_redis_restart_during_traffic_loses_nothing_that_was_acked(
    cluster: list[ServerProcess],
    database: str,
    redis: RedisProcess,
) -> None:
    first, second = cluster
    count = 300
    restarted = [False]

    def restart(acked: int) -> None:
        if acked >= 150 and not restarted[0]:
            restarted[0] = True
            redis.stop()
            time.sleep(1.0)
            redis.start()  # the same port: the servers reconnect on their own

    visitor, agent = converse([first.url], [second.url], cookies(first.url), count, restart, 0.01)
    assert restarted[0]
    assert_stored_exactly_once(database, visitor, agent, count)


def test_database_outage_gives_prompt_error_acks_and_acks_only_what_was_stored(
    tmp_path: Path,
    database: str,
) -> None:
    postgres = make_url(database)
    proxy = TcpProxy(postgres.port or 5432)
    through_proxy = postgres.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    server = ServerProcess(
        tmp_path / "instance",
        "eventlet",
        {"LIVECHAT_DATABASE_URL": through_proxy, "LIVECHAT_RATE_LIMITS": UNLIMITED},
    )
    client = socketio.Client(reconnection=False)
    try:
        server.start()
        visitor_cookie, _ = cookies(server.url)
        client.connect(
            server.url,
            namespaces=[VISITOR_NS],
            headers={"Cookie": visitor_cookie},
            transports=["websocket"],
            wait_timeout=5,
        )
        before = client.call(
            "send_message", {"client_id": "c-db-00001", "body": "before"}, namespace=VISITOR_NS
        )
        conversation_id = before["message"]["conversation_id"]
        proxy.down()
        started = time.monotonic()
        during = client.call(
            "send_message", {"client_id": "c-db-00002", "body": "during"}, namespace=VISITOR_NS, timeout=30
        )
        elapsed = time.monotonic() - started
        assert during["ok"] is False and during["error"]["code"] == "unavailable", during
        assert elapsed < 10, f"error ack after {elapsed:.1f} s"
        time.sleep(2)
        proxy.up()
        # nothing was stored for the refused send; the resend (same client_id) is stored once
        store = Store(database)
        try:
            assert [m.client_id for m in store.conversations.messages_of(conversation_id)] == ["c-db-00001"]
        finally:
            store.dispose()

        def resend_is_stored() -> bool:
            again = client.call(
                "send_message",
                {"client_id": "c-db-00002", "body": "during"},
                namespace=VISITOR_NS,
                timeout=30,
            )
            assert again["ok"], again
            return True

        eventually(resend_is_stored, timeout=60, interval=0.5, message="the resend after the outage")
        fetched = client.call("fetch_messages", {"after_seq": 0}, namespace=VISITOR_NS)
        assert [m["client_id"] for m in fetched["messages"]] == ["c-db-00001", "c-db-00002"]
    finally:
        if client.connected:
            client.disconnect()
        server.stop()
        proxy.close()
