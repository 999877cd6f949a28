"""Idle visitors: memory per connection and idle CPU, ours against the bare relay, and what happens at the
connection cap.

    python bench/connections.py              # 5,000 idle visitors, 30 s of idle CPU; then the cap
    python bench/connections.py --quick      # 1,000 visitors, 10 s

Each server is pinned to core 0, the load generator (``--mode idle``) to core 1. Every visitor gets its
cookie from ``GET /``, connects over WebSocket and says ``hello``, then stays connected and silent. The
server's RSS is read before the visitors come and once all are connected; per connection is the growth
divided by the visitors connected. Idle CPU is the server's CPU time over the idle period. For these runs
eventlet's pool is raised to ``visitors + 100`` (``BENCH_MAX_SIZE``, what gunicorn's
``--worker-connections`` does), since its default of 1,024 is the cap measured next: with the default pool,
``cap + 76`` visitors connect (``--cap-visitors``), and the table says how many got in and what the others
saw (connect timeouts: the server accepted nothing more and answered nothing).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    Server,
    cpu_seconds,
    ensure_loadgen,
    loadgen,
    machine,
    print_machine,
    ratio,
    rss_bytes,
    running,
)
from harness import table as render


def idle_run(kind: str, visitors: int, hold: float, max_size: int | None, timeout: float) -> dict[str, Any]:
    with running(Server(kind, max_size=max_size)) as server:
        time.sleep(2)
        before = rss_bytes(server.pid)
        seen: dict[str, float] = {}

        def on_mark(name: str) -> None:
            if name == "ready":
                time.sleep(3)  # let the connect burst settle before the idle period starts
                seen["rss"] = rss_bytes(server.pid)
                seen["cpu"], seen["at"] = cpu_seconds(server.pid), time.monotonic()
                time.sleep(hold)
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
    arguments = parser.parse_args()
    visitors = arguments.visitors or (1000 if arguments.quick else 5000)
    hold = arguments.hold or (10.0 if arguments.quick else 30.0)
    ensure_loadgen()
    info = machine()
    idle: dict[str, dict[str, Any]] = {}
    for kind in ("ours", "bare"):
        idle[kind] = idle_run(kind, visitors, hold, visitors + 100, timeout=60)
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
        cap[kind] = idle_run(kind, arguments.cap_visitors, 5.0, None, timeout=15)
        print(
            f"# {kind} at the cap: {cap[kind]['visitors_connected']} connected, "
            f"errors {cap[kind]['connect_errors']}",
            file=sys.stderr,
            flush=True,
        )

    print(f"\nIdle connections: {visitors:,} visitors (WebSocket, hello, then silent), {hold:g} s idle\n")
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
        return ", ".join(f"{count} {reason}" for reason, count in run["connect_errors"].items()) or "none"

    rows.append(
        (
            f"cap ({arguments.cap_visitors:,} visitors, default pool): connected",
            f"{cap['ours']['visitors_connected']:,}",
            f"{cap['bare']['visitors_connected']:,}",
            "",
        )
    )
    rows.append(("  the others saw", refusals(cap["ours"]), refusals(cap["bare"]), ""))
    print(render(rows, ("", "ours", "bare", "ours/bare")))


if __name__ == "__main__":
    main()
