"""Persisted messages per second, latency and CPU per message: our example site against a bare
Flask-SocketIO relay (bench/relay.py), in the same run, alternating.

    python bench/throughput.py                 # SQLite, eventlet, 2 rounds (about 15 minutes)
    python bench/throughput.py --postgres      # the chat's tables in PostgreSQL (LIVECHAT_BENCH_POSTGRES_URL)
    python bench/throughput.py --quick         # one round, short steps: under 2 minutes

Each server is started fresh (an empty database), pinned to core 0 with taskset; the Node load generator
(bench/loadgen) runs pinned to core 1 with 200 visitors and 2 agents, each agent with one console connection
(it joins one conversation, so it gets ``new_message`` for that one and ``conversation_updated`` with the
``last_message`` for all the others; a message counts as delivered when the first agent has it). Rate
limits are raised for the test (harness.UNLIMITED: every visitor comes from 127.0.0.1 and sends far more
than a person would).

Per round and server, in turn (ours, bare, ours, bare, ...):
1. saturation: the offered rate steps up (x1.5; x2 with --quick) until a step no longer keeps up (fewer
   than 95 % of the sent messages reached an agent within the window + 1 s, or some went unacknowledged);
   the saturation is the highest delivered rate of any step.
2. latency at half our saturation: both servers at the same offered rate, p50/p95/p99 send -> agent.
3. marginal CPU per message: the server's CPU seconds in the half-saturation window (sending and draining),
   less its background CPU measured in 3 idle seconds just before, divided by the messages delivered.
4. past saturation (not in --quick unless --overload): twice each server's own saturation for 20 s, then
   30 s to drain: the rate delivered within the 20 s (+1 s) against the server's own saturation, the share
   delivered in the end, p50/p99, the server's memory growth, and the refusals (error acks) with their
   latency. The load generator resends a message refused as ``overloaded`` after ``retry_after`` as the
   widget does (holding that visitor's later messages meanwhile), so a refusal delays a message, not drops it.
   "Never acked" at the end splits into messages still held by that outbox (refused promptly, their backoff
   doubled for each refusal in a row, so not yet resent when the drain ended, or resent in its last 5 s)
   and messages sent more than 5 s before the end and never answered: only the second is a silent queue.

Ratios are ours / bare. The machine and versions are printed first; paste the output into bench/README.md.
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

KEEPS_UP = 0.95


def keeps_up(result: dict[str, Any]) -> bool:
    sent = result["sent"] or 1
    return result["delivered_in_window"] >= KEEPS_UP * sent and result["unacked"] == 0


def saturation(
    server: Server, start: float, ceiling: float, factor: float, seconds: float, common: dict[str, Any]
) -> float:
    """The highest delivered msg/s of a ladder of offered rates (x factor per step) on a running server."""
    rate, best = start, 0.0
    while rate <= ceiling:
        result = loadgen(server, rate=round(rate), duration=seconds, drain=3 if seconds < 10 else 5, **common)
        best = max(best, result["delivered_per_s"])
        log(
            f"{server.label:>10} offered {round(rate):>6}/s: delivered {result['delivered_per_s']:>8}/s, "
            f"p99 {result['latency_ms']['p99']} ms, errors {result['ack_errors']}, "
            f"loadgen cpu {result['loadgen_cpu_percent']} %, {result['wall_s']} s"
        )
        if not keeps_up(result):
            break
        rate *= factor
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round, short steps, no overload phase")
    parser.add_argument("--overload", action="store_true", help="the overload phase with --quick too")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=os.environ.get(POSTGRES_ENV),
        default=None,
        metavar="URL",
        help=f"the chat's tables in PostgreSQL (default: ${POSTGRES_ENV})",
    )
    parser.add_argument("--async-mode", default="eventlet", choices=("eventlet", "threading", "gevent"))
    parser.add_argument("--visitors", type=int, default=200)
    parser.add_argument("--agents", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None, help="length of each measured step")
    arguments = parser.parse_args()
    if "--postgres" in sys.argv and not arguments.postgres:
        parser.error(f"--postgres needs a URL or ${POSTGRES_ENV}")
    quick = arguments.quick
    rounds = arguments.rounds or (1 if quick else 2)
    seconds = arguments.seconds or (4.0 if quick else 10.0)
    common = {"visitors": arguments.visitors, "agents": arguments.agents}
    ensure_loadgen()
    info = machine()
    store = "PostgreSQL" if arguments.postgres else "SQLite"

    def server(kind: str) -> Server:
        return Server(kind, arguments.async_mode, postgres_url=arguments.postgres if kind == "ours" else None)

    saturations: dict[str, list[float]] = {"ours": [], "bare": []}
    latency: dict[str, list[dict[str, Any]]] = {"ours": [], "bare": []}
    marginal: dict[str, list[float]] = {"ours": [], "bare": []}
    overload: dict[str, list[dict[str, Any]]] = {"ours": [], "bare": []}
    for round_number in range(1, rounds + 1):
        log(f"round {round_number}/{rounds}: saturation")
        factor = 2.0 if quick else 1.5
        for kind, start, ceiling in (("ours", 25.0 if quick else 20.0, 5000.0), ("bare", 500.0, 30000.0)):
            with running(server(kind)) as live:
                saturations[kind].append(saturation(live, start, ceiling, factor, seconds, common))
        half = statistics.median(saturations["ours"]) / 2
        log(f"round {round_number}/{rounds}: latency and CPU at {half:.0f} msg/s")
        for kind in ("ours", "bare"):
            with running(server(kind)) as live:
                high = loadgen(live, rate=round(half), duration=seconds, quiet=3, **common)
            latency[kind].append(high)
            if high["delivered"]:
                marginal[kind].append(high["window_cpu_s"] / high["delivered"] * 1e6)
        if not quick or arguments.overload:
            for kind in ("ours", "bare"):
                rate = 2 * statistics.median(saturations[kind])
                log(f"round {round_number}/{rounds}: {kind} past saturation at {rate:.0f} msg/s for 20 s")
                with running(server(kind)) as live:
                    overload[kind].append(loadgen(live, rate=round(rate), duration=20, drain=30, **common))

    print(
        f"\nThroughput: {store}, {arguments.async_mode}, {arguments.visitors} visitors, "
        f"{arguments.agents} agents, {rounds} round(s) alternating, {seconds:g} s steps\n"
    )
    print_machine(info)
    print()

    def med(values: list[float]) -> float | None:
        return statistics.median(values) if values else None

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:,.1f}"

    def pick(kind: str, key: str) -> float | None:
        return med([run["latency_ms"][key] for run in latency[kind] if run["latency_ms"][key] is not None])

    rows: list[tuple[str, ...]] = []
    ours_sat, bare_sat = med(saturations["ours"]), med(saturations["bare"])
    rows.append(
        (
            "saturation, persisted msg/s",
            f"{ours_sat:,.0f}",
            f"{bare_sat:,.0f}",
            ratio(ours_sat, bare_sat, percent=True),
        )
    )
    rows.append(
        (
            "  per round",
            " ".join(f"{v:,.0f}" for v in saturations["ours"]),
            " ".join(f"{v:,.0f}" for v in saturations["bare"]),
            "",
        )
    )
    rates = "/".join(f"{run['rate']:,}" for run in latency["ours"])
    for key in ("p50", "p95", "p99"):
        ours_value, bare_value = pick("ours", key), pick("bare", key)
        rows.append(
            (
                f"{key} ms at half ours ({rates} msg/s)",
                ms(ours_value),
                ms(bare_value),
                ratio(ours_value, bare_value),
            )
        )
    ours_cpu, bare_cpu = med(marginal["ours"]), med(marginal["bare"])
    rows.append(
        (
            "marginal CPU µs per message",
            f"{ours_cpu:,.0f}" if ours_cpu else "-",
            f"{bare_cpu:,.0f}" if bare_cpu else "-",
            ratio(ours_cpu, bare_cpu),
        )
    )
    for kind_runs in (overload["ours"], overload["bare"]):
        for run in kind_runs:
            run["share"] = run["delivered"] / (run["sent"] or 1)
            run["growth_mb"] = (run["server_rss_max"] - run["server_rss_first"]) / 1e6
    if overload["ours"]:
        o, b = overload["ours"][-1], overload["bare"][-1]
        rows.append(("past saturation: offered msg/s (2x own)", f"{o['rate']:,}", f"{b['rate']:,}", ""))
        ours_kept = o["delivered_per_s"] / (ours_sat or 1)
        bare_kept = b["delivered_per_s"] / (bare_sat or 1)
        rows.append(
            (
                "  delivered msg/s in the 20 s (of own saturation)",
                f"{o['delivered_per_s']:,.0f} ({ours_kept * 100:.0f} %)",
                f"{b['delivered_per_s']:,.0f} ({bare_kept * 100:.0f} %)",
                "",
            )
        )
        rows.append(
            (
                "  delivered (within 30 s drain)",
                f"{o['share'] * 100:.0f} %",
                f"{b['share'] * 100:.0f} %",
                ratio(o["share"], b["share"]),
            )
        )
        rows.append(
            (
                "  p50 / p99 send -> agent, s",
                f"{o['latency_ms']['p50'] / 1000:.1f} / {o['latency_ms']['p99'] / 1000:.1f}",
                f"{b['latency_ms']['p50'] / 1000:.1f} / {b['latency_ms']['p99'] / 1000:.1f}",
                "",
            )
        )
        rows.append(("  RSS growth, MB", f"{o['growth_mb']:.0f}", f"{b['growth_mb']:.0f}", ""))
        rows.append(("  refused (error acks)", str(o["ack_errors"] or 0), str(b["ack_errors"] or 0), ""))
        rows.append(
            (
                "  refusal ack p99, ms",
                str(o["error_ack_latency_ms"]["p99"]),
                str(b["error_ack_latency_ms"]["p99"]),
                "",
            )
        )
        rows.append(("  resent after retry_after (as the widget)", str(o["retried"]), str(b["retried"]), ""))
        rows.append(("  never acked", str(o["unacked"]), str(b["unacked"]), ""))
        rows.append(
            (
                "    held or just resent by the outbox / no answer in 5 s (connection lost)",
                f"{o['unacked'] - o['unanswered']} / {o['unanswered']} ({o['unanswered_lost']})",
                f"{b['unacked'] - b['unanswered']} / {b['unanswered']} ({b['unanswered_lost']})",
                "",
            )
        )
        rows.append(
            (
                "    longest wait for an answer at the end, s",
                f"{o['longest_unanswered_ms'] / 1000:.1f}",
                f"{b['longest_unanswered_ms'] / 1000:.1f}",
                "",
            )
        )
        rows.append(("  disconnects", _reasons(o["disconnects"]), _reasons(b["disconnects"]), ""))
    print(table(rows, ("", "ours", "bare", "ours/bare")))
    loadgen_cpu = max((run["loadgen_cpu_percent"] for runs in latency.values() for run in runs), default=0)
    print(f"\nload generator CPU at the latency runs: up to {loadgen_cpu} % of its core")


def _reasons(tally: dict[str, int]) -> str:
    return ", ".join(f"{count} {reason}" for reason, count in sorted(tally.items())) or "0"


if __name__ == "__main__":
    main()
