"""The optional pre-chat form: its answers are checked against ``LIVECHAT_PRECHAT_FIELDS``."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from ..errors import InvalidPayload, NotFoundError
from ..i18n import DEFAULT_LANGUAGE, strings
from ..store import Store
from ..widget_config import prechat_fields
from .contact import check_address, line_problem
from .redact import clean_values


def check_answers(answers: dict[str, Any], language: str) -> dict[str, str]:
    """Field by field, with messages in the visitor's language; unknown fields are refused."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    words = strings(app, language)
    fields = prechat_fields(app, language)
    known = {field["name"] for field in fields}
    errors: dict[str, list[str]] = {name: ["Unknown field."] for name in answers if name not in known}
    cleaned: dict[str, str] = {}
    for field in fields:
        raw = str(answers.get(field["name"]) or "")
        value = raw.strip()
        problem = None
        if field["type"] != "textarea":
            # One line: a control or line-separator character is refused (never silently dropped), so nothing
            # is smuggled into names or headers; runs of spaces are collapsed.
            problem = words["line_invalid"].format(field=field["label"]) if line_problem(raw) else None
            value = " ".join(part for part in value.split(" ") if part)
        problem = problem or field_problem(field, value, words)
        if problem:
            errors[field["name"]] = [problem]
        elif value:
            cleaned[field["name"]] = check_address(value) if field["type"] == "email" else value
    if errors:
        raise InvalidPayload(fields=errors)
    return cleaned


def field_problem(field: dict[str, Any], value: str, words: dict[str, str]) -> str | None:
    """The same rules the widget applies before sending (widget_assets/src/forms.js)."""
    if not value:
        return words["required"].format(field=field["label"]) if field["required"] else None
    if len(value) > field["max_length"]:
        return words["too_long"].format(field=field["label"], max=field["max_length"])
    if field["type"] == "email" and not _is_address(value):
        return words["email_invalid"]
    if field["type"] == "select" and value not in field["options"]:
        return words["required"].format(field=field["label"])
    return None


def _is_address(value: str) -> bool:
    try:
        check_address(value)
    except ValueError:
        return False
    return True


def contact_keys(app: Flask) -> dict[str, frozenset[str]]:
    """Which answers of the pre-chat and leave-a-message forms hold the visitor's name and email: what a
    correction of either must change too. The leave-a-message form stores ``name`` and ``email``."""
    emails = {"email"}
    for raw in app.config["LIVECHAT_PRECHAT_FIELDS"]:
        field = {"name": raw} if isinstance(raw, str) else raw
        if field.get("type", "email" if field.get("name") == "email" else "text") == "email":
            emails.add(field["name"])
    return {"name": frozenset({"name"}), "email": frozenset(emails)}


def labelled_answers(app: Flask, profile: dict[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """What the visitor answered, as (label, value) in the form's order, for agents and transcripts.

    Name and email are left out (they are on the visitor already); an answer to a field no longer
    configured keeps its field name as label, so nothing the visitor said is hidden."""
    if not profile:
        return ()
    labels = {field["name"]: field["label"] for field in prechat_fields(app, DEFAULT_LANGUAGE)}
    order = [name for name in labels if name in profile] + sorted(set(profile) - set(labels))
    return tuple(
        (labels.get(name, name), str(profile[name]))
        for name in order
        if name not in ("name", "email") and str(profile[name] or "").strip()
    )


def save_answers(store: Store, visitor_id: str, answers: dict[str, str]) -> None:
    try:
        store.profiles.save_profile(visitor_id, clean_values(answers))
    except LookupError:
        raise NotFoundError("Your visitor record is gone; reload the page to start again.") from None
