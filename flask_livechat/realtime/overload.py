"""Past saturation, say so at once: when this process already holds as many visitor messages as it can
store promptly, a new one is refused with ``overloaded`` and ``retry_after`` (the widget's outbox sends it
again then, backing off) instead of waiting in a queue for seconds behind everyone else's.

The measure is the messages in flight (received, not yet acknowledged: waiting for their turn, the store, or
an earlier message of the same connection). Under eventlet and gevent one batch is stored at a time
(services/group_commit.py), so a queue of ``limit`` messages is a batch or two of waiting; counting them
bounds the wait of every message accepted, whatever the database, and keeps the process working at its
capacity (a limit on a measured delay empties the queue each time it trips, and leaves the loop idle).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import Overloaded

#: Seconds a refused sender waits before sending again (the widget doubles it for each further refusal).
RETRY_AFTER = 1


class AdmissionGate:
    """Counts this process's visitor messages in flight and refuses past ``limit``
    (``LIVECHAT_MAX_MESSAGES_IN_FLIGHT``; ``None``: never refused, they queue). One per app."""

    def __init__(self, limit: int | None) -> None:
        self._limit = limit
        self._in_flight = 0
        self._lock = threading.Lock()  # held for the count only (green under eventlet and gevent)

    def in_flight(self) -> int:
        return self._in_flight

    @contextmanager
    def counted(self) -> Iterator[None]:
        """Around a visitor's whole send: from its handler's start to its ack, waiting included."""
        with self._lock:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1

    def check(self, connection: dict[str, Any]) -> None:
        """Raises ``Overloaded`` when more than ``limit`` are in flight (this one counted), and for every
        later message of the same connection until its ``retry_after`` has passed, so a retry cannot be
        overtaken by a message sent after it. Called in the send's turn: the refusal keeps the order."""
        refused = self.refusal(connection)
        if refused is not None:
            raise refused

    def refusal(self, connection: dict[str, Any], *, counted: bool = True) -> Overloaded | None:
        """``check``'s answer without raising; ``counted=False`` for a message not yet counted in flight
        (asked before its handler starts, so that a refusal costs next to nothing)."""
        if self._limit is None:
            return None
        now = time.monotonic()
        until = connection.get("overloaded_until", 0.0)
        if now < until:
            return Overloaded(retry_after=max(1, math.ceil(until - now)))
        if self._in_flight + (0 if counted else 1) > self._limit:
            connection["overloaded_until"] = now + RETRY_AFTER
            return Overloaded(retry_after=RETRY_AFTER)
        return None
