"""Point 6 of issue 6: 1,000 widgets reconnect after a server restart within twice the maximum backoff, and
the server stays responsive meanwhile. Lightweight clients: python-socketio's AsyncClient, all in one loop."""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import socketio

from tests.faults import UNLIMITED_TRANSPORT, ServerProcess
from tests.helpers import UNLIMITED, VISITOR_NS

pytestmark = [
    pytest.mark.usefixtures("release_sockets"),
    pytest.mark.heavy,
    pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"),
]

CLIENTS = 1000
#: The widget's backoff (widget.js: reconnectionDelay 1 s, reconnectionDelayMax 10 s, randomizationFactor
#: 0.5; python-socketio applies the jitter as +-0.5 s rather than +-50 %).
DELAY, DELAY_MAX, JITTER = 1.0, 10.0, 0.5
#: socket.io-client (the widget) waits 20 s for a connection before it counts the attempt as failed.
CONNECT_TIMEOUT = 20


class WidgetLikeClient(socketio.AsyncClient):
    """python-socketio's own reconnect waits only 1 s for the namespace's answer, then drops the connection
    and starts over: on a busy machine 1,000 such clients keep each other from ever getting back, which says
    nothing about the widget. Reconnects here wait as long as the widget does."""

    async def connect(self, *args: Any, wait_timeout: float = CONNECT_TIMEOUT, **kwargs: Any) -> None:
        await super().connect(*args, wait_timeout=wait_timeout, **kwargs)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    # A thousand widgets from one process: more than the default connection cap (900) lets in.
    config = {"LIVECHAT_RATE_LIMITS": UNLIMITED, **UNLIMITED_TRANSPORT, "LIVECHAT_MAX_CONNECTIONS": None}
    process = ServerProcess(tmp_path / "instance", "eventlet", config)
    try:
        yield process.start()
    finally:
        process.stop()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


async def probe_round_trip(url: str) -> float:
    """A fresh visitor connects and says hello: the time it took, or an exception."""
    started = time.monotonic()
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, namespaces=[VISITOR_NS], transports=["websocket"], wait_timeout=10)
    try:
        ack = await client.call("hello", {}, namespace=VISITOR_NS, timeout=10)
        assert ack["ok"]
    finally:
        await client.disconnect()
    return time.monotonic() - started


async def storm(server: ServerProcess) -> tuple[float, float, int, int]:
    """Connects every client, restarts the server, and waits until every one of them is back.

    Clients are counted by identity, not by connect events: a client that connects, drops and connects
    again during the storm is one client back, and must not stand in for one that never returned."""
    first: set[int] = set()
    gone: set[int] = set()
    back: set[int] = set()
    restarted = [False]
    all_gone, all_back = asyncio.Event(), asyncio.Event()

    def tracked(number: int, client: socketio.AsyncClient) -> socketio.AsyncClient:
        async def on_connect() -> None:
            if not restarted[0]:
                first.add(number)
                return
            back.add(number)
            if len(back) == CLIENTS:
                all_back.set()

        async def on_disconnect(*reason: object) -> None:
            if restarted[0]:
                gone.add(number)
                if len(gone) == CLIENTS:
                    all_gone.set()

        client.on("connect", on_connect, namespace=VISITOR_NS)
        client.on("disconnect", on_disconnect, namespace=VISITOR_NS)
        return client

    clients = [
        tracked(
            number,
            WidgetLikeClient(
                request_timeout=CONNECT_TIMEOUT,  # engine.io's own 5 s, for the handshake itself
                reconnection=True,
                reconnection_delay=DELAY,
                reconnection_delay_max=DELAY_MAX,
                randomization_factor=JITTER,
            ),
        )
        for number in range(CLIENTS)
    ]
    gate = asyncio.Semaphore(100)

    async def connect(client: socketio.AsyncClient) -> None:
        async with gate:
            await client.connect(server.url, namespaces=[VISITOR_NS], transports=["websocket"])

    try:
        await asyncio.gather(*(connect(c) for c in clients))
        assert len(first) == CLIENTS, f"{len(first)} of {CLIENTS} connected"
        restarted[0] = True  # from here on, a connect is a reconnect
        await asyncio.to_thread(server.stop)
        try:  # every client has noticed and is backing off
            await asyncio.wait_for(all_gone.wait(), timeout=60)
        except TimeoutError:
            raise AssertionError(f"{len(gone)} of {CLIENTS} clients noticed the server stop") from None
        await asyncio.to_thread(server.start)
        back_up = time.monotonic()
        probe = asyncio.create_task(probe_round_trip(server.url))  # during the storm, not after it
        try:
            # longer than the bound asserted below, so a slow storm is measured rather than cut off
            await asyncio.wait_for(all_back.wait(), timeout=2 * DELAY_MAX + 30)
        except TimeoutError:
            pass
        reconnected_after = time.monotonic() - back_up
        round_trip = await probe
        still_connected = sum(1 for c in clients if VISITOR_NS in c.namespaces)
        return reconnected_after, round_trip, len(back), still_connected
    finally:
        await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)


def test_a_thousand_widgets_reconnect_after_a_restart_and_the_server_stays_responsive(
    server: ServerProcess,
) -> None:
    # a loop of our own in a thread: Playwright's sync API may have left one running in this thread
    with ThreadPoolExecutor(1) as pool:
        reconnected_after, round_trip, reconnected, connected = pool.submit(
            asyncio.run, storm(server)
        ).result()
    assert reconnected == CLIENTS, f"{reconnected} of {CLIENTS} distinct clients reconnected"
    assert connected == CLIENTS, f"{connected} of {CLIENTS} still connected at the end"
    assert reconnected_after <= 2 * DELAY_MAX, f"all back after {reconnected_after:.1f} s"
    assert round_trip < 5.0, f"probe took {round_trip:.2f} s"
    print(f"reconnected after {reconnected_after:.1f} s; probe round trip {round_trip:.2f} s")
