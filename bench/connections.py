"""Idle visitors: memory per connection and idle CPU, ours against the bare relay, and what happens at the
connection cap.

    python bench/connections.py                      # 5,000 idle visitors, 30 s of idle CPU; then the cap
    python bench/connections.py --quick              # 1,000 visitors, 10 s
    python bench/connections.py --async-mode gevent  # under gunicorn -k gevent, as docs/deployment.md says

Each server is pinned to core 0, the load generator (``--mode idle``) to core 1. Every visitor gets its
cookie from ``GET /``, connects over WebSocket and says ``hello``, then stays connected and silent. The
server's RSS is read before the visitors come and once all are connected; per connection is the growth
divided by the visitors connected. Idle CPU is the server's CPU time over the idle period. For these runs
the server's pool is raised to ``visitors + 100`` (eventlet's ``max_size``, gunicorn's
``--worker-connections``) and our ``LIVECHAT_MAX_CONNECTIONS`` to ``visitors``, as docs/deployment.md says
to raise them: together, with a reserve for pages.

Then the cap, with every default: the server's own pool (eventlet's 1,024, gunicorn's 1,000 worker
connections) and our ``LIVECHAT_MAX_CONNECTIONS`` of 900. ``--cap-visitors`` visitors connect, and the
table says how many got in, what the others saw (ours: 503 ``chat_busy``; connect timeouts: the server
accepted nothing more and answered nothing), and how the site's own ``GET /`` answered meanwhile.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    Server,
    cpu_seconds,
    ensure_loadgen,
    for_visitors,
    loadgen,
    machine,
    print_machine,
    ratio,
    rss_bytes,
    running,
)
from harness import table as render

#: The server pools the cap run keeps at their defaults (``None``: eventlet's own 1,024).
DEFAULT_POOL = {"eventlet": None, "gevent": 1000}
PAGE_PROBES = 5


def probe_pages(url: str, count: int = PAGE_PROBES) -> list[tuple[str, float]]:
    """``GET /`` of the host, one after another: each answer's status (or ``timeout``) and its seconds."""
    answers = []
    for _ in range(count):
        began = time.monotonic()
        try:
            with urlopen(url + "/", timeout=5) as response:
                status = str(response.status)
        except HTTPError as error:
            status = str(error.code)
        except (URLError, OSError):
            status = "timeout"
        answers.append((status, time.monotonic() - began))
    return answers


