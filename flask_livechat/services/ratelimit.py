"""Abuse limits: per visitor and per IP, on messages, connections, forms and uploads (the ``limits`` library).

Limits live in memory for one process, or in Redis (``LIVECHAT_RATE_LIMIT_STORAGE = "redis://…"``) when
several processes serve the chat. IPs are keyed by a keyed digest, so the limiter's storage holds no
addresses.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import math
import threading
import time

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ..errors import RateLimited


def parse_limits(configured: dict[str, str]) -> dict[str, list[RateLimitItem]]:
    """``{"message": "10/10 seconds;60/minute"}`` → parsed limits; ``ValueError`` on a typo."""
    return {action: list(parse_many(text)) for action, text in configured.items()}


class MemoryWindows:
    """Moving windows in this process's memory, as ``limits``' memory storage keeps them but without its
    expiry thread: that one starts a timer every 10 ms while anything is counted and walks every key each
    time (7 % of a busy server's CPU, and a new thread or greenlet a hundred times a second). Here a window is
    trimmed when it is asked, and windows nobody asked for in a minute are dropped once a minute."""

    SWEEP_SECONDS = 60.0

    def __init__(self) -> None:
        self._hits: dict[tuple[str, str, int, int], collections.deque[float]] = {}
        self._lock = threading.Lock()  # held only while counting (green under eventlet and gevent)
        self._next_sweep = time.monotonic() + self.SWEEP_SECONDS

    def hit(self, limits: list[RateLimitItem], action: str, identities: list[str]) -> int | None:
        """Counts one ``action`` for every identity and returns ``None``; or, when one window is full,
        counts nothing and returns the seconds until it has room."""
        now = time.monotonic()
        with self._lock:
            counted = []
            for limit in limits:
                span = limit.get_expiry()
                for identity in identities:
                    key = (action, identity, limit.amount, span)
                    window = self._hits.get(key)
                    if window is not None:
                        while window and window[0] <= now - span:
                            window.popleft()
                        if len(window) >= limit.amount:
                            return max(1, math.ceil(window[0] + span - now))
                    counted.append(key)
            for key in counted:
                self._hits.setdefault(key, collections.deque()).append(now)
            if now >= self._next_sweep:
                self._next_sweep = now + self.SWEEP_SECONDS
                for key in [
                    key for key, window in self._hits.items() if not window or window[-1] <= now - key[3]
                ]:
                    del self._hits[key]
        return None


class RateLimiter:
    def __init__(self, configured: dict[str, str], storage_uri: str, secret: str) -> None:
        self._limits = parse_limits(configured)
        # One process: its own windows. Shared storage (Redis): ``limits``, so every process counts alike.
        self._memory = MemoryWindows() if storage_uri.startswith("memory://") else None
        self._limiter = None if self._memory else MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._secret = secret.encode()

    def ip_key(self, address: str | None) -> str | None:
        if not address:
            return None
        return "ip:" + hmac.new(self._secret, address.encode(), hashlib.sha256).hexdigest()[:32]

    def hit(self, action: str, *keys: str | None) -> None:
        """Counts one ``action`` for every key; ``RateLimited`` (counting nothing) when one is over."""
        limits = self._limits.get(action, [])
        identities = [key for key in keys if key]
        if not limits or not identities:
            return
        if self._memory is not None:
            retry_after = self._memory.hit(limits, action, identities)
            if retry_after is not None:
                raise RateLimited(retry_after=retry_after)
            return
        assert self._limiter is not None
        for limit in limits:
            for identity in identities:
                if not self._limiter.test(limit, action, identity):
                    reset_at = self._limiter.get_window_stats(limit, action, identity).reset_time
                    raise RateLimited(retry_after=max(1, math.ceil(reset_at - time.time())))
        for limit in limits:
            for identity in identities:
                self._limiter.hit(limit, action, identity)
