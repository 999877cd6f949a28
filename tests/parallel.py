"""``make test``: the whole suite in three parts side by side.

Most tests wait on real servers, browsers and timers rather than the CPU (a serial run keeps the load near one
core), so the browser and foreign-host tests run in one pytest process and the other modules, split in two
halves, in two more; the storm test, which measures the server under load of its own, runs alone after them.
Every test still runs exactly once, each part in its own process with its own ports,
databases and Redis (the fixtures make them per test). Each part's report is printed when all are done; the
exit status is the worst of them. Arguments are passed to every part (``make test PYTEST_ARGS=-x``).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


#: Tests that measure the server under a storm of their own: run alone afterwards, not beside the others.
ALONE = ["tests/test_storm.py"]


def parts() -> list[list[str]]:
    modules = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "tests").glob("test_*.py"))
    modules = [module for module in modules if module not in ALONE]
    return [["tests/browser", "tests/hosts"], modules[0::2], modules[1::2]]


def main(arguments: list[str]) -> int:
    running = []
    for files in parts():
        log = tempfile.TemporaryFile(mode="w+")
        # The slowest tests of each part are listed, so CI's time can be watched (it must stay under 20 min).
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--durations=8", *arguments]
        command += files
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        running.append((files, log, process))
    status = 0
    for files, log, process in running:
        code = process.wait()
        log.seek(0)
        print(f"===== part: {' '.join(files[:2])}{' …' if len(files) > 2 else ''} (exit {code})", flush=True)
        sys.stdout.write(log.read())
        status = max(status, code)
    alone = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *arguments, *ALONE], cwd=ROOT
    )
    return max(status, alone.returncode)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
