"""Points 1 and 2 of issue 6 against real server processes in every async mode we support: an idempotent
send, and 300 messages sent as fast as possible stored and shown in the order sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from tests.faults import CUTS_CONNECTIONS, ServerProcess
from tests.helpers import UNLIMITED, VISITOR_NS, eventually, send_rapidly

pytestmark = CUTS_CONNECTIONS


@pytest.fixture(params=["threading", "eventlet"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path / "instance",
        request.param,
        {"LIVECHAT_RATE_LIMITS": UNLIMITED, "LIVECHAT_MAX_MESSAGES_IN_FLIGHT": None},
    )
    try:
        yield process.start()
    finally:
        process.stop()
    assert "Traceback" not in process.log(), process.log()


def visitor(url: str) -> socketio.Client:
    cookie = requests.get(url + "/", timeout=5).cookies["livechat_visitor"]
    client = socketio.Client(reconnection=False)
    client.connect(
        url,
        namespaces=[VISITOR_NS],
        headers={"Cookie": f"livechat_visitor={cookie}"},
        transports=["websocket"],
        wait_timeout=5,
    )
    return client


def test_same_client_id_is_stored_once_with_the_same_ack(server: ServerProcess) -> None:
    client = visitor(server.url)
    try:
        payload = {"client_id": "c-idem-0001", "body": "once", "client_seq": 1}
        first = client.call("send_message", payload, namespace=VISITOR_NS, timeout=10)
        again = client.call("send_message", {**payload, "client_seq": 2}, namespace=VISITOR_NS, timeout=10)
        assert first["ok"] and again == first
        fetched = client.call("fetch_messages", {"after_seq": 0}, namespace=VISITOR_NS, timeout=10)
        assert [m["client_id"] for m in fetched["messages"]] == ["c-idem-0001"]
    finally:
        client.disconnect()


def test_rapid_messages_are_stored_and_shown_in_order(server: ServerProcess) -> None:
    client = visitor(server.url)
    shown: list[dict[str, Any]] = []
    client.on("new_message", shown.append, namespace=VISITOR_NS)
    count = 300
    try:
        acks = send_rapidly(client, count, "c-fast")
        assert all(ack["ok"] for ack in acks.values())
        assert [acks[n]["message"]["seq"] for n in range(1, count + 1)] == list(range(1, count + 1))
        stored: list[dict[str, Any]] = []
        while True:
            page = client.call("fetch_messages", {"after_seq": len(stored)}, namespace=VISITOR_NS, timeout=10)
            stored += page["messages"]
            if not page["more"]:
                break
        assert [m["body"] for m in stored] == [f"#{n}" for n in range(1, count + 1)]
        # shown: what the widget displays, ordered by seq, de-duplicated by id
        eventually(
            lambda: len({m["seq"] for m in shown}) >= count,
            message=lambda: f"{len({m['seq'] for m in shown})} of {count} messages pushed",
        )
        by_seq = {m["seq"]: m["body"] for m in shown}
        assert [by_seq[s] for s in sorted(by_seq)] == [f"#{n}" for n in range(1, count + 1)]
    finally:
        client.disconnect()
