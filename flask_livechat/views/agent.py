"""The agent console page, behind the host's own login."""

from __future__ import annotations

import os

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ..inject import csp_nonce
from ..realtime.agent import current_agent
from ..services.chat import Agent
from ..state import current_livechat
from . import admin

_PACKAGE = os.path.dirname(os.path.dirname(__file__))


def create_blueprint(url_prefix: str) -> Blueprint:
    blueprint = Blueprint(
        "livechat",
        __name__,
        url_prefix=url_prefix,
        static_folder=os.path.join(_PACKAGE, "static", "livechat"),
        static_url_path="/static",
        template_folder=os.path.join(_PACKAGE, "templates"),
    )
    blueprint.add_url_rule("/agent/", "console", console)
    admin.register(blueprint)
    return blueprint


def _login_url() -> str | None:
    view = current_app.config["LIVECHAT_LOGIN_VIEW"]
    if view is None:
        login_manager = getattr(current_app, "login_manager", None)
        view = getattr(login_manager, "login_view", None)
    return url_for(view, next=request.full_path.rstrip("?")) if view else None


def require_agent() -> Agent:
    """The staff member making this request: anonymous users go to the login, others get 403."""
    if current_livechat.livechat.load_user() is None:
        login_url = _login_url()
        if login_url is None:
            abort(401)
        abort(redirect(login_url))
    agent = current_agent()
    if agent is None:
        abort(403, "The live chat console is for agents and admins.")
    return agent


def console() -> str | BaseResponse:
    agent = require_agent()
    return render_template(
        "livechat/agent/console.html",
        agent_name=agent.name,
        is_admin=agent.role == "admin",
        admin_url=url_for("livechat.admin"),
        socketio_path=current_livechat.socketio_path,
        script_url=url_for("livechat.static", filename="console.js"),
        csp_nonce=csp_nonce(None),
    )
