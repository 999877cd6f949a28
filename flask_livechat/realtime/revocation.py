"""Agents lose their sockets as soon as they lose their access.

Logging out over HTTP does not close an open socket, and a socket's session is the one it connected with.
So: a Flask-Login logout disconnects that user's agent sockets at once (their other, still logged-in tabs
simply reconnect and pass the check again), and every ``LIVECHAT_AGENT_RECHECK_INTERVAL`` seconds each
connected agent is checked again against the host's user, role and department loaders, as at connect time
(the host's ``before_request`` functions included, so ``g.user`` hosts work): a disabled user, a changed
role or a changed department set is disconnected, after an ``access_changed`` event that says why.

Any other login works too: each agent connection keeps the cookies its browser sent, and an HTTP response
of this process that changes that browser's session cookie (a logout clearing the session, a login as
someone else) updates them and re-checks those connections at once. A cookie-only session cannot be
revoked on the server, so the newest cookies the browser was given are what the re-check reads.

The socket's rooms (departments, conversations) were chosen for the old rights, so a new connection (the
console reconnects at once) is the one way to drop and rejoin them all correctly.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, request, request_finished
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
    def follow_session(sender: Flask, response: Response, **_: Any) -> None:
        name = sender.config["SESSION_COOKIE_NAME"]
        changed = set_cookies(response)
        before = request.cookies.get(name)
        if name in changed and before is not None:
            header = merged_cookies(request.headers.get("Cookie", ""), changed)
            sender.extensions["livechat"].agent_recheck.follow(before, changed[name], header)

    request_finished.connect(follow_session, app, weak=False)
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

    def follow(self, session_before: str, session_now: str | None, cookie_header: str) -> None:
        """A response gave the browser whose session cookie was ``session_before`` new cookies: its agent
        connections read those from now on, and are checked again at once."""
        namespace = _namespace(self._socketio)
        if namespace is None:
            return
        followed = []
        for sid, data in list(namespace.connections_items()):
            if "agent" in data and data.get("session_cookie") == session_before:
                data["session_cookie"] = session_now
                data["cookie"] = cookie_header
                followed.append((sid, data))
        self._check(followed)

    def check_once(self) -> None:
        namespace = _namespace(self._socketio)
        if namespace is not None:
            self._check([(sid, data) for sid, data in list(namespace.connections_items()) if "agent" in data])

    def _check(self, connections: list[tuple[str, dict[str, Any]]]) -> None:
        from ..caller import current_agent

        for sid, data in connections:
            environ = self._socketio.server.get_environ(sid, namespace=AGENT_NAMESPACE)
            if not environ or environ.get("flask.app") is not self._app:
                continue
            environ = dict(environ)
            environ.pop("saved_session", None)  # Flask-SocketIO's copy of the session at connect time
            if data.get("cookie") is not None:
                environ["HTTP_COOKIE"] = data["cookie"]
            # A fresh app context: the check may run inside an HTTP request, whose g must not leak in.
            with self._app.app_context(), self._app.request_context(environ):
                now = current_agent()
            reason = _changed(data["agent"], now)
            if reason is not None:
                self._app.extensions["livechat"].pusher.access_changed(sid, reason)
                self._socketio.server.disconnect(sid, namespace=AGENT_NAMESPACE)


def remember_cookies(connection: dict[str, Any], app: Flask) -> None:
    """For the connect handler: the cookies the re-check reads, and the session cookie that identifies
    this browser's later HTTP responses."""
    connection["cookie"] = request.headers.get("Cookie")
    connection["session_cookie"] = request.cookies.get(app.config["SESSION_COOKIE_NAME"])


def set_cookies(response: Response) -> dict[str, str | None]:
    """The cookies a response sets, by name: their raw value, ``None`` for one it deletes."""
    found: dict[str, str | None] = {}
    for header in response.headers.getlist("Set-Cookie"):
        pair, _, attributes = header.partition(";")
        name, _, value = pair.partition("=")
        lowered = attributes.lower().replace(" ", "")
        deleted = not value or "max-age=0" in lowered or "expires=thu,01jan1970" in lowered
        found[name.strip()] = None if deleted else value.strip()
    return found


def merged_cookies(header: str, changed: dict[str, str | None]) -> str:
    """The Cookie header the browser sends next: ``header`` with the response's changes applied."""
    pairs: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            pairs[name] = value
    for name, new in changed.items():
        if new is None:
            pairs.pop(name, None)
        else:
            pairs[name] = new
    return "; ".join(f"{name}={value}" for name, value in pairs.items())


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
