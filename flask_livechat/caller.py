"""Who is calling, for HTTP views and socket handlers alike: the staff member behind a request, and the
rate limiter's key for the caller's address. One definition each, so views and sockets cannot disagree."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request

from .host import Role, display_name, user_id, why_no_id
from .host_request import current_host_user, explain_once
from .services.chat import Agent
from .services.departments import agent_scope
from .state import current_livechat


def staff_role(user: Any) -> Role | None:
    """The ``role_loader``'s answer for ``user``; a loader that raises counts as "not staff", logged once."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        return current_livechat.livechat.load_role(user)
    except Exception as error:
        explain_once(
            app,
            f"role_loader:{type(error).__name__}",
            "flask-livechat: your role_loader raised %s: %s for a %s, so that user is not staff. Fix: "
            "return None for users who are not agents or admins, and read the fields the user object has "
            '(a mapping such as sqlite3.Row takes user["field"], not user.field).',
            type(error).__name__,
            error,
            type(user).__qualname__,
        )
        return None


def agent_for(user: Any) -> Agent | None:
    """A host user as an ``Agent``, or ``None`` when they are not staff or carry no id (logged, once)."""
    role = staff_role(user)
    if role is None:
        return None
    identifier = user_id(user)
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if identifier is None:
        explain_once(app, "no-id", "flask-livechat: the role_loader says %r, but %s.", role, why_no_id(user))
        return None
    livechat = current_livechat.livechat
    scope = agent_scope(app.config, role, livechat.load_departments(user))
    # Visitors see this name: never an email address, else the configured one.
    name = display_name(user) or app.config["LIVECHAT_AGENT_DISPLAY_NAME"]
    return Agent(user_id=identifier, name=name, role=role, departments=scope)


def current_agent() -> Agent | None:
    """The logged-in host user as an ``Agent``, or ``None`` when they are not staff."""
    user = current_host_user()
    return None if user is None else agent_for(user)


def client_ip_key() -> str | None:
    """The rate limiter's key for the caller's IP (behind a proxy, use werkzeug's ProxyFix)."""
    return current_livechat.limiter.ip_key(request.remote_addr)
