"""Abuse limits: per visitor and per IP, on messages, connections, forms and uploads (the ``limits`` library).

Limits live in memory for one process, or in Redis (``LIVECHAT_RATE_LIMIT_STORAGE = "redis://…"``) when
several processes serve the chat. IPs are keyed by a keyed digest, so the limiter's storage holds no
addresses.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ..errors import RateLimited


def parse_limits(configured: dict[str, str]) -> dict[str, list[RateLimitItem]]:
    """``{"message": "10/10 seconds;60/minute"}`` → parsed limits; ``ValueError`` on a typo."""
    return {action: list(parse_many(text)) for action, text in configured.items()}


class RateLimiter:
    def __init__(self, configured: dict[str, str], storage_uri: str, secret: str) -> None:
        self._limits = parse_limits(configured)
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._secret = secret.encode()

    def ip_key(self, address: str | None) -> str | None:
        if not address:
            return None
        return "ip:" + hmac.new(self._secret, address.encode(), hashlib.sha256).hexdigest()[:32]

    def hit(self, action: str, *keys: str | None) -> None:
        """Counts one ``action`` for every key; ``RateLimited`` (counting nothing) when one is over."""
        limits = self._limits.get(action, [])
        identities = [key for key in keys if key]
        for limit in limits:
            for identity in identities:
                if not self._limiter.test(limit, action, identity):
                    reset_at = self._limiter.get_window_stats(limit, action, identity).reset_time
                    raise RateLimited(retry_after=max(1, math.ceil(reset_at - time.time())))
        for limit in limits:
            for identity in identities:
                self._limiter.hit(limit, action, identity)
