"""Leave-a-message: stored as a conversation for agents, then mailed to the host's address."""

from __future__ import annotations

import logging
import smtplib
import uuid
from dataclasses import dataclass

from flask import current_app, url_for

from .. import i18n
from ..store import Store, StoredMessage
from .chat import ChatService
from .mail import mail_configured, notify_host, send_mail, visitor_language
from .prechat import save_answers
from .redact import clean

logger = logging.getLogger("flask_livechat")


@dataclass(frozen=True)
class LeftMessage:
    stored: StoredMessage
    emailed: bool


def leave_message(
    store: Store, chat: ChatService, visitor_id: str | None, *, name: str, email: str, message: str
) -> LeftMessage:
    """Persist first (the visitor's message is never lost to a mail outage), then mail."""
    visitor = store.visitors.get_visitor(visitor_id) if visitor_id else None
    if visitor is None:  # a page session's visitor keeps its id: the widget may delete what it left
        visitor = store.visitors.create_visitor(persistent=False, visitor_id=visitor_id)
    name = clean(name)
    save_answers(store, visitor.id, {"name": name, "email": email})
    stored = chat.send_visitor_message(visitor.id, client_id=f"offline-{uuid.uuid4().hex}", body=message)
    message = stored.message.body  # as stored: masked, so the mail carries no more than the database
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    console = url_for("livechat.console", _external=True)
    language = i18n.host_language(app)
    body = "\n\n".join(
        [
            i18n.translate(
                language,
                "%(name)s <%(email)s> left a message while no one was online:",
                name=name,
                email=email,
            ),
            message,
            i18n.translate(
                language,
                "Reply to this email to answer them, or open the conversation in the console: %(url)s",
                url=console,
            )
            + "\n"
            + i18n.translate(language, "(conversation %(id)s)", id=stored.conversation.id),
        ]
    )
    emailed = notify_host(
        app,
        store,
        i18n.translate(language, "Live chat: message from %(name)s", name=name),
        body + "\n",
        reply_to=email,
        conversation_id=stored.conversation.id,
    )
    return LeftMessage(stored=stored, emailed=emailed)


def mail_reply(store: Store, stored: StoredMessage) -> bool:
    """An agent's answer in a conversation that began as a left message is mailed to the visitor (a
    transactional mail, with its unsubscribe link): they left because no one was there, so they are not on the
    page to read it. Best effort: ``False`` when there is nothing to send or the mail server fails."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if stored.duplicate or stored.message.sender != "agent" or not mail_configured(app):
        return False
    first = store.conversations.messages_of(stored.conversation.id, limit=1)
    if not first or not first[0].client_id.startswith("offline-"):
        return False
    visitor = store.visitors.get_visitor(stored.conversation.visitor_id)
    if visitor is None or not visitor.email:
        return False
    author = stored.message.author
    site = app.config["LIVECHAT_COMPANY_NAME"] or app.name
    language = visitor_language(app, store, visitor.id)
    if author:
        said = i18n.translate(
            language, "%(author)s replied to the message you left on %(site)s:", author=author, site=site
        )
    else:
        said = i18n.translate(language, "We replied to the message you left on %(site)s:", site=site)
    text = f"{said}\n\n{stored.message.body}\n"
    try:
        return send_mail(
            app,
            store,
            visitor.email,
            i18n.translate(language, "Re: your message to %(site)s", site=site),
            text,
            kind="transactional",
            purpose="offline_reply",
            conversation_id=stored.conversation.id,
            requested_by=author or "We",
            language=language,
        )
    except ValueError:
        logger.warning("flask-livechat: the reply to a left message not mailed: the address is not valid")
        return False
    except (OSError, smtplib.SMTPException):
        logger.exception("flask-livechat: could not mail the reply to a left message")
        return False


class OfflineService:
    """Leave-a-message and the mailed answers to it, bound to one app's store and chat."""

    def __init__(self, store: Store, chat: ChatService) -> None:
        self._store = store
        self._chat = chat

    def leave(self, visitor_id: str | None, *, name: str, email: str, message: str) -> LeftMessage:
        return leave_message(self._store, self._chat, visitor_id, name=name, email=email, message=message)

    def mail_reply(self, stored: StoredMessage) -> bool:
        return mail_reply(self._store, stored)
