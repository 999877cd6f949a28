"""The widget's HTTP side: its settings, the leave-a-message form, and attachments up and down.

Every answer is JSON shaped like a socket ack (``{"ok": false, "error": {...}}`` with the same codes), and
bad input is a 4xx that changes nothing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from .. import i18n, page_views, widget_config
from ..caller import client_ip_key, current_agent
from ..csp import own_headers
from ..csrf import protect_blueprint
from ..errors import ForbiddenError, InvalidPayload, LiveChatError, NotFoundError
from ..host_request import current_host_user_id
from ..identity import visitor_cookie, visitor_id_from_request
from ..inbound import json_body
from ..schemas import OfflineMessageSchema, PageViewSchema, load, message_schema
from ..services import attachments
from ..services.consent import consent_state
from ..services.mail import mail_configured
from ..state import current_livechat
from ..store import ConversationRecord, PageInfo
from ..visitor_session import HEADER as SESSION_HEADER
from ..visitor_session import visitor_id_from_session, visitor_of_request
from ..widget_config import human_size
from .responses import error_response
from .uploads import form_file, store_checked


def create_blueprint(url_prefix: str) -> Blueprint:
    blueprint = Blueprint("livechat_widget", __name__, url_prefix=url_prefix)
    blueprint.add_url_rule("/widget/settings.json", "settings", settings)
    blueprint.add_url_rule("/widget/pending", "pending", pending)
    blueprint.add_url_rule("/api/page-views", "page_view", page_view, methods=["POST"])
    blueprint.add_url_rule("/api/offline-messages", "offline_message", offline_message, methods=["POST"])
    blueprint.add_url_rule("/api/attachments", "upload", upload, methods=["POST"])
    blueprint.add_url_rule("/attachments/<attachment_id>", "attachment", attachment)
    blueprint.register_error_handler(LiveChatError, error_response)
    blueprint.register_error_handler(RequestEntityTooLarge, _too_large)
    # The widget posts from the host's own pages; a cross-site form or script gets ``forbidden``.
    protect_blueprint(blueprint)
    return blueprint


def _app() -> Any:
    return current_app._get_current_object()  # type: ignore[attr-defined]


def _too_large(error: RequestEntityTooLarge) -> tuple[Response, int]:
    limit = human_size(current_app.config["LIVECHAT_ATTACHMENT_MAX_SIZE"])
    message = f"The file is too big: at most {limit}."
    return error_response(InvalidPayload(message, fields={"file": [message]}))


def settings() -> Response:
    app = _app()
    language = i18n.normalize_language(app, request.args.get("lang"))
    payload = widget_config.settings(app, language)
    # What the leave-a-message form may promise: a reply by email needs the site's mail set up.
    payload["reply_by_email"] = mail_configured(app)
    response = jsonify(payload)
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


def offline_message() -> tuple[Response, int]:
    payload = json_body()
    if not isinstance(payload, dict):
        raise InvalidPayload(fields={"_schema": ["Send one JSON object."]})
    schema = OfflineMessageSchema(max_body_length=current_app.config["LIVECHAT_MAX_MESSAGE_LENGTH"])
    data = load(schema, payload)
    state = current_livechat
    visitor_id = visitor_of_request(_app(), request)
    _adopt_pending(visitor_id)
    state.limiter.hit("offline_form", f"visitor:{visitor_id}" if visitor_id else None, client_ip_key())
    left = state.offline.leave(
        visitor_id,
        name=data["name"].strip(),
        email=data["email"],
        message=data["message"],
    )
    return jsonify(
        {"ok": True, "message": message_schema.dump(left.stored.message), "emailed": left.emailed}
    ), 201


_page_view_schema = PageViewSchema()


def page_view() -> Response:
    """``LiveChat.pageview()``: a single-page app's route change, recorded like a page load (same consent,
    cookie and flood rules). Only pages of this site: the URL's origin must be the request's own."""
    app = _app()
    payload = json_body()
    if not isinstance(payload, dict):
        raise InvalidPayload(fields={"_schema": ["Send one JSON object."]})
    data = load(_page_view_schema, payload)
    url = urlsplit(data["url"])
    if url.scheme not in ("http", "https") or f"{url.scheme}://{url.netloc}" != request.host_url.rstrip("/"):
        raise InvalidPayload(fields={"url": ["Send the URL of a page of this site."]})
    path = url.path or "/"
    if request.script_root and path.startswith(request.script_root):
        path = path[len(request.script_root) :] or "/"
    current_livechat.limiter.hit("page_view", visitor_of_request(app, request), client_ip_key())
    response = jsonify({"ok": True})
    response.headers["Cache-Control"] = "no-store"
    if app.config["LIVECHAT_TRACK_PAGE_VIEWS"]:
        page = PageInfo(url=data["url"], title=data.get("title"), referrer=data.get("referrer"))
        page_views.record(app, page, path, response)
    return response


def _adopt_pending(visitor_id: str | None) -> bool:
    """A browser still on its pending cookie (its first page) that uses the widget (leaves a message, or its
    loader asks about invitations, which scripts that ignore cookies never do) becomes the visitor its
    cookie names, with its landing page (and so its department). True when that made a visitor row."""
    app = _app()
    cookie = visitor_cookie(app, request)
    if cookie is None or not cookie[1] or cookie[0] != visitor_id:
        return False
    if not consent_state(app, request).recognition_allowed:
        return False
    return current_livechat.visitors.adopt_new(cookie[0], host_user_id=current_host_user_id())


def pending() -> Response:
    """Whether an agent invited this visitor (an open conversation only agents wrote in), for the loader of a
    page whose chat is not loaded yet. Cheap, cacheable by nobody, and the same for a stranger: no."""
    app = _app()
    visitor_id = (
        visitor_id_from_request(app, request) if consent_state(app, request).recognition_allowed else None
    )
    if visitor_id is not None:
        _adopt_pending(visitor_id)  # a first page's visitor, now with a row: on the consoles' lists
        current_livechat.presence.browsing(visitor_id)
        current_livechat.sweeper.ensure_running(app)  # takes the row away once this page stops asking
    invited = visitor_id is not None and current_livechat.chat.invited(visitor_id)
    response = jsonify({"ok": True, "invited": invited})
    response.headers["Cache-Control"] = "no-store"
    return response


def upload() -> tuple[Response, int]:
    app = _app()
    if not app.config["LIVECHAT_ATTACHMENTS"]:
        raise ForbiddenError("Attachments are turned off on this site.")
    # Only the page session token (a custom header, so never sent by a cross-site form) names the uploader.
    visitor_id = visitor_id_from_session(app, request.headers.get(SESSION_HEADER))
    if visitor_id is None:
        raise ForbiddenError("Open the chat first: uploads need the chat's session.")
    current_livechat.limiter.hit("upload", f"visitor:{visitor_id}", client_ip_key())
    file, client_id = form_file(app)
    checked = attachments.check_upload(file.filename, file.mimetype, file.read())
    # A page session's visitor is stored once they write; a file is writing.
    current_livechat.visitors.ensure_stored(visitor_id, host_user_id=current_host_user_id())
    stored = store_checked(
        app,
        checked,
        lambda key: current_livechat.chat.add_visitor_attachment(
            visitor_id,
            client_id=client_id,
            filename=checked.filename,
            content_type=checked.content_type,
            size=len(checked.data),
            storage_key=key,
        ),
    )
    with attachments.links_for_visitor(visitor_id):
        message = message_schema.dump(stored.message)
    return jsonify({"ok": True, "message": message}), 201


def _may_download(conversation: ConversationRecord, link: attachments.Link) -> None:
    """The conversation's own visitor (cookie or page session header), the logged-in host user it belongs
    to (their other devices), staff exactly as they may see the
    conversation (``conversation_for_agent``, departments included), or the holder of the visitor's own link
    (a visitor without cookies has nothing else an ``<img>`` could send). Anyone else: ``forbidden``."""
    if visitor_of_request(_app(), request) == conversation.visitor_id:
        return
    if current_livechat.chat.shares_host_user(conversation, current_host_user_id()):
        return  # a logged-in customer's own earlier chat, from another device
    agent = current_agent()
    if agent is not None:
        current_livechat.chat.conversation_for_agent(agent, conversation.id)  # not_found when out of scope
        return
    if link.visitor_id is None or link.visitor_id != conversation.visitor_id:
        raise ForbiddenError("Only the people in this conversation may open its files.")


def attachment(attachment_id: str) -> Response:
    app = _app()
    link = attachments.verify_link(app, attachment_id, request.args.get("t"))
    if link is None:
        raise ForbiddenError("This link is not valid or has expired; open the chat again for a fresh one.")
    state = current_livechat
    record = state.chat.attachment(attachment_id)
    conversation = state.chat.summary(link.conversation_id)
    if record is None or conversation is None or record.conversation_id != conversation.id:
        raise NotFoundError("No such file.")
    _may_download(conversation, link)
    data = attachments.storage_for(app).load(record.storage_key)
    if data is None:
        raise NotFoundError("The file is no longer stored.")
    response = Response(data, mimetype=record.content_type)
    disposition = "inline" if record.content_type in attachments.INLINE_IMAGES else "attachment"
    name = attachments.download_name(record.filename, record.content_type)
    ascii_name = name.encode("ascii", "ignore").decode().replace('"', "") or "file"
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    )
    own_headers(
        response,
        {
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Frame-Options": "DENY",
            "Cross-Origin-Resource-Policy": "same-origin",
        },
    )
    response.cache_control.private = True
    response.cache_control.max_age = app.config["LIVECHAT_ATTACHMENT_URL_MAX_AGE"]
    return response
