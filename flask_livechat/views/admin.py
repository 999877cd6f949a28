"""Admin pages: canned responses (create, edit, delete), active blocks, the moderation and mail logs.

Plain HTML forms behind the host's login and the ``admin`` role, each protected by the extension's one CSRF
scheme (``flask_livechat.csrf``: a token bound to the host session and to this admin).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from .. import i18n
from ..csrf import check_csrf, csrf_token
from ..i18n import staff_text as _
from ..services.canned import canned_problem
from ..services.chat import Agent
from ..services.permissions import has_role
from ..state import current_livechat
from .access import require_agent


def register(blueprint: Blueprint) -> None:
    blueprint.add_app_template_filter(iso_utc, "livechat_iso")
    blueprint.add_app_template_filter(utc_text, "livechat_utc")
    blueprint.add_url_rule("/admin/", "admin", admin_index)
    blueprint.add_url_rule("/admin/canned", "canned_save", canned_save, methods=["POST"])
    blueprint.add_url_rule(
        "/admin/canned/<int:canned_id>/delete", "canned_delete", canned_delete, methods=["GET", "POST"]
    )
    blueprint.add_url_rule("/admin/blocks/<int:block_id>/lift", "block_lift", block_lift, methods=["POST"])


def _utc(moment: datetime) -> datetime:
    """Stored times are UTC, naive on SQLite and aware on PostgreSQL: one aware value, whole seconds."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def iso_utc(moment: datetime | str | None) -> str:
    """A ``<time datetime>`` value: ISO 8601 in UTC with a ``Z``, never with fractions of a second."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return _utc(moment).isoformat().replace("+00:00", "Z")


def utc_text(moment: datetime | str | None, seconds: bool = False, time_only: bool = False) -> str:
    """What a ``<time>`` reads before the browser puts it in the admin's zone (and without JavaScript)."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    pattern = ("" if time_only else "%Y-%m-%d ") + ("%H:%M:%S" if seconds else "%H:%M") + " UTC"
    return _utc(moment).strftime(pattern)


def csrf_scope(agent: Agent) -> str:
    """The CSRF scope of every admin form (the privacy tools use it too)."""
    return f"admin:{agent.user_id}"


def _require_admin(*, form: bool = False) -> Agent:
    agent = require_agent()
    if not has_role(agent, "admin"):
        abort(403, _("Only admins can manage the live chat."))
    if form:
        check_csrf(csrf_scope(agent))
    return agent


def admin_index() -> Any:
    return _index(_require_admin())


def _index(
    agent: Agent, *, status: int = 200, problems: dict[str, list[str]] | None = None, form: object = None
) -> Any:
    """The page, or (after a refused save) the page with what was typed and why it was refused."""
    state = current_livechat
    page = render_template(
        "livechat/admin/index.html",
        canned=state.canned.responses(),
        blocks=state.moderation.active_blocks(),
        log=state.moderation.log(limit=100),
        mail=state.moderation.mail_log(limit=100),
        csrf_token=csrf_token(csrf_scope(agent)),
        problems=problems or {},
        form=form or {},
    )
    return (page, status) if status != 200 else page


def canned_save() -> Any:
    agent = _require_admin(form=True)
    raw_id = request.form.get("id", "").strip()
    shortcut = request.form.get("shortcut", "").strip().lstrip("/").lower()
    body = request.form.get("body", "").strip()
    canned_id = int(raw_id) if raw_id.isdigit() else None
    if raw_id and canned_id is None:
        abort(400, _("Not a canned response id."))
    problem = canned_problem(shortcut, body)
    if problem is None and not current_livechat.canned.save(canned_id, shortcut, body):
        problem = (
            "shortcut",
            _("/%(shortcut)s is already taken (or that response was deleted).", shortcut=shortcut),
        )
    if problem is not None:
        # Shown again with what was typed, the field marked and the reason next to it (nothing changed).
        field, text = problem[0], i18n.localize(i18n.staff_language(request), problem[1])
        flash(_("Not saved: %(reason)s", reason=text), "error")
        typed = {
            "id": raw_id,
            "shortcut": request.form.get("shortcut", ""),
            "body": request.form.get("body", ""),
        }
        return _index(agent, status=400, problems={field: [text]}, form=typed)
    flash(_("Saved /%(shortcut)s.", shortcut=shortcut), "info")
    return redirect(url_for("livechat.admin"))


def canned_delete(canned_id: int) -> str | BaseResponse:
    """GET asks first (a page with one button, so it works without JavaScript); POST deletes."""
    agent = _require_admin(form=request.method == "POST")
    if request.method == "GET":
        item = next((c for c in current_livechat.canned.responses() if c.id == canned_id), None)
        if item is None:
            abort(404, _("That canned response no longer exists."))
        return render_template(
            "livechat/admin/confirm.html",
            active="livechat.admin",
            heading=_("Delete the canned response /%(shortcut)s?", shortcut=item.shortcut),
            what=item.body,
            consequence=_("Agents can no longer insert it with its shortcut. This cannot be undone."),
            action=url_for("livechat.canned_delete", canned_id=canned_id),
            button=_("Delete /%(shortcut)s", shortcut=item.shortcut),
            cancel=url_for("livechat.admin"),
            csrf_token=csrf_token(csrf_scope(agent)),
        )
    if current_livechat.canned.delete(canned_id):
        flash(_("Deleted."), "info")
    else:
        flash(_("That canned response no longer exists."), "error")
    return redirect(url_for("livechat.admin"))


def block_lift(block_id: int) -> BaseResponse:
    agent = _require_admin(form=True)
    if current_livechat.moderation.lift_from_admin(block_id, agent.name):
        flash(_("Block lifted."), "info")
    else:
        flash(_("That block is no longer active."), "error")
    return redirect(url_for("livechat.admin"))
