"""Abuse limits answer with when to retry, keep the connection, store nothing, and spare other visitors."""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

import pytest
import requests
import socketio
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO, SocketIOTestClient

from flask_livechat.state import LiveChatState
from tests.conftest import LiveServer
from tests.helpers import disconnect_all, eventually

NS = "/livechat"


def send(visitor: Any, number: int) -> dict[str, Any]:
    ack: dict[str, Any] = visitor.emit(
        "send_message", {"client_id": f"c-flood-{number:05d}", "body": "spam"}, namespace=NS, callback=True
    )
    return ack


@pytest.mark.livechat_config(LIVECHAT_RATE_LIMITS={"message": "5/minute"})
def test_message_flood_gets_retry_after_and_keeps_the_connection(
    visitor: SocketIOTestClient, livechat: LiveChatState
) -> None:
    acks = [send(visitor, number) for number in range(8)]
    assert [ack["ok"] for ack in acks] == [True] * 5 + [False] * 3
    error = acks[-1]["error"]
    assert error["code"] == "rate_limited"
    assert 1 <= error["fields"]["retry_after"] <= 60
    assert f"{error['fields']['retry_after']} seconds" in error["message"]
    assert livechat.store.count_rows()["livechat_messages"] == 5
    assert visitor.is_connected(NS)
    assert visitor.emit("hello", {}, namespace=NS, callback=True)["ok"]


@pytest.mark.livechat_config(LIVECHAT_RATE_LIMITS={"message": "5/minute"})
def test_limits_are_per_visitor(app: Flask, socketio: SocketIO, visitor: SocketIOTestClient) -> None:
    for number in range(6):
        send(visitor, number)
    other_http = app.test_client()
    other_http.get("/", environ_base={"REMOTE_ADDR": "198.51.100.1"})
    other = socketio.test_client(app, namespace=NS, flask_test_client=other_http)
    assert send(other, 100)["ok"] is True


@pytest.mark.livechat_config(LIVECHAT_RATE_LIMITS={"connect": "3/minute"})
def test_connections_per_ip_are_limited(live_server: LiveServer) -> None:
    outcomes: list[Any] = []
    clients: list[socketio.Client] = []
    try:
        for _ in range(4):
            client = socketio.Client(reconnection=False)
            clients.append(client)
            refusal: list[Any] = []
            client.on("connect_error", refusal.append, namespace=NS)
            try:
                client.connect(live_server.url, namespaces=[NS], transports=["websocket"], wait_timeout=5)
                outcomes.append(True)
            except socketio.exceptions.ConnectionError:
                outcomes.append(refusal[0] if refusal else None)
    finally:
        disconnect_all(*clients)
    assert outcomes[:3] == [True, True, True]
    assert "try again in" in outcomes[3]["message"] and outcomes[3]["data"]["code"] == "rate_limited"


@pytest.mark.livechat_config(LIVECHAT_RATE_LIMITS={"privacy": "2/hour"})
def test_privacy_api_answers_429_with_retry_after(client: FlaskClient) -> None:
    statuses = [client.post("/livechat/api/consent", json={"choice": "declined"}) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert int(statuses[-1].headers["Retry-After"]) > 0
    assert statuses[-1].json["error"]["code"] == "rate_limited"


@pytest.mark.livechat_config(LIVECHAT_RATE_LIMITS={"agent_message": "2/minute"})
def test_agents_have_their_own_limit(visitor: SocketIOTestClient, agent: SocketIOTestClient) -> None:
    conversation_id = send(visitor, 1)["message"]["conversation_id"]
    acks = [
        agent.emit(
            "send_message",
            {"conversation_id": conversation_id, "client_id": f"a-lim-{n:04d}", "body": "x"},
            namespace="/livechat-agent",
            callback=True,
        )
        for n in range(3)
    ]
    assert [ack["ok"] for ack in acks] == [True, True, False]


def round_trips(client: socketio.Client, count: int, prefix: str) -> list[float]:
    timings = []
    for number in range(count):
        started = time.perf_counter()
        ack = client.call(
            "send_message", {"client_id": f"{prefix}-{number:05d}", "body": "hello"}, namespace=NS, timeout=10
        )
        timings.append(time.perf_counter() - started)
        assert ack["ok"], ack
    return timings


@pytest.mark.livechat_config(
    LIVECHAT_RATE_LIMITS={"message": "20/minute;1000/minute", "connect": "100/minute"}
)
def test_a_flooding_client_does_not_slow_others_down(live_server: LiveServer) -> None:
    def connect() -> socketio.Client:
        cookie = requests.get(live_server.url + "/", timeout=5).cookies["livechat_visitor"]
        client = socketio.Client(reconnection=False)
        client.connect(
            live_server.url,
            namespaces=[NS],
            headers={"Cookie": f"livechat_visitor={cookie}"},
            transports=["websocket"],
            wait_timeout=5,
        )
        return client

    calm = connect()
    flooder = connect()
    try:
        calm_baseline = statistics.median(round_trips(calm, 10, "c-base"))
        stop = threading.Event()
        refused = []

        def flood() -> None:
            number = 0
            while not stop.is_set() and number < 3000:
                flooder.emit(
                    "send_message",
                    {"client_id": f"c-spam-{number:05d}", "body": "spam"},
                    namespace=NS,
                    callback=lambda ack: refused.append(not ack["ok"]),
                )
                number += 1

        flooding = threading.Thread(target=flood)
        flooding.start()
        try:
            eventually(lambda: any(refused), message="the flood is under way and being refused")
            under_flood = statistics.median(round_trips(calm, 10, "c-busy"))
        finally:
            stop.set()
            flooding.join()
        assert any(refused), "the flood was rate limited"
        # An order-of-magnitude bound, not a timing: the calm visitor stays within 10x of their own baseline.
        assert under_flood < 10 * calm_baseline + 0.05, (calm_baseline, under_flood)
    finally:
        disconnect_all(calm, flooder)


def test_memory_windows_move_refuse_with_the_wait_and_forget_idle_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flask_livechat.services import ratelimit

    clock = [1000.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: clock[0])
    windows = ratelimit.MemoryWindows()
    limits = ratelimit.parse_limits({"message": "2/10 seconds;3/minute"})["message"]
    assert windows.hit(limits, "message", ["a", "b"]) is None
    clock[0] += 4
    assert windows.hit(limits, "message", ["a"]) is None
    assert windows.hit(limits, "message", ["a"]) == 6  # the first of the two leaves the 10 s window in 6 s
    assert (
        windows.hit(limits, "message", ["b"]) is None
    )  # b had one: counted now, a's refusal counted nothing
    clock[0] += 6
    assert windows.hit(limits, "message", ["a"]) is None  # third in the minute
    clock[0] += 10
    assert windows.hit(limits, "message", ["a"]) == 40  # the minute's window is full until its first leaves
    clock[0] += 120  # past the sweep: every window is empty, and dropped
    assert windows.hit(limits, "message", ["c"]) is None
    assert [key[1] for key in windows._hits] == ["c", "c"]
