"""Leave-a-message: stored as a conversation for agents, then mailed to the host's address."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import current_app, url_for

from ..store import Store, StoredMessage
from .chat import ChatService
from .mail import notify_host
from .prechat import save_answers


@dataclass(frozen=True)
class LeftMessage:
    stored: StoredMessage
    emailed: bool


def leave_message(
    store: Store, chat: ChatService, visitor_id: str | None, *, name: str, email: str, message: str
) -> LeftMessage:
    """Persist first (the visitor's message is never lost to a mail outage), then mail."""
    visitor = store.get_visitor(visitor_id) if visitor_id else None
    if visitor is None:
        visitor = store.create_visitor(persistent=False)
    save_answers(store, visitor.id, {"name": name, "email": email})
    stored = chat.send_visitor_message(visitor.id, client_id=f"offline-{uuid.uuid4().hex}", body=message)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    console = url_for("livechat.console", _external=True)
    body = (
        f"{name} <{email}> left a message while no one was online:\n\n{message}\n\n"
        f"Reply to this email to answer them, or open the conversation in the console: {console}\n"
        f"(conversation {stored.conversation.id})\n"
    )
    emailed = notify_host(app, store, f"Live chat: message from {name}", body, reply_to=email)
    return LeftMessage(stored=stored, emailed=emailed)
