"""Admin privacy tools: find a subject by visitor id, email or host user id; export; erase. All audited.

Every lookup writes an audit entry, so lookups are POSTs with the CSRF token (like export and erasure): a link
or a cross-site page cannot make an admin's browser search someone and write that into the audit log.
A GET shows the form and the log only.
"""

from __future__ import annotations

import json
from typing import Any

from flask import abort, current_app, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from ..csrf import check_csrf, csrf_token
from ..i18n import staff_text as _
from ..schemas import SubjectQuerySchema, load
from ..services.chat import Agent
from ..services.privacy import Subject
from ..state import current_livechat
from .access import require_agent
from .admin import csrf_scope

_query_schema = SubjectQuerySchema()


def _admin() -> Agent:
    return require_agent("admin")


def _subject(values: Any) -> Subject | None:
    keys = ("visitor_id", "email", "user_id")
    data = load(_query_schema, {key: values.get(key) or None for key in keys})
    if not any(data.values()):
        return None
    return Subject(visitor_id=data["visitor_id"], email=data["email"], host_user_id=data["user_id"])


def privacy_admin() -> str | BaseResponse:
    admin = _admin()
    subject = None
    found: list[dict[str, Any]] = []
    if request.method == "POST":
        check_csrf(csrf_scope(admin))
        subject = _subject(request.form)
        if subject is None:
            abort(400, _("Name the subject by visitor id, email or host user id."))
        found = current_livechat.privacy.exported_visitors(subject)
        current_livechat.privacy.record_view(subject, actor=admin.label, what="privacy search")
    return _page(admin, subject=subject, found=found, erased=None)


def _page(admin: Agent, *, subject: Subject | None, found: list[dict[str, Any]], erased: int | None) -> str:
    return render_template(
        "livechat/admin/privacy.html",
        subject=subject,
        query=request.form if subject is not None else {},
        found=found,
        audit=current_livechat.privacy.audit_entries(50),
        csrf_token=csrf_token(csrf_scope(admin)),
        erased=erased,
    )


def privacy_export() -> BaseResponse:
    admin = _admin()
    check_csrf(csrf_scope(admin))
    subject = _subject(request.form)
    if subject is None:
        abort(400, _("Name the subject by visitor_id, email or user_id."))
    document = current_livechat.privacy.export(subject, actor=admin.label)
    response = current_app.response_class(
        json.dumps(document, default=str, indent=2, ensure_ascii=False), mimetype="application/json"
    )
    response.headers["Content-Disposition"] = 'attachment; filename="subject-export.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


def privacy_erase() -> str | BaseResponse:
    admin = _admin()
    check_csrf(csrf_scope(admin))
    subject = _subject(request.form)
    if subject is None or request.form.get("confirm") != "yes":
        abort(400, _("Name the subject and tick the box to confirm the erasure."))
    erased = current_livechat.privacy.erase(subject, actor=admin.label)
    return _page(admin, subject=None, found=[], erased=erased)
