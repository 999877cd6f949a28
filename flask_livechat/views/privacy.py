"""The privacy page and the visitor's own data rights: consent, download, deletion, profile, unsubscribe."""

from __future__ import annotations

import json
import os
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from ..caller import client_ip_key
from ..csp import protect
from ..csrf import check_csrf, csrf_token, protect_blueprint, require_json
from ..errors import LiveChatError
from ..host import no_billing
from ..host_request import current_host_user_id
from ..identity import clear_visitor_cookie, unsign, visitor_id_from_request
from ..inbound import json_body
from ..schemas import ConsentChoiceSchema, EraseConfirmSchema, ProfileSchema, load
from ..services.consent import CONSENT_COOKIE, consent_state
from ..services.contact import normalize_address
from ..services.mail import MAIL_KINDS
from ..services.privacy import Subject
from ..services.privacy_notice import privacy_notice
from ..state import current_livechat
from ..visitor_session import HEADER as SESSION_HEADER
from ..visitor_session import visitor_id_from_session, visitor_of_request
from . import privacy_admin
from .responses import error_response

_PACKAGE = os.path.dirname(os.path.dirname(__file__))
SELF_SERVICE = "the visitor themselves"

_consent_schema = ConsentChoiceSchema()
_erase_schema = EraseConfirmSchema()
_profile_schema = ProfileSchema()


def create_blueprint(url_prefix: str) -> Blueprint:
    blueprint = Blueprint(
        "livechat_privacy",
        __name__,
        url_prefix=url_prefix,
        template_folder=os.path.join(_PACKAGE, "templates"),
    )
    blueprint.add_url_rule("/privacy", "page", privacy_page)
    blueprint.add_url_rule("/privacy/consent", "consent_form", consent_form, methods=["POST"])
    blueprint.add_url_rule("/privacy/delete", "delete_form", delete_form, methods=["POST"])
    blueprint.add_url_rule("/privacy/profile", "profile_form", profile_form, methods=["POST"])
    blueprint.add_url_rule("/api/consent", "consent_api", consent_api, methods=["POST"])
    blueprint.add_url_rule("/api/my-data", "my_data", my_data)
    blueprint.add_url_rule("/api/my-data/delete", "delete_api", delete_api, methods=["POST"])
    blueprint.add_url_rule("/api/profile", "profile_api", profile_api, methods=["GET", "POST"])
    blueprint.add_url_rule("/unsubscribe/<token>", "unsubscribe", unsubscribe, methods=["GET", "POST"])
    blueprint.add_url_rule("/admin/privacy", "admin", privacy_admin.privacy_admin, methods=["GET", "POST"])
    blueprint.add_url_rule(
        "/admin/privacy/export", "admin_export", privacy_admin.privacy_export, methods=["POST"]
    )
    blueprint.add_url_rule(
        "/admin/privacy/erase", "admin_erase", privacy_admin.privacy_erase, methods=["POST"]
    )
    blueprint.register_error_handler(LiveChatError, error_response)
    protect_blueprint(blueprint)
    protect(blueprint)
    return blueprint


# -- whose data is this? ------------------------------------------------------------------------------


def my_subject() -> Subject | None:
    """The requester: their recognised visitor record, and their host account when logged in.

    A visitor cookie that belongs to another host account (a shared computer) is not theirs.
    """
    host_user = current_host_user_id()
    visitor_id = visitor_id_from_request(current_app, request)
    if visitor_id is not None:
        visitor = current_livechat.privacy.visitor(visitor_id)
        if visitor is None or (visitor.host_user_id is not None and visitor.host_user_id != host_user):
            visitor_id = None
    if visitor_id is None and host_user is None:
        return None
    return Subject(visitor_id=visitor_id, host_user_id=host_user)


def _binding() -> str:
    """The CSRF scope of the privacy forms: a token made for one subject (say before logging in) is not
    accepted for another. The token is also bound to the browser's host session (see ``csrf``)."""
    subject = my_subject()
    return "privacy:" + (subject.describe() if subject else "no-data-yet")


# -- the page ------------------------------------------------------------------------------------------


def privacy_page() -> str:
    config = current_app.config
    subject = my_subject()
    profile = None
    conversations: list[Any] = []
    if subject is not None and subject.host_user_id is not None:
        profile, conversations = _profile_of(subject)
    policy = privacy_notice(config, billing=current_livechat.livechat.load_billing is not no_billing)
    return render_template(
        "livechat/privacy.html",
        policy=policy,
        company=config["LIVECHAT_COMPANY_NAME"],
        address=config["LIVECHAT_COMPANY_ADDRESS"],
        contact=config["LIVECHAT_PRIVACY_CONTACT"],
        version=config["LIVECHAT_POLICY_VERSION"],
        updated=config["LIVECHAT_POLICY_UPDATED"],
        retention_days=config["LIVECHAT_RETENTION_DAYS"],
        store_network_data=config["LIVECHAT_STORE_NETWORK_DATA"],
        visitor_cookie=config["LIVECHAT_VISITOR_COOKIE_NAME"],
        consent_cookie=CONSENT_COOKIE,
        cookie_days=config["LIVECHAT_VISITOR_COOKIE_MAX_AGE"] // 86400,
        consent=consent_state(current_app, request),
        has_data=subject is not None,
        profile=profile,
        conversations=conversations,
        csrf_token=csrf_token(_binding()),
        notice=request.args.get("done"),
    )


