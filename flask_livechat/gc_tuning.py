"""Garbage collection for a process that holds chat connections.

Python's collector scans every tracked object again at each full collection, and with its default first
threshold (700 allocations) a process taking thousands of connections runs one full collection after
another, each longer than the last: during a 5,000-visitor reconnect storm that was 2 s of 14 (the longest
459 ms), and in steady traffic the 50-60 ms pauses set the p99 (bench/README.md, "Garbage collection").
At the process's first chat connection the app is built and its modules imported, so what is alive then
lives as long as the process: one collection, then ``gc.freeze()`` takes it out of every later scan, and
the first threshold is raised so that young collections, and the full ones they lead to, come less often.
A host that set thresholds of its own keeps them; ``LIVECHAT_GC_TUNING = False`` leaves the collector alone.
"""

from __future__ import annotations

import gc
import threading

#: Python's default first threshold: anything else is the host's own tuning, kept.
PYTHON_DEFAULT_THRESHOLD = 700
#: Allocations between two young collections once tuned.
TUNED_THRESHOLD = 20_000

_lock = threading.Lock()
_settled = False


def settle_once() -> bool:
    """Freezes what is alive and raises the first threshold, once per process; True when it did now."""
    global _settled
    if _settled:
        return False
    with _lock:
        if _settled:
            return False
        _settled = True
        gc.collect()
        gc.freeze()
        first, second, third = gc.get_threshold()
        if first == PYTHON_DEFAULT_THRESHOLD:
            gc.set_threshold(TUNED_THRESHOLD, second, third)
        return True
