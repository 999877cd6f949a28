"""Who is calling, for HTTP views and socket handlers alike: the staff member behind a request, and the
rate limiter's key for the caller's address. One definition each, so views and sockets cannot disagree."""

from __future__ import annotations

from flask import current_app, request

from .host import display_name, user_id
from .services.chat import Agent
from .services.departments import agent_scope
from .state import current_livechat


def current_agent() -> Agent | None:
    """The logged-in host user as an ``Agent``, or ``None`` when they are not staff."""
    livechat = current_livechat.livechat
    user = livechat.load_user()
    if user is None:
        return None
    role = livechat.load_role(user)
    identifier = user_id(user)
    if role is None or identifier is None:
        return None
    scope = agent_scope(current_app.config, role, livechat.load_departments(user))
    return Agent(user_id=identifier, name=display_name(user), role=role, departments=scope)


def client_ip_key() -> str | None:
    """The rate limiter's key for the caller's IP (behind a proxy, use werkzeug's ProxyFix)."""
    return current_livechat.limiter.ip_key(request.remote_addr)