def idle_run(
    server: Server, visitors: int, hold: float, timeout: float, pages: bool = False
) -> dict[str, Any]:
    with running(server):
        time.sleep(2)
        before = rss_bytes(server.pid)
        seen: dict[str, Any] = {}

        def on_mark(name: str) -> None:
            if name == "ready":
                time.sleep(3)  # let the connect burst settle before the idle period starts
                seen["rss"] = rss_bytes(server.pid)
                seen["cpu"], seen["at"] = cpu_seconds(server.pid), time.monotonic()
                if pages:  # while every visitor that got in holds its connection
                    seen["pages"] = probe_pages(server.url)
                time.sleep(max(0.0, hold - (time.monotonic() - seen["at"])))
                seen["cpu_end"], seen["end"] = cpu_seconds(server.pid), time.monotonic()

        result = loadgen(
            server,
            on_mark=on_mark,
            mode="idle",
            visitors=visitors,
            agents=0,
            hold=hold + 6,
            connect_timeout=timeout,
            concurrency=100,
        )
    connected = result["visitors_connected"] or 1
    result["pages"] = seen.get("pages", [])
    result["rss_before_mb"] = before / 1e6
    result["kb_per_connection"] = (seen.get("rss", before) - before) / connected / 1000
    if "cpu_end" in seen:
        result["idle_cpu_percent"] = (seen["cpu_end"] - seen["cpu"]) / (seen["end"] - seen["at"]) * 100
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--visitors", type=int, default=None)
    parser.add_argument("--hold", type=float, default=None, help="seconds of idle CPU measured")
    parser.add_argument("--cap-visitors", type=int, default=1100)
    parser.add_argument("--async-mode", default="eventlet", choices=("eventlet", "gevent"))
    parser.add_argument(
        "--ping-interval",
        type=float,
        default=None,
        help="seconds between pings for both servers (ours: LIVECHAT_PING_INTERVAL; the engine's default 25)",
    )
    arguments = parser.parse_args()
    mode = arguments.async_mode
    visitors = arguments.visitors or (1000 if arguments.quick else 5000)
    hold = arguments.hold or (10.0 if arguments.quick else 30.0)
    if arguments.ping_interval:
        # Every connection's ping within the measured period, as in a steady state (the pings start one
        # interval after each connection).
        hold = max(hold, arguments.ping_interval + 10)
    ensure_loadgen()
    info = machine()
    idle: dict[str, dict[str, Any]] = {}
    for kind in ("ours", "bare"):
        server = for_visitors(kind, mode, visitors)
        if arguments.ping_interval:
            server.config["LIVECHAT_PING_INTERVAL"] = arguments.ping_interval
            server.environment["BENCH_PING_INTERVAL"] = str(arguments.ping_interval)
        idle[kind] = idle_run(server, visitors, hold, timeout=60)
        print(
            f"# {kind} idle: {idle[kind]['visitors_connected']} connected, "
            f"{idle[kind]['kb_per_connection']:.0f} KB each, "
            f"{idle[kind].get('idle_cpu_percent')} % idle CPU, "
            f"errors {idle[kind]['connect_errors']}",
            file=sys.stderr,
            flush=True,
        )
    cap: dict[str, dict[str, Any]] = {}
    for kind in ("ours", "bare"):
        server = Server(kind, mode, max_size=DEFAULT_POOL[mode])
        cap[kind] = idle_run(server, arguments.cap_visitors, 5.0, timeout=15, pages=True)
        print(
            f"# {kind} at the cap: {cap[kind]['visitors_connected']} connected, "
            f"errors {cap[kind]['connect_errors']}, GET / {cap[kind]['pages']}",
            file=sys.stderr,
            flush=True,
        )

    print(
        f"\nIdle connections: {visitors:,} visitors (WebSocket, hello, then silent), {hold:g} s idle, "
        f"{mode}{' (gunicorn -k gevent -w 1)' if mode == 'gevent' else ''}, "
        f"ping interval {arguments.ping_interval or 25:g} s\n"
    )
    print_machine(info)
    print()
    o, b = idle["ours"], idle["bare"]
    rows: list[tuple[str, ...]] = [
        ("visitors connected", f"{o['visitors_connected']:,}", f"{b['visitors_connected']:,}", ""),
        (
            "connect time, s",
            f"{o['visitor_connect_s']}",
            f"{b['visitor_connect_s']}",
            ratio(o["visitor_connect_s"], b["visitor_connect_s"]),
        ),
        ("RSS before, MB", f"{o['rss_before_mb']:.0f}", f"{b['rss_before_mb']:.0f}", ""),
        (
            "RSS per connection, KB",
            f"{o['kb_per_connection']:.0f}",
            f"{b['kb_per_connection']:.0f}",
            ratio(o["kb_per_connection"], b["kb_per_connection"]),
        ),
        (
            "idle CPU, % of a core",
            f"{o.get('idle_cpu_percent', 0):.1f}",
            f"{b.get('idle_cpu_percent', 0):.1f}",
            ratio(o.get("idle_cpu_percent"), b.get("idle_cpu_percent")),
        ),
        (
            "still connected at the end",
            f"{o.get('still_connected', 0):,}",
            f"{b.get('still_connected', 0):,}",
            "",
        ),
    ]

    def refusals(run: dict[str, Any]) -> str:
        # A refused WebSocket upgrade reads "websocket error: Unexpected server response: 503".
        saw = {
            reason.replace("websocket error: Unexpected server response: ", "HTTP "): count
            for reason, count in run["connect_errors"].items()
        }
        return ", ".join(f"{count} {reason}" for reason, count in saw.items()) or "none"

    def pages(run: dict[str, Any]) -> str:
        if not run["pages"]:
            return "-"
        statuses = sorted({status for status, _ in run["pages"]})
        slowest = max(seconds for _, seconds in run["pages"]) * 1000
        return f"{'/'.join(statuses)}, max {slowest:.0f} ms"

    pool = "1,000 worker connections" if mode == "gevent" else "pool 1,024"
    rows.append(
        (
            f"cap ({arguments.cap_visitors:,} visitors; {pool}, cap 900): connected",
            f"{cap['ours']['visitors_connected']:,}",
            f"{cap['bare']['visitors_connected']:,}",
            "",
        )
    )
    rows.append(("  the others saw", refusals(cap["ours"]), refusals(cap["bare"]), ""))
    rows.append((f"  GET / meanwhile ({PAGE_PROBES} in a row)", pages(cap["ours"]), pages(cap["bare"]), ""))
    print(render(rows, ("", "ours", "bare", "ours/bare")))


if __name__ == "__main__":
    main()