def consent_form() -> BaseResponse:
    check_csrf(_binding())
    choice = request.form.get("choice")
    if choice not in ("accepted", "declined"):
        abort(400, "Choose accepted or declined.")
    response = redirect(url_for(".page", done="consent"))
    current_livechat.privacy.record_choice(
        request,
        response,
        choice,
        visitor_id_from_request(current_app, request),
    )
    return response


def delete_form() -> BaseResponse:
    check_csrf(_binding())
    if request.form.get("confirm") != "yes":
        abort(400, "Tick the box to confirm: deleting your data cannot be undone.")
    response = redirect(url_for(".page", done="deleted"))
    _erase_mine(response)
    return response


def profile_form() -> BaseResponse:
    check_csrf(_binding())
    data = load(_profile_schema, {key: request.form.get(key) or None for key in ("name", "email")})
    _update_profile(data)
    return redirect(url_for(".page", done="profile"))


# -- the JSON twins, for the widget --------------------------------------------------------------------


def _limit() -> None:
    current_livechat.limiter.hit("privacy", client_ip_key())


def consent_api() -> Response:
    require_json()
    _limit()
    data = load(_consent_schema, json_body())
    response = jsonify({"ok": True})
    # The widget sends its page session token: accepting keeps the conversation this page already has.
    state = current_livechat.privacy.record_choice(
        request,
        response,
        data["choice"],
        visitor_of_request(current_app, request),
    )
    response.set_data(json.dumps({"ok": True, "privacy": state.to_wire()}))
    return response


def my_data() -> Response:
    subject = my_subject()
    document = (
        current_livechat.privacy.export(subject, actor=SELF_SERVICE, include_host=False)
        if subject is not None
        else {"visitors": []}
    )
    response = current_app.response_class(
        json.dumps(document, default=str, indent=2, ensure_ascii=False), mimetype="application/json"
    )
    response.headers["Content-Disposition"] = 'attachment; filename="my-chat-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


def delete_api() -> Response:
    require_json()
    _limit()
    load(_erase_schema, json_body())
    page_visitor = _page_visitor()
    response = jsonify({"ok": True})
    _erase_mine(response)
    if page_visitor is not None and current_livechat.privacy.visitor(page_visitor) is not None:
        current_livechat.privacy.erase(
            Subject(visitor_id=page_visitor), actor=SELF_SERVICE, include_host=False
        )
    return response


def _page_visitor() -> str | None:
    """The visitor of the widget's page session (``X-LiveChat-Session``): someone who chats without the
    cookie (opt-in before a choice, declined, cookies blocked) has their conversation there."""
    visitor_id = visitor_id_from_session(current_app, request.headers.get(SESSION_HEADER))
    visitor = current_livechat.privacy.visitor(visitor_id) if visitor_id else None
    if visitor is None or visitor.host_user_id not in (None, current_host_user_id()):
        return None
    return visitor.id


def profile_api() -> Response:
    subject = my_subject()
    if subject is None or subject.host_user_id is None:
        abort(401, "Log in to see and correct your chat profile.")
    if request.method == "POST":
        require_json()
        _limit()
        _update_profile(load(_profile_schema, json_body()))
    profile, conversations = _profile_of(subject)
    return jsonify({"ok": True, "profile": profile, "conversations": conversations})


# -- shared by the page and the API --------------------------------------------------------------------


def _erase_mine(response: BaseResponse) -> None:
    subject = my_subject()
    if subject is not None:
        current_livechat.privacy.erase(subject, actor=SELF_SERVICE, include_host=False)
    clear_visitor_cookie(current_app, request, response)


def _profile_of(subject: Subject) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Name, email and the conversations of a logged-in customer: theirs only, never anyone else's."""
    exported = current_livechat.privacy.exported_visitors(subject)
    names = [entry["visitor"]["name"] for entry in exported if entry["visitor"]["name"]]
    emails = [entry["visitor"]["email"] for entry in exported if entry["visitor"]["email"]]
    conversations = [
        {"id": c["id"], "status": c["status"], "created_at": c["created_at"], "messages": c["messages"]}
        for entry in exported
        for c in entry["conversations"]
    ]
    return {"name": names[0] if names else None, "email": emails[0] if emails else None}, conversations


def _update_profile(data: dict[str, Any]) -> None:
    subject = my_subject()
    if subject is None or subject.host_user_id is None:
        abort(401, "Log in to correct your chat profile.")
    email = data.get("email")
    current_livechat.privacy.correct_profile(
        subject,
        name=(data.get("name") or "").strip() or None,
        email=email.strip().lower() if email else None,
    )


# -- unsubscribe ---------------------------------------------------------------------------------------


def unsubscribe(token: str) -> BaseResponse | str:
    """The link in every email: no login; GET shows a button, POST (or a mail client's one-click) records."""
    value = unsign(current_app, "unsubscribe", token, None)
    if not isinstance(value, dict) or value.get("k") not in MAIL_KINDS or not isinstance(value.get("e"), str):
        abort(404, "This unsubscribe link is not valid.")
    kind, email = value["k"], value["e"]
    done = request.method == "POST"
    if done:
        current_livechat.privacy.opt_out(normalize_address(email), kind)
    return render_template("livechat/unsubscribe.html", kind=kind, done=done, token=token)
