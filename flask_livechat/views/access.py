"""Who may open the staff pages: the host's login decides who you are, ``role_loader`` what you may do."""

from __future__ import annotations

from flask import abort, current_app, redirect, request, url_for

from ..caller import agent_for, staff_role
from ..host import Role, user_id, why_no_id
from ..host_request import current_host_user
from ..services.chat import Agent
from ..services.permissions import has_role


def _login_url() -> str | None:
    view = current_app.config["LIVECHAT_LOGIN_VIEW"]
    if view is None:
        login_manager = getattr(current_app, "login_manager", None)
        view = getattr(login_manager, "login_view", None)
    return url_for(view, next=request.full_path.rstrip("?")) if view else None


def require_agent(role: Role = "agent") -> Agent:
    """The staff member making this request: anonymous users go to the login, the wrong role gets 403."""
    user = current_host_user()
    if user is None:
        login_url = _login_url()
        if login_url is None:
            abort(401)
        abort(redirect(login_url))
    agent = agent_for(user)
    if agent is None and staff_role(user) is not None and user_id(user) is None:
        # The role says staff but the chat cannot tell who they are: say what the site has to change.
        abort(403, f"You are signed in as staff, but the chat cannot tell who you are: {why_no_id(user)}.")
    if agent is None or not has_role(agent, role):
        abort(403, f"This page is for {'admins' if role == 'admin' else 'agents and admins'}.")
    return agent
