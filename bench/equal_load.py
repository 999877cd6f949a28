"""PostgreSQL beside SQLite at equal load: our example site on each, the same offered rates, alternating.

    python bench/equal_load.py --postgres postgresql://user@host/db  # or $LIVECHAT_BENCH_POSTGRES_URL
    python bench/equal_load.py --rates 100,200,300 --rounds 3 --seconds 10

throughput.py compares each store with the bare relay at its own half saturation, so PostgreSQL and SQLite
are measured at different rates there; this one puts them side by side at the same rates (issue target: the
server database never slower than the file). Per rate and round, in turn: SQLite, then PostgreSQL, each
server started fresh (an empty database), pinned to core 0, the load generator to core 1, with the same 200
visitors and 2 agents as throughput.py; per rate the median over the rounds of p50/p95/p99 send -> agent
and of the CPU per message (the server's CPU in the window less its background, over the messages
delivered). PostgreSQL itself runs unpinned, so its own CPU is not in the figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    POSTGRES_ENV,
    Server,
    ensure_loadgen,
    loadgen,
    log,
    machine,
    print_machine,
    ratio,
    running,
    table,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get(POSTGRES_ENV), metavar="URL")
    parser.add_argument("--rates", default="100,200,300", help="offered msg/s, comma-separated")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each measured step")
    parser.add_argument("--async-mode", default="gevent", choices=("eventlet", "threading", "gevent"))
    parser.add_argument("--visitors", type=int, default=200)
    parser.add_argument("--agents", type=int, default=2)
    arguments = parser.parse_args()
    if not arguments.postgres:
        parser.error(f"--postgres needs a URL (or set ${POSTGRES_ENV})")
    rates = [int(rate) for rate in arguments.rates.split(",")]
    common = {"visitors": arguments.visitors, "agents": arguments.agents}
    ensure_loadgen()
    info = machine()
    stores = {"SQLite": None, "PostgreSQL": arguments.postgres}
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {
        (name, rate): [] for name in stores for rate in rates
    }
    for round_number in range(1, arguments.rounds + 1):
        for rate in rates:
            for name, url in stores.items():
                log(f"round {round_number}/{arguments.rounds}: {name} at {rate} msg/s")
                with running(Server("ours", arguments.async_mode, postgres_url=url)) as live:
                    result = loadgen(live, rate=rate, duration=arguments.seconds, quiet=3, **common)
                log(f"  delivered {result['delivered']}/{result['sent']}, latency {result['latency_ms']}")
                runs[(name, rate)].append(result)

    print(
        f"\nEqual load: our site on SQLite and on PostgreSQL, {arguments.async_mode}, {arguments.visitors} "
        f"visitors, {arguments.agents} agents, {arguments.rounds} round(s) alternating, "
        f"{arguments.seconds:g} s steps (medians over the rounds)\n"
    )
    print_machine(info)
    print()

    def median_of(name: str, rate: int, key: str) -> float | None:
        values = [run["latency_ms"][key] for run in runs[(name, rate)] if run["latency_ms"][key] is not None]
        return statistics.median(values) if values else None

    def cpu_of(name: str, rate: int) -> float | None:
        values = [
            run["window_cpu_s"] / run["delivered"] * 1e6
            for run in runs[(name, rate)]
            if run["delivered"] and "window_cpu_s" in run
        ]
        return statistics.median(values) if values else None

    def shown(value: float | None, digits: int = 1) -> str:
        return "-" if value is None else f"{value:,.{digits}f}"

    rows: list[tuple[str, ...]] = []
    for rate in rates:
        delivered = {
            name: sum(run["delivered"] for run in runs[(name, rate)])
            / max(sum(run["sent"] for run in runs[(name, rate)]), 1)
            for name in stores
        }
        rows.append(
            (
                f"{rate} msg/s: delivered",
                f"{delivered['SQLite'] * 100:.1f} %",
                f"{delivered['PostgreSQL'] * 100:.1f} %",
                "",
            )
        )
        for key in ("p50", "p95", "p99"):
            sqlite, postgres = median_of("SQLite", rate, key), median_of("PostgreSQL", rate, key)
            rows.append(
                (f"  {key} send -> agent, ms", shown(sqlite), shown(postgres), ratio(postgres, sqlite))
            )
        sqlite_cpu, postgres_cpu = cpu_of("SQLite", rate), cpu_of("PostgreSQL", rate)
        rows.append(
            (
                "  CPU µs per message",
                shown(sqlite_cpu, 0),
                shown(postgres_cpu, 0),
                ratio(postgres_cpu, sqlite_cpu),
            )
        )
    print(table(rows, ("", "SQLite", "PostgreSQL", "PostgreSQL/SQLite")))


if __name__ == "__main__":
    main()
