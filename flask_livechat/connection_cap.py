"""The process-wide cap on chat connections (``LIVECHAT_MAX_CONNECTIONS``), which the transport guard asks
before it lets a new Engine.IO handshake through.

The WSGI server's own pool (gunicorn's ``--worker-connections``, 1,000 by default; eventlet's 1,024) is
shared by chat sockets and the host's pages: once chat fills it, every page hangs. The cap sits below the
pool, so at the cap a new chat connection is refused at once with 503 and ``Retry-After`` (the widget says the
chat is busy and tries again later), requests of sessions already open pass, and the pages keep the rest.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

logger = logging.getLogger("flask_livechat")

#: Seconds a refused visitor waits before its next try (``Retry-After``; the widget waits at least that).
BUSY_RETRY_AFTER = 5
CHAT_BUSY_MESSAGE = (
    "The chat server is holding as many connections as it may (LIVECHAT_MAX_CONNECTIONS): try again shortly."
)
#: A burst of refusals is logged once; a refusal after this many quiet seconds starts a new burst.
_LOG_INTERVAL = 60.0
#: How long a count of the open sessions is reused at the cap, so a flood of refused handshakes costs no pass
#: over thousands of sessions each; a session closed meanwhile makes room this much later at most.
SESSION_COUNT_TTL = 0.5


class ConnectionCap:
    """``limit`` open chat connections per process: the larger of the requests in flight (the guard's count)
    and the open sessions of ``sessions()``, the engine's table by sid, which a polling client keeps between
    its requests (read each time: the engine may replace it)."""

    def __init__(self, limit: int, sessions: Callable[[], Mapping[str, Any]] | None = None) -> None:
        self.limit = limit
        self._sessions = sessions
        self._counted: tuple[float, int] | None = None  # (when, open sessions) of the last pass at the cap
        self._refused_since_log = 0
        self._logged_at: float | None = None
        self._lock = threading.Lock()

    def full(self, in_flight: int) -> bool:
        return in_flight >= self.limit or self._open_sessions(at_least=self.limit) >= self.limit

    def open_sessions(self) -> int:
        """The engine's sessions that are not closed: a closed one stays in its table until the engine's
        next sweep (a WebSocket that ended, in threading mode)."""
        return _live(self._sessions()) if self._sessions is not None else 0

    def _open_sessions(self, at_least: int) -> int:
        """``open_sessions``, but the closed are only told apart when the table holds ``at_least`` at all
        (a pass over thousands only at the cap), and a count of ``at_least`` or more is reused for
        ``SESSION_COUNT_TTL``. A smaller one never is: the handshakes it lets in would go unseen."""
        if self._sessions is None:
            return 0
        sessions = self._sessions()
        if len(sessions) < at_least:
            return len(sessions)
        now = time.monotonic()
        counted = self._counted
        if counted is not None and now - counted[0] < SESSION_COUNT_TTL:
            return counted[1]
        live = _live(sessions)
        self._counted = (now, live) if live >= at_least else None
        return live

    def refuse(self, start_response: Callable[..., Any], open_now: int) -> Iterable[bytes]:
        """503 at once, so the server's pool keeps room for the host's pages; one log line per burst."""
        now = time.monotonic()
        with self._lock:
            self._refused_since_log += 1
            refused = 0
            if self._logged_at is None or now - self._logged_at >= _LOG_INTERVAL:
                refused, self._refused_since_log, self._logged_at = self._refused_since_log, 0, now
        if refused:
            logger.warning(
                "flask-livechat: %d chat connections open, LIVECHAT_MAX_CONNECTIONS is %d: new chat "
                "connections are refused (503) until some close (%d refused since the last line). Raise it "
                "together with the server's own pool (gunicorn --worker-connections); docs/deployment.md.",
                open_now,
                self.limit,
                refused,
            )
        error = {"code": "chat_busy", "message": CHAT_BUSY_MESSAGE, "fields": {}}
        body = json.dumps({"ok": False, "error": error}).encode()
        start_response(
            "503 SERVICE UNAVAILABLE",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("Retry-After", str(BUSY_RETRY_AFTER)),
            ],
        )
        return [body]


def _live(sessions: Mapping[str, Any]) -> int:
    return sum(1 for session in list(sessions.values()) if not getattr(session, "closed", False))
