"""What the loader adds to a host page in a real browser: main-thread time and Largest Contentful Paint on
the example site's home page with and without the extension (which injects ``loader.js``), median of 10.
Beside them the same site with one empty deferred script of its own: what any external script costs the
page (its fetch and its task), the floor under the loader's figure on the machine of the run.

    python -m playwright --version     # Playwright comes with the dev extras; the browser is Chromium
    python bench/page_cost.py          # CHROMIUM=/path/to/chromium overrides the default /usr/bin/chromium

Each load is a new browser context (a first visit: no cookie, empty cache), alternating with/without.
Main-thread time is Chromium's ``TaskDuration`` (Performance.getMetrics over the DevTools protocol) once the
page has loaded and the network has been idle for 500 ms; LCP is the last ``largest-contentful-paint``
entry. (Chromium paints a small page's first frame only once the subresources it started loading are in,
a 1x1 image or an empty script alike, so LCP's "added" is mostly the loader's fetch.)
The servers are pinned to core 0 and the browser to core 1 (taskset on its launcher).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import LOADGEN_CORE, Server, machine, print_machine, running, table

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LCP = """() => new Promise((resolve) => {
  new PerformanceObserver((list) => {
    const entries = list.getEntries();
    resolve(entries[entries.length - 1].startTime);
  }).observe({type: "largest-contentful-paint", buffered: true});
  setTimeout(() => resolve(null), 3000);
})"""


def measure(browser: Any, url: str) -> dict[str, float]:
    context = browser.new_context()
    try:
        page = context.new_page()
        session = context.new_cdp_session(page)
        session.send("Performance.enable")
        page.goto(url, wait_until="networkidle")
        metrics = {item["name"]: item["value"] for item in session.send("Performance.getMetrics")["metrics"]}
        lcp = page.evaluate(LCP)
        loader = page.evaluate("() => !!document.querySelector('script[src*=\"loader\"]')")
        return {
            "task_ms": metrics["TaskDuration"] * 1000,
            "script_ms": metrics["ScriptDuration"] * 1000,
            "lcp_ms": float(lcp) if lcp is not None else float("nan"),
            "loader": float(loader),
        }
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=10)
    arguments = parser.parse_args()
    from playwright.sync_api import sync_playwright

    info = machine()
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    runs: dict[str, list[dict[str, float]]] = {"host": [], "empty": [], "ours": []}
    os.sched_setaffinity(0, {int(LOADGEN_CORE)})  # the browser (our child) inherits core 1
    empty = Server("host", environment={"BENCH_EMPTY_SCRIPT": "1"})
    with (
        running(Server("host")) as without,
        running(empty),
        running(Server("ours")) as with_chat,
        sync_playwright() as pw,
    ):
        servers = {"host": without, "empty": empty, "ours": with_chat}
        browser = pw.chromium.launch(executable_path=executable, args=FLAGS, headless=True)
        try:
            for server in servers.values():
                measure(browser, server.url + "/")  # warm the server and the browser once
            for _ in range(arguments.loads):
                for kind, server in servers.items():
                    runs[kind].append(measure(browser, server.url + "/"))
        finally:
            browser.close()
    print(
        f"\nPage cost: Chromium headless, GET / of the example site, "
        f"median of {arguments.loads} new visitors\n"
    )
    print_machine(info)
    print()
    rows: list[tuple[str, ...]] = []
    for key, name in (
        ("task_ms", "main-thread time, ms"),
        ("script_ms", "script time, ms"),
        ("lcp_ms", "LCP, ms"),
    ):
        without_value, empty_value, with_value = (
            statistics.median(run[key] for run in runs[kind]) for kind in ("host", "empty", "ours")
        )
        rows.append(
            (
                name,
                f"{without_value:.1f}",
                f"{with_value:.1f}",
                f"{with_value - without_value:+.1f}",
                f"{empty_value - without_value:+.1f}",
            )
        )
    loaders = sum(run["loader"] for run in runs["ours"]), sum(run["loader"] for run in runs["host"])
    print(table(rows, ("", "without loader", "with loader", "added", "an empty script adds")))
    print(
        f"\nloader tag present: {loaders[0]:.0f}/{arguments.loads} with, "
        f"{loaders[1]:.0f}/{arguments.loads} without"
    )


if __name__ == "__main__":
    main()
