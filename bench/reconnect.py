"""Reconnect after a restart: N idle visitors, the server killed and started again on the same port, and
how long until every visitor is back with its ``hello`` acked; ours against the bare relay.

    python bench/reconnect.py            # 5,000 visitors
    python bench/reconnect.py --quick    # 1,000 visitors

Each server is ``gunicorn -k gevent -w 1`` (bench/wsgi.py), pinned to core 0, with its pool and our
``LIVECHAT_MAX_CONNECTIONS`` raised as bench/connections.py raises them (``--worker-connections`` visitors
+ 100, the cap at the visitors); ours keeps its database in its instance folder (SQLite), which the restart
keeps, so the visitors' cookies stay valid. The load generator (``--mode reconnect``, core 1) connects
every visitor over WebSocket with the widget's reconnection settings (widget_assets/src/widget.js:
``reconnectionDelay`` 1 s, ``reconnectionDelayMax`` 10 s, ``randomizationFactor`` 0.5) and says ``hello``.
Then the server's worker and master are killed (SIGKILL: a crash, no polite close) and started again; the
start is done when ``GET /`` first answers. Every visitor reconnects on its own backoff and says ``hello``
again (one refused is asked again on the next reconnect, as the widget does).

Measured: the time from the restart's first answer until the last visitor's ``hello`` is acked, how many
were not back within ``--hold`` seconds, and p50/p99 of each visitor's own reconnect time (from losing its
connection to its acked ``hello``, which includes the downtime), with the connect errors seen meanwhile.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    LOADGEN_CORE,
    SERVER_CORE,
    Server,
    ensure_loadgen,
    for_visitors,
    loadgen,
    log,
    machine,
    print_machine,
    ratio,
    table,
)


def restart_run(server: Server, visitors: int, hold: float) -> dict[str, Any]:
    """Connects ``visitors``, kills and restarts ``server`` once all are in, and waits for them back."""
    seen: dict[str, float] = {}

    def on_mark(name: str) -> None:
        if name == "ready":
            time.sleep(2)  # the connect burst settled
            seen["killed"] = time.time()
            server.kill()
            server.start()
            seen["answered"] = time.time()
            downtime = seen["answered"] - seen["killed"]
            log(f"{server.label}: restarted, answering {downtime:.1f} s after the kill")

    server.start()
    try:
        result = loadgen(
            server,
            on_mark=on_mark,
            mode="reconnect",
            visitors=visitors,
            agents=0,
            hold=hold,
            connect_timeout=60,
            concurrency=100,
        )
    finally:
        server.stop()
    result.update(seen)
    epochs = [at / 1000 for at in result["rehello_epoch_ms"]]
    answered = seen.get("answered", float("inf"))
    after: dict[str, int] = {}
    for at, reason in result["connect_error_log"]:
        if at / 1000 >= answered:
            after[reason] = after.get(reason, 0) + 1
    result["errors_after_answer"] = after
    if "answered" in seen and epochs:
        since = [max(0.0, at - seen["answered"]) for at in epochs]
        result["all_back_s"] = max(since) if result["not_back"] == 0 else None
        result["last_back_s"] = max(since)
        result["median_back_s"] = statistics.median(since)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 visitors")
    parser.add_argument("--visitors", type=int, default=None)
    parser.add_argument("--hold", type=float, default=60.0, help="seconds to wait for every visitor back")
    arguments = parser.parse_args()
    visitors = arguments.visitors or (1000 if arguments.quick else 5000)
    ensure_loadgen()
    info = machine()
    runs: dict[str, dict[str, Any]] = {}
    for kind in ("ours", "bare"):
        server = for_visitors(kind, "gevent", visitors)
        runs[kind] = restart_run(server, visitors, arguments.hold)
        run = runs[kind]
        log(
            f"{kind}: {run['visitors_back']}/{run['visitors_connected']} back, last "
            f"{run.get('last_back_s')} s after the first answer, connect errors {run['connect_errors']}"
        )

    print(
        f"\nReconnect after a restart: {visitors:,} idle visitors (WebSocket, hello), the server killed "
        f"(SIGKILL) and started again on its port; gunicorn -k gevent -w 1, widget backoff 1-10 s x0.5-1.5"
    )
    print(f"server pinned to core {SERVER_CORE}, the load generator to core {LOADGEN_CORE}\n")
    print_machine(info)
    print()
    o, b = runs["ours"], runs["bare"]

    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    def errors(seen: dict[str, int]) -> str:
        saw = {
            reason.replace("websocket error: Unexpected server response: ", "HTTP "): count
            for reason, count in seen.items()
        }
        return ", ".join(f"{count} {reason}" for reason, count in sorted(saw.items())) or "none"

    def pick(run: dict[str, Any], key: str) -> float | None:
        value = run["reconnect_ms"][key]
        return None if value is None else value / 1000

    rows: list[tuple[str, ...]] = [
        ("visitors connected before", f"{o['visitors_connected']:,}", f"{b['visitors_connected']:,}", ""),
        (
            "restart: kill -> first answer, s",
            seconds(o.get("answered", 0) - o.get("killed", 0)),
            seconds(b.get("answered", 0) - b.get("killed", 0)),
            "",
        ),
        (
            "first answer -> every hello acked, s",
            seconds(o.get("all_back_s")),
            seconds(b.get("all_back_s")),
            ratio(o.get("all_back_s"), b.get("all_back_s")),
        ),
        (
            "  median visitor back after first answer, s",
            seconds(o.get("median_back_s")),
            seconds(b.get("median_back_s")),
            "",
        ),
        (f"not back within {arguments.hold:g} s", f"{o['not_back']:,}", f"{b['not_back']:,}", ""),
    ]
    for key in ("p50", "p99", "max"):
        rows.append(
            (
                f"  {key} reconnect per visitor (lost -> hello acked), s",
                seconds(pick(o, key)),
                seconds(pick(b, key)),
                ratio(pick(o, key), pick(b, key)),
            )
        )
    rows.append(
        (
            "  reconnect attempts per visitor, p50 / max",
            f"{o['reconnect_attempts']['p50']:.0f} / {o['reconnect_attempts']['max']:.0f}",
            f"{b['reconnect_attempts']['p50']:.0f} / {b['reconnect_attempts']['max']:.0f}",
            "",
        )
    )
    rows.append(("connect errors (all)", errors(o["connect_errors"]), errors(b["connect_errors"]), ""))
    rows.append(
        (
            "  of them after the first answer, + refused hellos",
            errors(o["errors_after_answer"]),
            errors(b["errors_after_answer"]),
            "",
        )
    )
    print(table(rows, ("", "ours", "bare", "ours/bare")))


if __name__ == "__main__":
    main()
