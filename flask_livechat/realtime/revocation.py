"""Agents lose their sockets as soon as they lose their access.

Logging out over HTTP does not close an open socket, and a socket's session is the one it connected with.
So: a Flask-Login logout disconnects that user's agent sockets at once (their other, still logged-in tabs
simply reconnect and pass the check again), and every ``LIVECHAT_AGENT_RECHECK_INTERVAL`` seconds each
connected agent is checked again against the host's user, role and department loaders, as at connect time:
a disabled user, a changed role or a changed department set is disconnected, after an ``access_changed``
event that says why. The socket's rooms (departments, conversations) were chosen for the old rights, so a
new connection (the console reconnects at once) is the one way to drop and rejoin them all correctly.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from flask_socketio import SocketIO

from ..host import user_id
from ..services.chat import Agent
from .rooms import AGENT_NAMESPACE

logger = logging.getLogger("flask_livechat")


def _namespace(socketio: SocketIO) -> Any:
    return socketio.server.namespace_handlers.get(AGENT_NAMESPACE)


def revoke_agent(socketio: SocketIO, host_user_id: str) -> int:
    """Disconnects every agent socket of one host user in this process; returns how many."""
    namespace = _namespace(socketio)
    if namespace is None:
        return 0
    sids = [sid for sid, data in list(namespace.connections_items()) if _agent_id(data) == host_user_id]
    for sid in sids:
        socketio.server.disconnect(sid, namespace=AGENT_NAMESPACE)
    return len(sids)


def _agent_id(data: dict[str, Any]) -> str | None:
    agent = data.get("agent")
    return agent.user_id if agent is not None else None


def init_app(app: Flask, socketio: SocketIO) -> None:
    try:
        from flask_login import user_logged_out
    except ImportError:
        return

    def on_logout(sender: Flask, user: Any = None, **_: Any) -> None:
        identifier = user_id(user) if user is not None else None
        if identifier is not None:
            revoke_agent(socketio, identifier)

    user_logged_out.connect(on_logout, sender=app, weak=False)


class AgentRecheck:
    """The background loop, started with the first agent connection of an app."""

    def __init__(self, app: Flask, socketio: SocketIO) -> None:
        self._app = app
        self._socketio = socketio
        self._started = False

    def ensure_running(self) -> None:
        if not self._started:
            self._started = True
            self._socketio.start_background_task(self._run)

    def _run(self) -> None:
        while self._app.config["LIVECHAT_AGENT_RECHECK_INTERVAL"] > 0:
            self._socketio.sleep(self._app.config["LIVECHAT_AGENT_RECHECK_INTERVAL"])
            try:
                self.check_once()
            except Exception:
                logger.exception("flask-livechat: agent re-check failed; it will run again")

    def check_once(self) -> None:
        from ..caller import current_agent

        namespace = _namespace(self._socketio)
        if namespace is None:
            return
        for sid, data in list(namespace.connections_items()):
            environ = self._socketio.server.get_environ(sid, namespace=AGENT_NAMESPACE)
            if not environ or environ.get("flask.app") is not self._app or "agent" not in data:
                continue
            with self._app.request_context(environ):
                now = current_agent()
            reason = _changed(data["agent"], now)
            if reason is not None:
                self._app.extensions["livechat"].pusher.access_changed(sid, reason)
                self._socketio.server.disconnect(sid, namespace=AGENT_NAMESPACE)


def _changed(before: Agent, now: Agent | None) -> str | None:
    """Why a connection's rights are no longer the ones it was given, or ``None`` when they still are."""
    if now is None or now.user_id != before.user_id:
        return "You are no longer signed in as staff."
    if now.role != before.role:
        return f"Your role changed from {before.role} to {now.role}."
    if now.departments != before.departments:
        names = "all departments" if now.departments is None else ", ".join(sorted(now.departments)) or "none"
        return f"Your departments changed (now: {names}); the console reloads them."
    return None
