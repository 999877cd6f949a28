"""Admin pages: canned responses (create, edit, delete), active blocks, the moderation and mail logs.

Plain HTML forms behind the host's login and the ``admin`` role, each protected by the extension's one CSRF
scheme (``flask_livechat.csrf``: a token bound to the host session and to this admin).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ..csrf import check_csrf, csrf_token
from ..services.canned import canned_problem
from ..services.chat import Agent
from ..services.permissions import has_role
from ..state import current_livechat
from .access import require_agent


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/admin/", "admin", admin_index)
    blueprint.add_url_rule("/admin/canned", "canned_save", canned_save, methods=["POST"])
    blueprint.add_url_rule(
        "/admin/canned/<int:canned_id>/delete", "canned_delete", canned_delete, methods=["POST"]
    )
    blueprint.add_url_rule("/admin/blocks/<int:block_id>/lift", "block_lift", block_lift, methods=["POST"])


def csrf_scope(agent: Agent) -> str:
    """The CSRF scope of every admin form (the privacy tools use it too)."""
    return f"admin:{agent.user_id}"


def _require_admin(*, form: bool = False) -> Agent:
    agent = require_agent()
    if not has_role(agent, "admin"):
        abort(403, "Only admins can manage the live chat.")
    if form:
        check_csrf(csrf_scope(agent))
    return agent


def admin_index() -> str:
    agent = _require_admin()
    state = current_livechat
    return render_template(
        "livechat/admin/index.html",
        canned=state.canned.responses(),
        blocks=state.moderation.active_blocks(),
        log=state.moderation.log(limit=100),
        mail=state.moderation.mail_log(limit=100),
        csrf_token=csrf_token(csrf_scope(agent)),
    )


def canned_save() -> BaseResponse:
    _require_admin(form=True)
    raw_id = request.form.get("id", "").strip()
    shortcut = request.form.get("shortcut", "").strip().lstrip("/").lower()
    body = request.form.get("body", "").strip()
    canned_id = int(raw_id) if raw_id.isdigit() else None
    if raw_id and canned_id is None:
        abort(400, "Not a canned response id.")
    problem = canned_problem(shortcut, body)
    if problem is not None:
        flash(problem[1], "error")
    elif not current_livechat.canned.save(canned_id, shortcut, body):
        flash(f"/{shortcut} is already taken (or that response was deleted).", "error")
    else:
        flash(f"Saved /{shortcut}.", "info")
    return redirect(url_for("livechat.admin"))


def canned_delete(canned_id: int) -> BaseResponse:
    _require_admin(form=True)
    if current_livechat.canned.delete(canned_id):
        flash("Deleted.", "info")
    else:
        flash("That canned response no longer exists.", "error")
    return redirect(url_for("livechat.admin"))


def block_lift(block_id: int) -> BaseResponse:
    agent = _require_admin(form=True)
    if current_livechat.moderation.lift_from_admin(block_id, agent.name):
        flash("Block lifted.", "info")
    else:
        flash("That block is no longer active.", "error")
    return redirect(url_for("livechat.admin"))
