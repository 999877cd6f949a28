"""Which gunicorn worker should hold the chat: open N idle WebSocket chats on one process and measure the
memory of its worker, how fast the site's pages still answer, and a message's round trip.

Run: python bench/workers.py [N ...]   (default 50 200 500; needs gunicorn and gevent installed)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
import socketio
import websocket

from tests.helpers import VISITOR_NS
from tests.production import GunicornProcess

WORKERS = {
    "gevent": "-k gevent -w 1 --worker-connections 10000",
    "gthread": "-k gthread -w 1 --threads 100",
}
CONFIG = {
    "LIVECHAT_HANDSHAKE_LIMIT": None,
    "LIVECHAT_MAX_CONNECTIONS_PER_IP": None,
    "LIVECHAT_RATE_LIMITS": {name: "1000000/minute" for name in ("connect", "message", "message_per_ip")},
}


def worker_rss_kb(server: GunicornProcess) -> int:
    assert server.process is not None
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    total = 0
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def page_times(url: str, count: int = 10) -> list[float]:
    times = []
    for _ in range(count):
        started = time.monotonic()
        try:
            requests.get(url + "/page/pricing", timeout=5).raise_for_status()
            times.append(time.monotonic() - started)
        except requests.RequestException:
            times.append(float("inf"))
    return times


def round_trips(url: str, count: int = 30) -> list[float]:
    cookie = requests.get(url + "/", timeout=10).cookies["livechat_visitor"]
    client = socketio.Client(reconnection=False)
    client.connect(
        url,
        namespaces=[VISITOR_NS],
        headers={"Cookie": f"livechat_visitor={cookie}"},
        transports=["websocket"],
        wait_timeout=10,
    )
    try:
        times = []
        for n in range(count):
            started = time.monotonic()
            ack = client.call(
                "send_message",
                {"client_id": f"bench-{n:04d}", "body": "hi"},
                namespace=VISITOR_NS,
                timeout=10,
            )
            assert ack["ok"], ack
            times.append(time.monotonic() - started)
        return times
    finally:
        client.disconnect()


def measure(name: str, options: str, counts: list[int]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        server = GunicornProcess(Path(folder) / "instance", options, CONFIG).start()
        sockets: list[websocket.WebSocket] = []
        try:
            base = worker_rss_kb(server)
            for count in counts:
                opened_now = 0
                while len(sockets) < count:
                    try:
                        ws = websocket.create_connection(
                            server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
                            timeout=5,
                        )
                        ws.recv()  # the open packet: the worker holds this connection now
                        sockets.append(ws)
                        opened_now += 1
                    except (OSError, websocket.WebSocketException):
                        break
                time.sleep(1)
                pages = page_times(server.url)
                try:
                    trips = [f"{statistics.median(round_trips(server.url)) * 1000:.1f}"]
                except Exception as error:  # starved: the chat itself cannot connect
                    trips = [type(error).__name__]
                per_connection = (worker_rss_kb(server) - base) / max(len(sockets), 1)
                slowest = max(pages)
                print(
                    f"{name:8} {count:5} chats: opened {len(sockets):5}, "
                    f"{per_connection:6.0f} KB each, page median {statistics.median(pages) * 1000:7.1f} ms "
                    f"max {'timeout' if slowest == float('inf') else f'{slowest * 1000:.1f} ms'}, "
                    f"send ack median {trips[0]} ms",
                    flush=True,
                )
                if len(sockets) < count:
                    break
        finally:
            for ws in sockets:
                ws.close()
            server.stop()


if __name__ == "__main__":
    wanted = [int(arg) for arg in sys.argv[1:]] or [50, 200, 500]
    for worker, options in WORKERS.items():
        measure(worker, options, wanted)
