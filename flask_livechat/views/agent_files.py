"""Files an agent sends to the visitor from the console: the visitor upload's checks (type sniffing, size,
name cleaning, storage), in a conversation the agent may see by their department rights.

The console posts a multipart form from our own page (the cross-site check of every blueprint of ours) with
the CSRF token in ``X-CSRF-Token``; a GET of the same URL gives a fresh token to a console open for hours.
Answers are JSON in the socket ack's shape; the message itself reaches both sides by the one push path.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from ..csrf import csrf_token, valid_csrf
from ..errors import ForbiddenError, InvalidPayload, LiveChatError
from ..schemas import message_schema
from ..services import attachments
from ..services.chat import Agent
from ..state import current_livechat
from .access import require_agent
from .responses import error_response
from .uploads import form_file, store_checked

CSRF_HEADER = "X-CSRF-Token"


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/agent/attachments", "agent_upload_token", upload_token)
    blueprint.add_url_rule("/agent/attachments", "agent_upload", agent_upload, methods=["POST"])


def csrf_scope(agent: Agent) -> str:
    return f"console-upload:{agent.user_id}"


def console_upload_token(agent: Agent) -> str:
    """The token the console page starts with."""
    return csrf_token(csrf_scope(agent))


def upload_token() -> Response:
    response = jsonify({"ok": True, "csrf_token": console_upload_token(require_agent())})
    response.headers["Cache-Control"] = "no-store"
    return response


def agent_upload() -> tuple[Response, int]:
    agent = require_agent()
    try:
        return _upload(agent)
    except RequestEntityTooLarge:
        limit = current_app.config["LIVECHAT_ATTACHMENT_MAX_SIZE"]
        message = f"The file is too big: at most {limit} bytes."
        return error_response(InvalidPayload(message, fields={"file": [message]}))
    except LiveChatError as error:
        return error_response(error)


def _upload(agent: Agent) -> tuple[Response, int]:
    app: Any = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["LIVECHAT_ATTACHMENTS"]:
        raise ForbiddenError("Attachments are turned off on this site.")
    if not valid_csrf(request.headers.get(CSRF_HEADER), csrf_scope(agent)):
        raise ForbiddenError("The console's session expired: reload the page and send the file again.")
    state = current_livechat
    state.limiter.hit("agent_upload", f"agent:{agent.user_id}")
    file, client_id = form_file(app)
    conversation_id = request.form.get("conversation_id", "")
    if not conversation_id or len(conversation_id) > 32:
        raise InvalidPayload(fields={"conversation_id": ["Name the conversation to send the file in."]})
    state.chat.conversation_for_agent(agent, conversation_id)  # not_found before any bytes are kept
    checked = attachments.check_upload(file.filename, file.mimetype, file.read())
    stored = store_checked(
        app,
        checked,
        lambda key: state.chat.add_agent_attachment(
            agent,
            conversation_id,
            client_id=client_id,
            filename=checked.filename,
            content_type=checked.content_type,
            size=len(checked.data),
            storage_key=key,
        ),
    )
    return jsonify(
        {"ok": True, "message": message_schema.dump(stored.message)}
    ), 200 if stored.duplicate else 201
