"""The host user behind a visitor and their billing summary: read from the host's seams, shown to agents."""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any

from ..host import display_name, field, user_id
from ..host_request import current_host_user

logger = logging.getLogger("flask_livechat")


def customer_snapshot(livechat: Any) -> tuple[str | None, dict[str, Any] | None, bool]:
    """(host user id, customer context, is staff) of the visitor making this request, from ``user_loader``,
    ``role_loader`` and ``billing_loader``; ``(None, None, False)`` for anonymous visitors. Staff get no
    customer context. Never fails the visitor's connection."""
    try:
        user = current_host_user()
        if user is None:
            return None, None, False
        identifier = user_id(user)
        if livechat.load_role(user) is not None:
            return identifier, None, True
        email = field(user, "email")
        context: dict[str, Any] = {
            "user": {
                "id": identifier,
                "name": display_name(user) if identifier else None,
                "email": email if isinstance(email, str) else None,
            },
            "billing": None,
        }
        billing = livechat.load_billing(user)
        if billing is not None:
            summary = dataclasses.asdict(billing)
            renews = summary.get("renews_on")
            summary["renews_on"] = renews.isoformat() if renews is not None else None
            context["billing"] = summary
        return identifier, context, False
    except Exception:
        logger.exception("flask-livechat: the host's user_loader or billing_loader failed")
        return None, None, False


def remember_customer(
    store: Any, visitor: Any, host_user_id: str | None, context: dict[str, Any] | None, staff: bool
) -> None:
    """Marks staff, or links a logged-in customer's visitor record to them, keeping any name or email the
    visitor gave the chat themselves."""
    if staff:
        store.visitors.update_visitor(visitor.id, staff=True)
    elif host_user_id is not None and context is not None:
        user = context["user"]
        store.visitors.update_visitor(
            visitor.id,
            host_user_id=host_user_id,
            name=visitor.name or user["name"],
            email=visitor.email or user["email"],
        )


def encode(context: dict[str, Any] | None) -> str | None:
    return None if context is None else json.dumps(context, separators=(",", ":"))


def decode(stored: str | None) -> dict[str, Any] | None:
    if not stored:
        return None
    value = json.loads(stored)
    return value if isinstance(value, dict) else None
