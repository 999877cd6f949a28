"""PostgreSQL beside SQLite at equal load: our example site on each, the same offered rates, alternating.

    python bench/equal_load.py --postgres postgresql://user@host/db  # or $LIVECHAT_BENCH_POSTGRES_URL
    python bench/equal_load.py --rates 100,200,300 --rounds 3 --seconds 10
    python bench/equal_load.py --postgres postgresql+psycopg2://… --postgres postgresql+psycopg://…

``--postgres`` given twice puts both drivers beside SQLite (a column each, named by its driver).

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
    parser.add_argument(
        "--postgres", action="append", metavar="URL", help="repeat it to compare drivers (one column each)"
    )
    parser.add_argument("--rates", default="100,200,300", help="offered msg/s, comma-separated")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each measured step")
    parser.add_argument("--async-mode", default="gevent", choices=("eventlet", "threading", "gevent"))
    parser.add_argument("--visitors", type=int, default=200)
    parser.add_argument("--agents", type=int, default=2)
    arguments = parser.parse_args()
    urls = arguments.postgres or [url for url in [os.environ.get(POSTGRES_ENV)] if url]
    if not urls:
        parser.error(f"--postgres needs a URL (or set ${POSTGRES_ENV})")
    rates = [int(rate) for rate in arguments.rates.split(",")]
    common = {"visitors": arguments.visitors, "agents": arguments.agents}
    ensure_loadgen()
    info = machine()
    stores: dict[str, str | None] = {"SQLite": None}
    for url in urls:
        stores[_label(url, several=len(urls) > 1)] = url
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
        f"\nEqual load: our site on {' and on '.join(stores)}, {arguments.async_mode}, {arguments.visitors} "
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

    others = [name for name in stores if name != "SQLite"]
    rows: list[tuple[str, ...]] = []
    for rate in rates:
        delivered = {
            name: sum(run["delivered"] for run in runs[(name, rate)])
            / max(sum(run["sent"] for run in runs[(name, rate)]), 1)
            for name in stores
        }
        blank = ("",) * len(others)
        rows.append(
            (f"{rate} msg/s: delivered", *(f"{delivered[name] * 100:.1f} %" for name in stores), *blank)
        )
        for key in ("p50", "p95", "p99"):
            values = {name: median_of(name, rate, key) for name in stores}
            rows.append(_row(f"  {key} send -> agent, ms", values, others, digits=1))
        rows.append(
            _row("  CPU µs per message", {name: cpu_of(name, rate) for name in stores}, others, digits=0)
        )
    print(table(rows, ("", *stores, *(f"{name}/SQLite" for name in others))))


def _row(title: str, values: dict[str, float | None], others: list[str], *, digits: int) -> tuple[str, ...]:
    """A figure per store, then each PostgreSQL's as a ratio to SQLite's."""
    shown = ("-" if value is None else f"{value:,.{digits}f}" for value in values.values())
    return (title, *shown, *(ratio(values[name], values["SQLite"]) for name in others))


def _label(url: str, *, several: bool) -> str:
    """ "PostgreSQL", or with several URLs "PostgreSQL (driver)" from ``postgresql+driver://``."""
    if not several:
        return "PostgreSQL"
    scheme = url.split("://", 1)[0]
    return f"PostgreSQL ({scheme.partition('+')[2] or 'psycopg2'})"


if __name__ == "__main__":
    main()
