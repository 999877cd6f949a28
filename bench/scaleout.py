"""Two server processes of one chat sharing a database and a Redis message queue: saturation and latency
with visitor -> agent delivery crossing processes, ours against two bare relays sharing the same queue.

    python bench/scaleout.py               # PostgreSQL from $LIVECHAT_BENCH_POSTGRES_URL (or --postgres)
    python bench/scaleout.py --postgres postgresql+psycopg2://postgres@127.0.0.1:5432/bench
    python bench/scaleout.py --quick       # short steps: about 3 minutes

As docs/deployment.md sets it up: each process is ``gunicorn -k gevent -w 1`` (bench/wsgi.py) with the same
``SECRET_KEY``, the chat's tables in one PostgreSQL database (emptied at the start) and
``LIVECHAT_MESSAGE_QUEUE=redis://…/<db>`` (``--redis``; that database is flushed at the start, and the
emits use a channel of their own, since Redis channels are shared by all its databases). Without a
PostgreSQL URL both processes share one SQLite file instead (what docs/deployment.md advises against).

The visitors (200) are spread over both processes (round robin, ``--visitor-urls``), the agents (2) are on
the first one only: the half of the messages sent on the second process reach the agents only through
Redis. The bare relays (bench/relay.py, ``--message-queue``) get the same split.

Both servers are pinned to core 0 (this 2-core machine has no core for each), the load generator to core
1; the Redis server runs unpinned. With ``--spread`` the second server runs on core 1 beside the load
generator instead (each server a core of its own, less what the load generator takes). Measured, per
kind (ours, then bare):
1. saturation: throughput.py's ladder (x1.5 per step, x2 with --quick) until a step no longer keeps up;
2. p50/p95/p99 send -> agent at a fixed 400 msg/s, and at half the kind's saturation when that is lower;
3. at each of these rates, the queue's traffic: messages published on the channel per chat message sent
   in the measured window (sending and draining).

Ratios are ours / bare.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    LOADGEN_CORE,
    POSTGRES_ENV,
    SERVER_CORE,
    Server,
    ensure_loadgen,
    loadgen,
    log,
    machine,
    print_machine,
    ratio,
    reset_postgres,
    running,
    table,
)
from throughput import saturation

FIXED_RATE = 400
REDIS_ENV = "LIVECHAT_BENCH_REDIS_URL"
CHANNEL = "livechat-bench-scaleout"


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


@contextmanager
def queue_counter(url: str, channel: str) -> Iterator[list[int]]:
    """Counts the messages published on ``channel`` meanwhile (a subscriber of our own in a thread)."""
    import redis

    client: Any = redis.Redis.from_url(url)  # redis-py's pubsub() is untyped
    subscriber = client.pubsub(ignore_subscribe_messages=True)
    subscriber.subscribe(channel)
    count = [0]
    done = threading.Event()

    def listen() -> None:
        while not done.is_set():
            if subscriber.get_message(timeout=0.2) is not None:
                count[0] += 1

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    try:
        yield count
    finally:
        time.sleep(0.5)  # the last publications on their way
        done.set()
        thread.join(timeout=5)
        subscriber.close()
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short steps")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(POSTGRES_ENV),
        metavar="URL",
        help=f"the chat's tables in PostgreSQL (default: ${POSTGRES_ENV}; without: one shared SQLite file)",
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get(REDIS_ENV) or "redis://127.0.0.1:6379/7",
        help=f"the message queue; this database is flushed at the start (default ${REDIS_ENV} or db 7)",
    )
    parser.add_argument("--visitors", type=int, default=200)
    parser.add_argument("--agents", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=None, help="length of each measured step")
    parser.add_argument(
        "--spread",
        action="store_true",
        help=f"the second server on core {LOADGEN_CORE} (beside the load generator), not {SERVER_CORE}",
    )
    arguments = parser.parse_args()
    second_core = LOADGEN_CORE if arguments.spread else SERVER_CORE
    quick = arguments.quick
    seconds = arguments.seconds or (4.0 if quick else 10.0)
    factor = 2.0 if quick else 1.5
    ensure_loadgen()
    info = machine()
    store = "PostgreSQL" if arguments.postgres else "SQLite (one file, both processes)"
    queue_env = {"BENCH_MESSAGE_QUEUE": arguments.redis, "BENCH_QUEUE_CHANNEL": CHANNEL}

    @contextmanager
    def pair(kind: str) -> Iterator[tuple[Server, Server]]:
        """Two processes of one chat (or two relays) on one queue; the first serves the agents."""
        flush_redis(arguments.redis)
        config: dict[str, Any] = {}
        stack = ExitStack()
        if kind == "ours":
            if arguments.postgres:
                reset_postgres(arguments.postgres)
                config["LIVECHAT_DATABASE_URL"] = arguments.postgres
            else:
                shared = Path(tempfile.gettempdir()) / f"livechat-bench-scaleout-{os.getpid()}.sqlite3"
                shared.unlink(missing_ok=True)
                stack.callback(shared.unlink, missing_ok=True)
                config["LIVECHAT_DATABASE_URL"] = f"sqlite:///{shared}"
        with stack:
            # One after the other: the second finds the tables the first created.
            first = stack.enter_context(running(Server(kind, "gevent", config=config, environment=queue_env)))
            second = stack.enter_context(
                running(Server(kind, "gevent", config=config, environment=queue_env, core=second_core))
            )
            yield first, second

    def run(servers: tuple[Server, Server], **options: Any) -> dict[str, Any]:
        first, second = servers
        common = {"visitors": arguments.visitors, "agents": arguments.agents}
        return loadgen(first, visitor_urls=f"{first.url},{second.url}", **common, **options)

    saturations: dict[str, float] = {}
    for kind, start, ceiling in (("ours", 25.0 if quick else 20.0, 5000.0), ("bare", 400.0, 30000.0)):
        log(f"{kind}: saturation")
        with pair(kind) as servers:
            common = {
                "visitors": arguments.visitors,
                "agents": arguments.agents,
                "visitor_urls": f"{servers[0].url},{servers[1].url}",
            }
            saturations[kind] = saturation(servers[0], start, ceiling, factor, seconds, common)
    # Both kinds at the same rates: the fixed one, and half our saturation when that is lower.
    rates = sorted({FIXED_RATE, round(min(FIXED_RATE, saturations["ours"] / 2))})
    fixed: dict[str, list[dict[str, Any]]] = {"ours": [], "bare": []}
    for rate in rates:
        for kind in ("ours", "bare"):
            log(f"{kind}: latency at {rate} msg/s")
            with pair(kind) as servers, queue_counter(arguments.redis, CHANNEL) as published:
                counted: dict[str, int] = {}

                def snapshot(
                    mark: str, published: list[int] = published, counted: dict[str, int] = counted
                ) -> None:
                    # The measured window only: the opening messages settle in the quiet seconds before it,
                    # and our subscriber gets a second to catch up with the last publications.
                    if mark == "end":
                        time.sleep(1)
                    counted[mark] = published[0]

                result = run(servers, on_mark=snapshot, rate=rate, duration=seconds, drain=5, quiet=2)
            result["published"] = counted.get("end", published[0]) - counted.get("window", 0)
            fixed[kind].append(result)
            log(
                f"{kind} at {rate}/s: delivered {result['delivered_per_s']}/s, "
                f"p99 {result['latency_ms']['p99']} ms, {published[0]} published on the queue"
            )

    print(
        f"\nTwo processes, one chat: {store}, Redis queue, gunicorn -k gevent -w 1 each, "
        f"{arguments.visitors} visitors over both, {arguments.agents} agents on the first, "
        f"{seconds:g} s steps"
    )
    shared = "the second server" if arguments.spread else "nothing"
    print(
        f"the servers pinned to cores {SERVER_CORE} and {second_core}, the load generator to core "
        f"{LOADGEN_CORE} (sharing it with {shared}), Redis unpinned\n"
    )
    print_machine(info)
    print()

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:,.1f}"

    ours_sat, bare_sat = saturations["ours"], saturations["bare"]
    rows: list[tuple[str, ...]] = [
        (
            "saturation, delivered msg/s",
            f"{ours_sat:,.0f}",
            f"{bare_sat:,.0f}",
            ratio(ours_sat, bare_sat, True),
        )
    ]
    by_rate = {kind: {run["rate"]: run for run in runs} for kind, runs in fixed.items()}
    for rate in sorted(set(by_rate["ours"]) | set(by_rate["bare"])):
        o, b = by_rate["ours"].get(rate), by_rate["bare"].get(rate)
        rows.append(
            (
                f"at {rate:,} msg/s: delivered msg/s",
                f"{o['delivered_per_s']:,.0f}" if o else "-",
                f"{b['delivered_per_s']:,.0f}" if b else "-",
                "",
            )
        )
        for key in ("p50", "p95", "p99"):
            ours_value = o["latency_ms"][key] if o else None
            bare_value = b["latency_ms"][key] if b else None
            rows.append(
                (f"  {key} send -> agent, ms", ms(ours_value), ms(bare_value), ratio(ours_value, bare_value))
            )

        def per_message(run: dict[str, Any] | None) -> str:
            return f"{run['published'] / (run['sent'] or 1):.1f}" if run else "-"

        rows.append(("  queue publications per message", per_message(o), per_message(b), ""))
        rows.append(
            (
                "  errors / never acked",
                f"{sum(o['ack_errors'].values())} / {o['unacked']}" if o else "-",
                f"{sum(b['ack_errors'].values())} / {b['unacked']}" if b else "-",
                "",
            )
        )
    print(table(rows, ("", "ours", "bare", "ours/bare")))
    loadgen_cpu = max((run["loadgen_cpu_percent"] for runs in fixed.values() for run in runs), default=0)
    print(f"\nload generator CPU at the fixed-rate runs: up to {loadgen_cpu} % of its core")


if __name__ == "__main__":
    main()
