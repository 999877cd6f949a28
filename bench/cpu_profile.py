"""Where our server's CPU goes under chat load: py-spy samples the example site while the load generator
offers a steady rate, and the top functions by own and by total time are printed.

    pip install py-spy
    python bench/cpu_profile.py --rate 150 --seconds 30            # add --postgres for PostgreSQL

The server is pinned to core 0 and the load generator to core 1 as in throughput.py, with the same 200
visitors and 2 agents; py-spy (``--nonblocking``, 100 samples a second, idle frames left out) records only
the measured window. The raw stacks are kept in the file given by ``--raw`` (a flamegraph's input, for
``flamegraph.pl`` or speedscope) when asked.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import POSTGRES_ENV, Server, ensure_loadgen, loadgen, machine, print_machine, running, table

ROOT = Path(__file__).resolve().parent.parent


def short(frame: str) -> str:
    """``function (path/to/module.py:line)`` -> ``function (package/module.py)``, relative where we can."""
    name, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0].rstrip(")")
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})"


def summarise(raw: Path, top: int) -> tuple[int, list[tuple[str, ...]], list[tuple[str, ...]]]:
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue  # a line py-spy cut short when it was stopped
        count = int(count_text)
        frames = [short(frame) for frame in stack.split(";") if frame and not frame.startswith("process ")]
        frames = [frame for frame in frames if not frame.startswith("thread ")]
        if not frames:
            continue
        samples += count
        own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
    rows_own = [(f"{n / samples * 100:5.1f} %", frame) for frame, n in own.most_common(top)]
    rows_total = [(f"{n / samples * 100:5.1f} %", frame) for frame, n in total.most_common(top * 3)]
    return samples, rows_own, rows_total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=150)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--visitors", type=int, default=200)
    parser.add_argument("--agents", type=int, default=2)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--postgres", nargs="?", const=os.environ.get(POSTGRES_ENV), default=None)
    parser.add_argument("--async-mode", default="eventlet", choices=("eventlet", "threading", "gevent"))
    parser.add_argument("--raw", type=Path, help="keep py-spy's raw (collapsed) stacks here")
    arguments = parser.parse_args()
    if shutil.which("py-spy") is None and not (Path(sys.executable).parent / "py-spy").exists():
        parser.error("py-spy is not installed: pip install py-spy")
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    ensure_loadgen()
    info = machine()
    raw = arguments.raw or Path(tempfile.mkdtemp(prefix="livechat-profile-")) / "stacks.txt"
    recorder: dict[str, Any] = {}

    with running(Server("ours", arguments.async_mode, postgres_url=arguments.postgres)) as server:

        def on_mark(name: str) -> None:
            if name == "window":
                recorder["process"] = subprocess.Popen(
                    [
                        spy,
                        "record",
                        "--pid",
                        str(server.pid),
                        "--rate",
                        "100",
                        "--nonblocking",
                        "--format",
                        "raw",
                        "--output",
                        str(raw),
                        "--duration",
                        str(int(arguments.seconds) + 60),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            elif name == "end" and "process" in recorder:
                recorder["process"].send_signal(2)  # SIGINT: py-spy writes what it has and exits

        result = loadgen(
            server,
            on_mark=on_mark,
            rate=arguments.rate,
            duration=arguments.seconds,
            visitors=arguments.visitors,
            agents=arguments.agents,
            quiet=3,
        )
        process = recorder.get("process")
        if process is not None:
            threading.Thread(target=process.wait, daemon=True).start()
            process.wait(timeout=60)
    samples, rows_own, rows_total = summarise(raw, arguments.top)
    print(
        f"\nProfile of our server: {arguments.rate} msg/s offered for {arguments.seconds:g} s, "
        f"{arguments.visitors} visitors, {arguments.agents} agents, "
        f"{'PostgreSQL' if arguments.postgres else 'SQLite'}, {arguments.async_mode}\n"
    )
    print_machine(info)
    print(
        f"\ndelivered {result['delivered_per_s']} msg/s, p50 {result['latency_ms']['p50']} ms, "
        f"p99 {result['latency_ms']['p99']} ms; server background CPU "
        f"{result.get('background_cpu_percent')} %,"
        f" {result.get('window_cpu_s', 0) / max(result['delivered'], 1) * 1e6:,.0f} µs CPU per message; "
        f"{samples} samples\n"
    )
    print("Own time (the function itself was running):\n")
    print(table(rows_own, ("share", "function")))
    print("\nTotal time (the function was on the stack):\n")
    print(table(rows_total, ("share", "function")))
    print(f"\nraw stacks: {raw}")


if __name__ == "__main__":
    main()
