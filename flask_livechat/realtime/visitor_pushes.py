"""Coalesced ``visitor_updated`` pushes: at most one per visitor per ``LIVECHAT_VISITOR_PUSH_INTERVAL``.

Every page view, connect, hello and disconnect of a visitor changes their entry in the console's list. Pushed
one by one, a visitor reloading a page in a loop (or a script doing it for them) would make every console
redraw its list hundreds of times a second. So the first change of a visitor is pushed at once, and changes
within the interval after it are gathered and pushed once, with the state at that time, in one batch for
every visitor that changed. The push is the visitor's state when it is sent, so nothing is lost by skipping
the intermediate ones. Per process and per app: ``push.Pusher`` owns one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import Flask
from flask_socketio import SocketIO

logger = logging.getLogger("flask_livechat")

#: Visitors remembered for their last push; older entries are dropped once there are more than this.
_MAX_REMEMBERED = 10_000


class VisitorPushes:
    def __init__(self, app: Flask, socketio: SocketIO, push: Callable[[str], None]) -> None:
        self._app = app
        self._socketio = socketio
        self._push = push
        #: When each visitor was last pushed (monotonic seconds).
        self._last: dict[str, float] = {}
        #: Visitors waiting for their next push, and when it is due.
        self._pending: dict[str, float] = {}
        self._lock = threading.Lock()
        self._flushing = False

    @property
    def interval(self) -> float:
        return float(self._app.config["LIVECHAT_VISITOR_PUSH_INTERVAL"])

    def changed(self, visitor_id: str) -> None:
        """A visitor's entry changed: push it now, or once its interval since the last push is over."""
        interval = self.interval
        now = time.monotonic()
        start = False
        with self._lock:
            last = self._last.get(visitor_id)
            waiting = visitor_id in self._pending
            due = not waiting and (interval <= 0 or last is None or now - last >= interval)
            if due:
                self._last[visitor_id] = now
                if len(self._last) > _MAX_REMEMBERED:
                    self._last = {v: t for v, t in self._last.items() if now - t < interval}
            elif not waiting:
                self._pending[visitor_id] = (last or now) + interval
                start, self._flushing = not self._flushing, True
        if due:
            self._push(visitor_id)
        elif start:
            self._socketio.start_background_task(self._flush_batches)

    def _flush_batches(self) -> None:
        """Pushes the waiting visitors as they come due, several in one go; ends when none are waiting."""
        while True:
            with self._lock:
                if not self._pending:
                    self._flushing = False
                    return
                wait = min(self._pending.values()) - time.monotonic()
            if wait > 0:
                self._socketio.sleep(wait)
            with self._lock:
                now = time.monotonic()
                batch = [v for v, due in self._pending.items() if due <= now]
                for visitor_id in batch:
                    del self._pending[visitor_id]
                    self._last[visitor_id] = now
            with self._app.app_context():
                for visitor_id in batch:
                    try:
                        self._push(visitor_id)
                    except Exception:
                        logger.exception("flask-livechat: a coalesced visitor push failed")
                    # A batch may hold hundreds of visitors (a storm of reconnects): let the server answer
                    # others between two pushes (under eventlet or gevent a store query does not yield).
                    self._socketio.sleep(0)
