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

from .. import i18n
from ..caller import client_ip_key
from ..csp import protect
from ..csrf import any_site, check_csrf, csrf_token, protect_blueprint, require_json
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
    blueprint.add_url_rule("/transcript/<token>", "transcript_link", transcript_link, methods=["GET", "POST"])
    blueprint.add_url_rule("/admin/privacy", "admin", privacy_admin.privacy_admin, methods=["GET", "POST"])
    blueprint.add_url_rule(
        "/admin/privacy/export", "admin_export", privacy_admin.privacy_export, methods=["POST"]
    )
    blueprint.add_url_rule(
        "/admin/privacy/erase", "admin_erase", privacy_admin.privacy_erase, methods=["POST"]
    )
    blueprint.register_error_handler(LiveChatError, error_response)
    # The visitor's language, as the widget's (the admin page here is a staff page).
    blueprint.context_processor(_template_words)
    protect_blueprint(blueprint)
    protect(blueprint)
    return blueprint


def _template_words() -> dict[str, Any]:
    staff = request.endpoint in ("livechat_privacy.admin",)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return i18n.bound(i18n.staff_language(request) if staff else i18n.language_for(app, request))


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
    if subject is not None:
        profile, conversations = _profile_of([subject])
    receivers = [(r.origin, r.events) for r in current_livechat.webhooks.receivers()]
    policy = privacy_notice(
        config,
        billing=current_livechat.livechat.load_billing is not no_billing,
        webhooks=receivers,
        language=i18n.language_for(current_app._get_current_object(), request),  # type: ignore[attr-defined]
    )
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
    subject = my_subject()
    if subject is None:
        abort(401, "No chat data is linked to this browser or account: there is nothing to correct.")
    _update_profile([subject], data)
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
    """Download my data: everything stored about the requester, as a zip (``data.json`` and the attachment
    files), or as the JSON alone with ``?format=json``. It covers exactly what "Delete my data" deletes:
    the cookie's or account's records and the widget's page session (``X-LiveChat-Session``)."""
    subjects = _my_subjects()
    privacy = current_livechat.privacy
    as_json = request.args.get("format") == "json"
    if request.args.get("format") not in (None, "json", "zip"):
        abort(400, "format is json or zip.")
    if as_json:
        document = privacy.export_all(subjects, actor=SELF_SERVICE, include_host=False)[0]
        body: bytes | str = json.dumps(document, default=str, indent=2, ensure_ascii=False)
        response = current_app.response_class(body, mimetype="application/json")
        name = "my-chat-data.json"
    else:
        body = privacy.export_archive(subjects, actor=SELF_SERVICE)
        response = current_app.response_class(body, mimetype="application/zip")
        name = "my-chat-data.zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
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
    """See and correct the name and email the chat holds: a logged-in customer, a recognised browser, or
    the widget's page session (a chat without the cookie). A POST changes only the fields it sends."""
    subjects = _my_subjects()
    if not subjects:
        abort(401, "No chat data is linked to this browser or account: there is nothing to correct.")
    if request.method == "POST":
        require_json()
        _limit()
        _update_profile(subjects, load(_profile_schema, json_body()))
    profile, conversations = _profile_of(subjects)
    return jsonify({"ok": True, "profile": profile, "conversations": conversations})


def _my_subjects() -> list[Subject]:
    """Whom a self-service request is about: the cookie's or account's subject, and the visitor of the
    widget's page session when that is another record (opt-in before a choice, declined, cookies off)."""
    subject = my_subject()
    subjects = [subject] if subject is not None else []
    page_visitor = _page_visitor()
    if page_visitor is not None and (subject is None or subject.visitor_id != page_visitor):
        subjects.append(Subject(visitor_id=page_visitor))
    return subjects


# -- shared by the page and the API --------------------------------------------------------------------


def _erase_mine(response: BaseResponse) -> None:
    subject = my_subject()
    if subject is not None:
        current_livechat.privacy.erase(subject, actor=SELF_SERVICE, include_host=False)
    clear_visitor_cookie(current_app, request, response)


def _profile_of(subjects: list[Subject]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Name, email and the conversations of the requester: theirs only, never anyone else's."""
    exported = [
        entry for subject in subjects for entry in current_livechat.privacy.exported_visitors(subject)
    ]
    names = [entry["visitor"]["name"] for entry in exported if entry["visitor"]["name"]]
    emails = [entry["visitor"]["email"] for entry in exported if entry["visitor"]["email"]]
    conversations = [
        {"id": c["id"], "status": c["status"], "created_at": c["created_at"], "messages": c["messages"]}
        for entry in exported
        for c in entry["conversations"]
    ]
    return {"name": names[0] if names else None, "email": emails[0] if emails else None}, conversations


def _update_profile(subjects: list[Subject], data: dict[str, Any]) -> None:
    """Only the fields sent change; an empty or null one is cleared."""
    changes: dict[str, str | None] = {}
    if "name" in data:
        changes["name"] = (data["name"] or "").strip() or None
    if "email" in data:
        changes["email"] = normalize_address(data["email"]) if data["email"] else None
    for subject in subjects:
        current_livechat.privacy.correct_profile(subject, changes)


# -- unsubscribe ---------------------------------------------------------------------------------------


@any_site
def unsubscribe(token: str) -> BaseResponse | str:
    """The link in every email: no login, no cookie, no CSRF token (the signed random id is the credential).
    GET shows a button; POST records the opt-out, from that button or from a mail client's RFC 8058
    one-click (``List-Unsubscribe=One-Click``), idempotently, answering 200 either way."""
    value = unsign(current_app, "unsubscribe", token, None)
    privacy = current_livechat.privacy
    kind = None
    if isinstance(value, str):
        kind = privacy.unsubscribe(value) if request.method == "POST" else privacy.unsubscribe_kind(value)
    elif isinstance(value, dict) and value.get("k") in MAIL_KINDS and isinstance(value.get("e"), str):
        # A link from before 0.1.0's opaque ids (it carries the address): still honoured.
        kind = value["k"]
        if request.method == "POST":
            privacy.opt_out(value["e"], kind)
    if kind is None:
        abort(404, "This unsubscribe link is not valid (or the data it pointed to was erased).")
    done = request.method == "POST"
    return render_template("livechat/unsubscribe.html", kind=kind, done=done, token=token)


# -- a visitor's transcript, confirmed from their inbox ----------------------------------------------------


def transcript_link(token: str) -> str:
    """The link in the "confirm: send the transcript" mail: GET asks (a mail scanner that opens links sends
    nothing), POST from that page sends the transcript to the address, which must still be the visitor's."""
    mailer = current_livechat.transcripts
    address = mailer.confirmed(token, send=request.method == "POST")
    if address is None:
        abort(404, "This link is not valid any more. Ask for the transcript again from the chat.")
    return render_template(
        "livechat/transcript_link.html", token=token, address=address, done=request.method == "POST"
    )
