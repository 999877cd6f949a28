"""The admin's webhooks page: endpoints (add, disable, rotate the secret, delete), the delivery log, replay.

Behind the same rules as the other admin pages (the ``admin`` role, the admin CSRF scope). A secret is
shown in the one response that created it and never again: the page lists endpoints without them.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from .. import i18n
from ..csrf import check_csrf, csrf_token
from ..errors import InvalidPayload, NotFoundError
from ..i18n import staff_text as _
from ..services.chat import Agent
from ..services.webhooks import EVENTS
from ..state import current_livechat
from .access import require_agent
from .admin import csrf_scope


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/admin/webhooks", "webhooks", webhooks_page)
    blueprint.add_url_rule("/admin/webhooks", "webhook_create", webhook_create, methods=["POST"])
    blueprint.add_url_rule(
        "/admin/webhooks/<int:endpoint_id>/enabled", "webhook_enabled", webhook_enabled, methods=["POST"]
    )
    blueprint.add_url_rule(
        "/admin/webhooks/<int:endpoint_id>/rotate", "webhook_rotate", webhook_rotate, methods=["POST"]
    )
    blueprint.add_url_rule(
        "/admin/webhooks/<int:endpoint_id>/delete",
        "webhook_delete",
        webhook_delete,
        methods=["GET", "POST"],
    )
    blueprint.add_url_rule(
        "/admin/webhooks/deliveries/<delivery_id>/replay",
        "webhook_replay",
        webhook_replay,
        methods=["POST"],
    )


def require_admin(*, form: bool = False) -> Agent:
    admin = require_agent("admin")
    if form:
        check_csrf(csrf_scope(admin))
    return admin


def _page(status: int = 200, **extra: object) -> tuple[str, int]:
    agent = require_admin()
    state = current_livechat
    endpoints = state.webhooks.endpoints()
    return render_template(
        "livechat/admin/webhooks.html",
        endpoints=endpoints,
        urls={endpoint.id: endpoint.url for endpoint in endpoints},
        deliveries=state.webhooks.deliveries(limit=100),
        events=EVENTS,
        csrf_token=csrf_token(csrf_scope(agent)),
        **extra,
    ), status


def webhooks_page() -> tuple[str, int]:
    return _page()


def webhook_create() -> tuple[str, int]:
    require_admin(form=True)
    url = request.form.get("url", "")
    events = request.form.getlist("events")
    try:
        endpoint, secret = current_livechat.webhooks.create(url, events)
    except InvalidPayload as error:
        language = i18n.staff_language(request)
        errors = {name: i18n.localize(language, text) for name, text in error.fields.items()}
        return _page(400, errors=errors, form_url=url, form_events=events)
    current_livechat.webhook_worker.wake()
    return _page(201, secret=secret, secret_for=endpoint.url)


def webhook_enabled(endpoint_id: int) -> BaseResponse:
    require_admin(form=True)
    enabled = request.form.get("enabled")
    if enabled not in ("0", "1"):
        abort(400, _("Say enabled=1 or enabled=0."))
    try:
        current_livechat.webhooks.set_enabled(endpoint_id, enabled == "1")
    except NotFoundError as error:
        abort(404, error.message)
    if enabled == "1":
        current_livechat.webhook_worker.wake()
    flash(
        _("Endpoint enabled.") if enabled == "1" else _("Endpoint disabled: it gets nothing until enabled."),
        "info",
    )
    return redirect(url_for("livechat.webhooks"))


def webhook_rotate(endpoint_id: int) -> tuple[str, int]:
    require_admin(form=True)
    try:
        secret = current_livechat.webhooks.rotate(endpoint_id)
    except NotFoundError as error:
        abort(404, error.message)
    url = next((e.url for e in current_livechat.webhooks.endpoints() if e.id == endpoint_id), "")
    return _page(200, secret=secret, secret_for=url, rotated=True)


def webhook_delete(endpoint_id: int) -> str | BaseResponse:
    """GET asks first (a page with one button); POST deletes the endpoint and its delivery log."""
    agent = require_admin(form=request.method == "POST")
    if request.method == "GET":
        endpoint = next((e for e in current_livechat.webhooks.endpoints() if e.id == endpoint_id), None)
        if endpoint is None:
            abort(404, _("That webhook endpoint no longer exists."))
        return render_template(
            "livechat/admin/confirm.html",
            active="livechat.webhooks",
            heading=_("Delete this webhook endpoint?"),
            what=f"{endpoint.url} ({', '.join(endpoint.events)})",
            consequence=_(
                "It gets no more events, deliveries still waiting are dropped, and its delivery log goes. "
                "To pause it instead, disable it."
            ),
            action=url_for("livechat.webhook_delete", endpoint_id=endpoint.id),
            button=_("Delete endpoint %(id)s", id=endpoint.id),
            cancel=url_for("livechat.webhooks"),
            csrf_token=csrf_token(csrf_scope(agent)),
        )
    try:
        current_livechat.webhooks.delete(endpoint_id)
    except NotFoundError as error:
        abort(404, error.message)
    flash(_("Endpoint deleted, with its delivery log."), "info")
    return redirect(url_for("livechat.webhooks"))


def webhook_replay(delivery_id: str) -> BaseResponse:
    require_admin(form=True)
    try:
        current_livechat.webhooks.replay(delivery_id)
    except NotFoundError as error:
        abort(404, error.message)
    current_livechat.webhook_worker.wake()
    flash(_("Delivery %(id)s queued to be sent again.", id=delivery_id), "info")
    return redirect(url_for("livechat.webhooks"))
