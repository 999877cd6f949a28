"""The admin page for the REST API's personal access tokens: make one (shown once), see when each was last
used, revoke. Plain forms with the admin CSRF token, like the other admin pages; every change is audited by
the service."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, url_for

from .. import i18n
from ..csrf import check_csrf, csrf_token
from ..errors import InvalidPayload, NotFoundError
from ..i18n import staff_text as _
from ..services.chat import Agent
from ..services.departments import configured
from ..state import current_livechat
from .access import require_agent
from .admin import csrf_scope


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/admin/tokens", "tokens", tokens_page, methods=["GET", "POST"])
    blueprint.add_url_rule("/admin/tokens/revoke", "token_revoke", token_revoke, methods=["GET", "POST"])


def _page(
    admin: Agent,
    *,
    created: str | None = None,
    problems: dict[str, list[str]] | None = None,
    revoked: bool = False,
) -> str:
    return render_template(
        "livechat/admin/tokens.html",
        tokens=current_livechat.api_tokens.tokens(admin),
        admin=admin,
        departments=list(configured(current_app.config)),
        created=created,
        revoked=revoked,
        problems=problems or {},
        form=request.form if problems else {},
        csrf_token=csrf_token(csrf_scope(admin)),
    )


def localized_fields(fields: dict[str, Any]) -> dict[str, list[str]]:
    """A service's field errors (``N_`` texts) in the admin's language."""
    language = i18n.staff_language(request)
    return {
        name: [i18n.localize(language, text) for text in (texts if isinstance(texts, list) else [texts])]
        for name, texts in fields.items()
    }


def tokens_page() -> str | tuple[str, int]:
    admin = require_agent("admin")
    if request.method == "GET":
        return _page(admin)
    check_csrf(csrf_scope(admin))
    form = request.form
    try:
        new = current_livechat.api_tokens.create(
            admin,
            name=form.get("name", ""),
            scope=form.get("scope", ""),
            agent_id=form.get("agent_id", ""),
            agent_name=form.get("agent_name", ""),
            role=form.get("role", ""),
            departments=form.getlist("departments"),
        )
    except InvalidPayload as error:
        return _page(admin, problems=localized_fields(error.fields)), 400
    return _page(admin, created=new.plain)


def token_revoke() -> str:
    """GET asks first (``?token_id=``: a page with one button, no JavaScript needed); POST revokes."""
    admin = require_agent("admin")
    source = request.args if request.method == "GET" else request.form
    raw = source.get("token_id", "")
    if not raw.isdigit() or len(raw) > 12:
        abort(400, _("Not a token id."))
    if request.method == "GET":
        token = next(
            (t for t in current_livechat.api_tokens.tokens(admin) if t.id == int(raw) and not t.revoked_at),
            None,
        )
        if token is None:
            abort(404, _("That token does not exist or is already revoked."))
        return render_template(
            "livechat/admin/confirm.html",
            active="livechat.tokens",
            heading=_("Revoke the token %(name)s?", name=token.name),
            what=_(
                "%(name)s (lc_%(id)s_…), %(scope)s, acts as %(agent)s",
                name=token.name,
                id=token.public_id,
                scope=_("read") if token.scope == "read" else _("write"),
                agent=token.agent_name,
            ),
            consequence=_("Programs using it get 401 from the next call on. This cannot be undone."),
            action=url_for("livechat.token_revoke"),
            fields={"token_id": raw},
            button=_("Revoke %(name)s", name=token.name),
            cancel=url_for("livechat.tokens"),
            csrf_token=csrf_token(csrf_scope(admin)),
        )
    check_csrf(csrf_scope(admin))
    try:
        current_livechat.api_tokens.revoke(admin, int(raw))
    except NotFoundError:
        abort(404, _("That token does not exist or is already revoked."))
    return _page(admin, revoked=True)
