"""Agent presence (online / away / offline, per agent across tabs) and the live state of visitor connections.

Presence lives in the store, one row per connection, so every server process answers the same. Each process
refreshes the rows of the connections it holds every third of ``LIVECHAT_PRESENCE_TIMEOUT`` and deletes rows
nobody refreshed for longer than the timeout: a process that died cannot leave its agents "online".
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import Flask

from ..realtime.rooms import AGENT_NAMESPACE, AGENTS_ROOM, VISITOR_NAMESPACE, VISITORS_ROOM
from ..store import Store
from ..store.models import utcnow
from ..store.presence import AgentPresence

logger = logging.getLogger("flask_livechat")

STATUSES = ("online", "away")


def local_sids(socketio: Any, namespace: str, room: str) -> list[str]:
    """The connections of a room that this process holds."""
    server = getattr(socketio, "server", None)
    if server is None:
        return []
    return [
        participant[0] if isinstance(participant, tuple) else participant
        for participant in server.manager.get_participants(namespace, room)
    ]


class PresenceService:
    def __init__(self, store: Store, socketio: Any, *, timeout_seconds: int) -> None:
        self._store = store
        self._socketio = socketio
        self.timeout = timedelta(seconds=timeout_seconds)
        self._last_available: bool | None = None
        self._reaper_running = False
        self._stopped = False

    def cutoff(self, now: datetime | None = None) -> datetime:
        return (now or utcnow()) - self.timeout

    def agents(self) -> list[AgentPresence]:
        return self._store.agents_presence(cutoff=self.cutoff())

    def available(self) -> bool:
        """True while at least one agent is online (not away) in a live console tab."""
        return any(agent.status == "online" for agent in self.agents())

    def status_of(self, agent_id: str) -> str:
        found = next((a for a in self.agents() if a.agent_id == agent_id), None)
        return found.status if found else "offline"

    # --- changes ------------------------------------------------------------------------------

    def agent_connected(
        self, sid: str, *, agent_id: str, name: str, role: str, departments: frozenset[str] | None = None
    ) -> None:
        self._store.agent_connected(
            sid, agent_id=agent_id, name=name, role=role, cutoff=self.cutoff(), departments=departments
        )
        self.announce()

    def agent_disconnected(self, sid: str) -> None:
        self._store.agent_disconnected(sid)
        self.announce()

    def set_status(self, agent_id: str, status: str) -> None:
        self._store.set_agent_status(agent_id, status)
        self.announce()

    def announce(self) -> None:
        """Tells agents who is online, and visitors whether anyone is, when that changed."""
        agents = self.agents()
        self._socketio.emit(
            "agent_presence",
            {"agents": [{"id": a.agent_id, "name": a.name, "status": a.status} for a in agents]},
            to=AGENTS_ROOM,
            namespace=AGENT_NAMESPACE,
        )
        available = any(agent.status == "online" for agent in agents)
        if available != self._last_available:
            self._last_available = available
            self._socketio.emit(
                "availability", {"agents_online": available}, to=VISITORS_ROOM, namespace=VISITOR_NAMESPACE
            )

    # --- liveness -----------------------------------------------------------------------------

    def sweep(self) -> list[str]:
        """Refreshes this process's connections and deletes dead ones; returns visitors who lost one."""
        agents_gone, visitors = self._store.refresh_and_sweep(
            local_sids(self._socketio, AGENT_NAMESPACE, AGENTS_ROOM),
            local_sids(self._socketio, VISITOR_NAMESPACE, VISITORS_ROOM),
            cutoff=self.cutoff(),
        )
        if agents_gone:
            self.announce()
        return visitors

    def ensure_reaper(self, app: Flask) -> None:
        """Starts this process's refresh-and-sweep task if it is not running (it stops when idle)."""
        if self._reaper_running or self._stopped or self._socketio.server is None:
            return
        self._reaper_running = True
        self._socketio.start_background_task(self._reap, app)

    def stop(self) -> None:
        """Ends this process's task at its next wake-up (for tests and shutdown hooks)."""
        self._stopped = True

    def _reap(self, app: Flask) -> None:
        interval = max(self.timeout.total_seconds() / 3, 0.05)
        try:
            while True:
                self._socketio.sleep(interval)
                if self._stopped:
                    return
                if not local_sids(self._socketio, AGENT_NAMESPACE, AGENTS_ROOM) and not local_sids(
                    self._socketio, VISITOR_NAMESPACE, VISITORS_ROOM
                ):
                    return
                try:
                    with app.app_context():
                        from ..realtime.agent_work import broadcast_visitor  # realtime builds on services

                        for visitor_id in self.sweep():
                            broadcast_visitor(visitor_id)
                except Exception:
                    logger.exception("flask-livechat: presence sweep failed; retrying")
        finally:
            self._reaper_running = False
