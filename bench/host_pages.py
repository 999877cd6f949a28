"""What the extension costs the host's own pages: wrk against the example site's home page (plain HTML, no
chat open) with and without ``LiveChat(app)``, in the same run, alternating.

    apt-get install -y wrk            # once, if wrk is missing
    python bench/host_pages.py        # 2 rounds of 10 s per case; --quick: 1 round of 5 s

Both servers are the example site served by ``socketio.run`` on eventlet (bench/site.py; without the
extension, ``BENCH_WITHOUT_CHAT=1``), or by gunicorn's gevent worker with ``--async-mode gevent``, pinned to
core 0; wrk runs on core 1 with 1 thread and 10
connections. Two cases each: **new visitors** (no cookie, so with the extension every request is a first
visit: capture, a new visitor cookie, the loader injected) and **one returning visitor** (the cookies of one
earlier GET sent with every request).
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.request import urlopen

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import LOADGEN_CORE, Server, machine, print_machine, ratio, running, table


def returning_cookie(server: Server) -> str:
    with urlopen(server.url + "/", timeout=10) as response:
        jar: SimpleCookie = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())


def wrk(server: Server, seconds: float, cookie: str | None) -> dict[str, float]:
    command = ["taskset", "-c", LOADGEN_CORE, "wrk", "-t1", "-c10", f"-d{seconds:g}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, server.url + "/"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "rps": float(found.group(1)) if found else 0.0,
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else 0.0,
        "non_2xx": float(non_2xx.group(1)) if non_2xx else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--async-mode", default="eventlet", choices=("eventlet", "threading", "gevent"))
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed: apt-get install -y wrk")
    rounds = arguments.rounds or (1 if arguments.quick else 2)
    seconds = arguments.seconds or (5.0 if arguments.quick else 10.0)
    info = machine()
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    for round_number in range(1, rounds + 1):
        for kind in ("host", "ours"):
            with running(Server(kind, arguments.async_mode)) as server:
                for case in ("new visitors", "returning visitor"):
                    cookie = returning_cookie(server) if case == "returning visitor" else None
                    result = wrk(server, seconds, cookie)
                    results.setdefault((kind, case), []).append(result)
                    print(f"# round {round_number} {server.label:>17}, {case}: {result}", file=sys.stderr)
    print(
        f"\nHost pages: wrk -t1 -c10 on GET /, {arguments.async_mode}, {rounds} round(s) of {seconds:g} s "
        "alternating\n"
    )
    print_machine(info)
    print()
    rows: list[tuple[str, ...]] = []
    for case in ("new visitors", "returning visitor"):
        without = statistics.median(run["rps"] for run in results[("host", case)])
        with_chat = statistics.median(run["rps"] for run in results[("ours", case)])
        p99_without = statistics.median(run["p99_ms"] for run in results[("host", case)])
        p99_with = statistics.median(run["p99_ms"] for run in results[("ours", case)])
        errors = sum(run["non_2xx"] for key in (("host", case), ("ours", case)) for run in results[key])
        rows.append((f"{case}: req/s", f"{without:,.0f}", f"{with_chat:,.0f}", ratio(with_chat, without)))
        rows.append(
            (f"{case}: p99 ms", f"{p99_without:.1f}", f"{p99_with:.1f}", ratio(p99_with, p99_without))
        )
        if errors:
            rows.append((f"{case}: non-2xx answers", "", f"{errors:.0f}", ""))
    print(table(rows, ("", "without chat", "with chat", "with/without")))


if __name__ == "__main__":
    main()
