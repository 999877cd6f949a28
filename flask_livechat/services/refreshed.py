"""A value read from the store at most once per period and shared by the whole process.

The lists checked on every message or page (active blocks, agents online, whether any console is open) are
kept for a second or two instead of read each time. While one caller refreshes such a value the others keep
the last one: under gevent a query yields, and without this every sender arriving meanwhile would run the
same query (after the callback of store/green_driver.py, the blocks' was 3 % of a busy process's CPU).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Refreshed(Generic[T]):
    """``load()``'s answer, read again once ``period()`` seconds old or after ``forget``, or set directly."""

    def __init__(self, load: Callable[[], T], period: Callable[[], float]) -> None:
        self._load = load
        self._period = period
        self._lock = threading.Lock()  # held for the fields only, never across the load
        self._value: T | None = None
        #: When ``_value`` was read or set; ``-inf``: there is none (nothing read yet, or forgotten).
        self._loaded_at = float("-inf")
        self._refreshing = False
        #: Bumped by ``forget`` and ``set``: a load begun before either must not be kept as fresh.
        self._generation = 0

    def get(self) -> T:
        now = time.monotonic()
        with self._lock:
            known = self._loaded_at > float("-inf")
            if now - self._loaded_at < self._period() or (self._refreshing and known):
                return self._value  # type: ignore[return-value]
            self._refreshing = True
            generation = self._generation
        try:
            value = self._load()
        except BaseException:
            with self._lock:
                self._refreshing = False
            raise
        with self._lock:
            self._refreshing = False
            if generation == self._generation:
                self._value, self._loaded_at = value, now
        return value

    def set(self, value: T) -> None:
        """What this process just learned itself, fresh for a period."""
        with self._lock:
            self._generation += 1
            self._value, self._loaded_at = value, time.monotonic()

    def forget(self) -> None:
        """Something changed here: the next ``get`` reads the store, and nobody is given the old value."""
        with self._lock:
            self._generation += 1
            self._value, self._loaded_at = None, float("-inf")
