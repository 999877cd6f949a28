"""The agent console page, behind the host's own login."""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from .. import i18n
from ..assets import static_url
from ..csp import protect
from ..csrf import protect_blueprint
from ..services.attachments import KNOWN_EXTENSIONS, check_extensions
from ..state import current_livechat
from . import admin, agent_files, assets, reports, tokens_admin, webhooks_admin
from .access import require_agent

_PACKAGE = os.path.dirname(os.path.dirname(__file__))


def create_blueprint(url_prefix: str) -> Blueprint:
    blueprint = Blueprint(
        "livechat",
        __name__,
        url_prefix=url_prefix,
        template_folder=os.path.join(_PACKAGE, "templates"),
    )
    blueprint.add_url_rule("/agent/", "console", console)
    assets.register(blueprint)
    admin.register(blueprint)
    agent_files.register(blueprint)
    reports.register(blueprint)
    webhooks_admin.register(blueprint)
    tokens_admin.register(blueprint)
    protect_blueprint(blueprint)
    # Our templates' own _() in the staff member's language; the host's Jinja environment is left alone.
    blueprint.context_processor(lambda: i18n.bound(i18n.staff_language(request)))
    # Staff pages show personal data and take actions: strict CSP, never framed (static files get it too).
    protect(blueprint)
    return blueprint


def console() -> str | BaseResponse:
    agent = require_agent()
    return render_template(
        "livechat/agent/console.html",
        agent_name=agent.name,
        is_admin=agent.role == "admin",
        admin_url=url_for("livechat.admin"),
        socketio_path=current_livechat.socketio_path,
        script_url=static_url("console.js"),
        thread_words=_thread_words(i18n.staff_language(request)),
        upload_url=url_for("livechat.agent_upload"),
        upload_token=agent_files.console_upload_token(agent),
        attachments=current_app.config["LIVECHAT_ATTACHMENTS"],
        accept=_accept(current_app.config),
    )


def _thread_words(language: str) -> dict[str, str]:
    """The console's thread view words (console.js ``THREAD_STRINGS``) in the agent's language, with the
    widget's ``{name}`` placeholder for the system lines it words from their events."""
    return {
        "agent": i18n.translate(language, "Agent"),
        "sending": i18n.translate(language, "Sending…"),
        "system_closed": i18n.system_line(language, {"type": "closed", "name": "{name}"}),
        "system_reopened": i18n.system_line(language, {"type": "reopened", "name": "{name}"}),
        "system_ended": i18n.system_line(language, {"type": "ended", "name": None}),
    }


def _accept(config: Any) -> str:
    """The file picker's ``accept``: the extensions the upload check takes (it still decides by content)."""
    allowed = check_extensions(config["LIVECHAT_ATTACHMENT_EXTENSIONS"])
    types = config["LIVECHAT_ATTACHMENT_TYPES"]
    return ",".join(f".{extension}" for extension in allowed if KNOWN_EXTENSIONS[extension] in types)
