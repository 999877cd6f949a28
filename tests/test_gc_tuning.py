"""The process's first chat connection freezes what is alive and raises the collector's first threshold,
once, unless the host tuned the collector itself or turned it off. Each case in a process of its own (the
test process's collector is left as pytest runs it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from flask_livechat.gc_tuning import PYTHON_DEFAULT_THRESHOLD, TUNED_THRESHOLD

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import gc, json, sys, tempfile
sys.path.insert(0, {root!r})
gc.set_threshold(*{threshold!r})
from tests.conftest import build_app
from flask_livechat import gc_tuning
gc_tuning._settled = False  # what conftest set for the test process: this process is a fresh one
app = build_app(tempfile.mkdtemp(), LIVECHAT_GC_TUNING={tuning!r})
socketio = app.extensions["livechat"].socketio
seen = {{"before": [gc.get_threshold()[0], gc.get_freeze_count()]}}
for name in ("first", "second"):
    client = socketio.test_client(app, namespace="/livechat", flask_test_client=app.test_client())
    assert client.is_connected("/livechat")
    seen[name] = [gc.get_threshold()[0], gc.get_freeze_count()]
    client.disconnect(namespace="/livechat")
print(json.dumps(seen))
"""


def run(threshold: tuple[int, int, int], tuning: bool) -> dict[str, list[int]]:
    script = SCRIPT.format(root=str(ROOT), threshold=threshold, tuning=tuning)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_first_connection_freezes_the_heap_and_raises_the_threshold_once() -> None:
    seen = run((PYTHON_DEFAULT_THRESHOLD, 10, 10), tuning=True)
    assert seen["before"] == [PYTHON_DEFAULT_THRESHOLD, 0]
    threshold, frozen = seen["first"]
    assert threshold == TUNED_THRESHOLD and frozen > 10_000  # the imported app: Flask, SQLAlchemy, ours
    # Once per process: the second connection froze nothing more (frozen objects freed since count down).
    assert seen["second"][0] == TUNED_THRESHOLD and seen["second"][1] <= frozen


@pytest.mark.parametrize(
    ("threshold", "tuning", "expected"),
    [((5_000, 10, 10), True, 5_000), ((PYTHON_DEFAULT_THRESHOLD, 10, 10), False, PYTHON_DEFAULT_THRESHOLD)],
    ids=["host-tuned", "turned-off"],
)
def test_a_host_tuned_or_turned_off_collector_keeps_its_threshold(
    threshold: tuple[int, int, int], tuning: bool, expected: int
) -> None:
    seen = run(threshold, tuning)
    assert seen["first"][0] == seen["second"][0] == expected
    # Frozen all the same when only the host's threshold is kept; nothing at all when turned off.
    assert (seen["first"][1] > 10_000) is tuning
