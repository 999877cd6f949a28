"""This process's presence task: refreshes the rows of the connections it holds and sweeps dead ones.

It runs while the process holds any chat connection and stops when idle; the next connection starts it.
"""

from __future__ import annotations

import logging

from flask import Flask
from flask_socketio import SocketIO

from ..state import current_livechat
from .rooms import AGENT_NAMESPACE, AGENTS_ROOM, VISITOR_NAMESPACE, VISITORS_ROOM, local_sids

logger = logging.getLogger("flask_livechat")


class PresenceSweeper:
    def __init__(self, socketio: SocketIO, *, interval: float) -> None:
        self._socketio = socketio
        self._interval = max(interval, 0.05)
        self._running = False
        self._stopped = False

    def ensure_running(self, app: Flask) -> None:
        """Starts the task if it is not running (it stops when idle)."""
        if self._running or self._stopped or self._socketio.server is None:
            return
        self._running = True
        self._socketio.start_background_task(self._run, app)

    def stop(self) -> None:
        """Ends the task at its next wake-up (for tests and shutdown hooks)."""
        self._stopped = True

    def _local(self) -> tuple[list[str], list[str]]:
        return (
            local_sids(self._socketio, AGENT_NAMESPACE, AGENTS_ROOM),
            local_sids(self._socketio, VISITOR_NAMESPACE, VISITORS_ROOM),
        )

    def sweep_once(self) -> None:
        """One round, in the caller's app context: what the task does every third of the timeout."""
        agents, visitors = self._local()
        current_livechat.presence.sweep(agents, visitors)

    def _run(self, app: Flask) -> None:
        try:
            while True:
                self._socketio.sleep(self._interval)
                if self._stopped:
                    return
                agents, visitors = self._local()
                if not agents and not visitors:
                    return
                try:
                    with app.app_context():
                        self.sweep_once()
                except Exception:
                    logger.exception("flask-livechat: presence sweep failed; retrying")
        finally:
            self._running = False
