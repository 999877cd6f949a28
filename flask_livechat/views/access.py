"""Who may open the staff pages: the host's login decides who you are, ``role_loader`` what you may do."""

from __future__ import annotations

from flask import abort, current_app, redirect, request, url_for

from ..caller import current_agent
from ..host import Role
from ..services.chat import Agent
from ..state import current_livechat


def _login_url() -> str | None:
    view = current_app.config["LIVECHAT_LOGIN_VIEW"]
    if view is None:
        login_manager = getattr(current_app, "login_manager", None)
        view = getattr(login_manager, "login_view", None)
    return url_for(view, next=request.full_path.rstrip("?")) if view else None


def require_agent(role: Role = "agent") -> Agent:
    """The staff member making this request: anonymous users go to the login, the wrong role gets 403."""
    if current_livechat.livechat.load_user() is None:
        login_url = _login_url()
        if login_url is None:
            abort(401)
        abort(redirect(login_url))
    agent = current_agent()
    if agent is None or (role == "admin" and agent.role != "admin"):
        abort(403, f"This page is for {'admins' if role == 'admin' else 'agents and admins'}.")
    return agent
