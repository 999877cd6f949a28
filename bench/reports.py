"""How fast the admin's reports answer on a big history: 1,000,000 messages in 100,000 conversations.

Run: python bench/reports.py [--visitors 143000] [--url sqlite:///path/to/bench.db]

The history is generated (tests/history.py) and bulk-inserted with SQLAlchemy Core, then the reports' facts
are built with ``store.reports.rebuild()`` (what a store from before the reports gets on its first start).
Each report is then timed over the last 30 days and over a whole year, best of 3, in a time zone with
daylight saving time: wall time, and the process's CPU time (what the report costs when other work shares
the machine).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_livechat.services.reports import ReportService
from flask_livechat.store import Store
from tests.history import Generator, Rows, insert_rows, utc

LAST_DAY = date(2026, 11, 30)
ZONE = "Europe/Berlin"


def generate(store: Store, visitors: int) -> tuple[int, float]:
    generator = Generator(1, utc(2025, 12, 1), 365, chat_chance=0.4, messages_per_chat=(8, 15))
    began = time.perf_counter()
    pending = Rows()
    for part in generator.visitors(visitors):
        pending.extend(part)
        if len(pending.messages) >= 50_000:
            insert_rows(store.engine, pending)
            pending = Rows()
    insert_rows(store.engine, pending)
    return visitors, time.perf_counter() - began


def best_of(reports: ReportService, key: str, first: date, runs: int = 3) -> tuple[float, float]:
    """The best wall time and the best CPU time (ms) of ``runs``: on a machine other work shares, the CPU
    time is what the report itself costs."""
    walls, cpus = [], []
    for _ in range(runs):
        # A new window each run, as each page load has: a window keeps what its reports share.
        window = reports.window(first=first.isoformat(), last=LAST_DAY.isoformat(), zone=ZONE)
        began, began_cpu = time.perf_counter(), time.process_time()
        reports.report(key, window)
        walls.append((time.perf_counter() - began) * 1000)
        cpus.append((time.process_time() - began_cpu) * 1000)
    return min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=143_000, help="about 0.7 conversations each")
    parser.add_argument("--url", help="a database URL (default: a new SQLite file in a temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="time the reports on --url's history as it is")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="livechat-bench-")
    url = args.url or f"sqlite:///{os.path.join(folder, 'bench.db')}"
    store = Store(url, auto_migrate=True)  # a history kept from an earlier version is upgraded first
    store.create_all()
    insert_seconds = rebuild_seconds = 0.0
    if not args.reuse:
        _, insert_seconds = generate(store, args.visitors)
        began = time.perf_counter()
        store.reports.rebuild()
        rebuild_seconds = time.perf_counter() - began
    rows = store.count_rows()
    print(
        f"{rows['livechat_messages']:,} messages in {rows['livechat_conversations']:,} conversations, "
        f"{rows['livechat_visitors']:,} visitors, {rows['livechat_visits']:,} visits, "
        f"{rows['livechat_page_views']:,} page views"
    )
    print(f"generated and inserted in {insert_seconds:.1f} s; facts rebuilt in {rebuild_seconds:.1f} s")
    reports = ReportService(store, min_count=5, missed_after=300)
    year, month = LAST_DAY - timedelta(days=364), LAST_DAY - timedelta(days=29)
    print(
        f"\n{'report':<16}{'30 days':>10}{'365 days':>10}{'30 d CPU':>10}{'365 d CPU':>10}  (ms, best of 3)"
    )
    totals = [0.0, 0.0, 0.0, 0.0]
    for key in reports.keys:
        (month_ms, month_cpu), (year_ms, year_cpu) = best_of(reports, key, month), best_of(reports, key, year)
        figures = (month_ms, year_ms, month_cpu, year_cpu)
        totals = [total + figure for total, figure in zip(totals, figures, strict=True)]
        print(f"{key:<16}" + "".join(f"{figure:>10.1f}" for figure in figures))
    print(f"{'whole page':<16}" + "".join(f"{total:>10.1f}" for total in totals))
    store.dispose()


if __name__ == "__main__":
    main()
