"""Point 6 of issue 6: 1,000 widgets reconnect after a server restart within twice the maximum backoff, and
the server stays responsive meanwhile. Lightweight clients: python-socketio's AsyncClient, all in one loop."""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import socketio

from tests.faults import UNLIMITED, UNLIMITED_TRANSPORT, ServerProcess
from tests.test_live_server import VISITOR_NS

pytestmark = [
    pytest.mark.usefixtures("release_sockets"),
    pytest.mark.heavy,
    pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"),
]

CLIENTS = 1000
#: The widget's backoff (widget.js: reconnectionDelay 1 s, reconnectionDelayMax 10 s, randomizationFactor
#: 0.5; python-socketio applies the jitter as +-0.5 s rather than +-50 %).
DELAY, DELAY_MAX, JITTER = 1.0, 10.0, 0.5


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    config = {"LIVECHAT_RATE_LIMITS": UNLIMITED, **UNLIMITED_TRANSPORT}
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


async def storm(server: ServerProcess) -> tuple[float, float, int]:
    connects = [0]

    def counted(client: socketio.AsyncClient) -> socketio.AsyncClient:
        async def on_connect() -> None:
            connects[0] += 1

        client.on("connect", on_connect, namespace=VISITOR_NS)
        return client

    clients = [
        counted(
            socketio.AsyncClient(
                reconnection=True,
                reconnection_delay=DELAY,
                reconnection_delay_max=DELAY_MAX,
                randomization_factor=JITTER,
            )
        )
        for _ in range(CLIENTS)
    ]
    gate = asyncio.Semaphore(100)

    async def connect(client: socketio.AsyncClient) -> None:
        async with gate:
            await client.connect(
                server.url, namespaces=[VISITOR_NS], transports=["websocket"], wait_timeout=20
            )

    try:
        await asyncio.gather(*(connect(c) for c in clients))
        assert connects[0] == CLIENTS
        await asyncio.to_thread(server.stop)
        await asyncio.sleep(1.0)  # every client has noticed and is backing off
        await asyncio.to_thread(server.start)
        back = time.monotonic()
        probe = asyncio.create_task(probe_round_trip(server.url))  # during the storm, not after it
        while connects[0] < 2 * CLIENTS and time.monotonic() - back < 2 * DELAY_MAX + 5:
            await asyncio.sleep(0.1)
        reconnected_after = time.monotonic() - back
        reconnected = connects[0] - CLIENTS
        round_trip = await probe
        return reconnected_after, round_trip, reconnected
    finally:
        await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)


def test_a_thousand_widgets_reconnect_after_a_restart_and_the_server_stays_responsive(
    server: ServerProcess,
) -> None:
    # a loop of our own in a thread: Playwright's sync API may have left one running in this thread
    with ThreadPoolExecutor(1) as pool:
        reconnected_after, round_trip, reconnected = pool.submit(asyncio.run, storm(server)).result()
    assert reconnected == CLIENTS, f"{reconnected} of {CLIENTS} reconnected"
    assert reconnected_after <= 2 * DELAY_MAX, f"all back after {reconnected_after:.1f} s"
    assert round_trip < 5.0, f"probe took {round_trip:.2f} s"
    print(f"reconnected after {reconnected_after:.1f} s; probe round trip {round_trip:.2f} s")
