"""A conversation's transcript by email to the visitor, through services/mail.py (which logs it)."""

from __future__ import annotations

import logging
import smtplib

from flask import current_app, render_template_string

from ..errors import ConflictError, LiveChatError
from ..store import Store
from ..store.records import MailRecord
from .chat import Agent
from .history import HistoryService, Transcript
from .mail import MailNotConfigured, send_mail

logger = logging.getLogger("flask_livechat")


class MailFailed(LiveChatError):
    error_code = "mail_failed"
    message = "The email could not be sent; the failure is in the send log. Check LIVECHAT_MAIL_* and retry."


_HTML = """<!doctype html><html><body style="font-family:sans-serif">
<h1 style="font-size:18px">Your chat on {{ started }}</h1>
{% for m in messages %}
<p><strong>{{ m.who }}</strong> <small>{{ m.time }}</small><br>{{ m.body }}</p>
{% endfor %}
</body></html>"""


def _who(sender: str, author: str | None) -> str:
    return {"visitor": "You", "agent": author or "Agent"}.get(sender, "—")


def render(transcript: Transcript) -> tuple[str, str, str]:
    """(subject, text, html) of a transcript email: the messages only, never internal notes."""
    started = transcript.started_at.strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"Your chat on {started}", ""]
    rows = []
    for message in transcript.messages:
        who = _who(message.sender, message.author)
        time = message.created_at.strftime("%H:%M")
        lines.append(f"[{time}] {who}: {message.body}")
        rows.append({"who": who, "time": time, "body": message.body})
    html = render_template_string(_HTML, started=started, messages=rows)  # autoescaped
    return f"Transcript of your chat on {started}", "\n".join(lines) + "\n", html


class TranscriptMailer:
    def __init__(self, store: Store, history: HistoryService) -> None:
        self._store = store
        self._history = history

    def send(self, agent: Agent, conversation_id: str) -> MailRecord:
        transcript = self._history.build(agent, conversation_id)
        visitor = self._store.visitors.get_visitor(transcript.conversation.visitor_id)
        recipient = visitor.email if visitor else None
        if not recipient:
            raise ConflictError(
                "We do not know this visitor's email address, so there is nowhere to send it."
            )
        subject, text, html = render(transcript)
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        error: str | None = None
        sent = True
        try:
            sent = send_mail(
                app,
                self._store,
                recipient,
                subject,
                text,
                html=html,
                purpose="transcript",
                conversation_id=conversation_id,
                requested_by=agent.name,
            )
        except MailNotConfigured as exc:
            error = str(exc)
        except ValueError as exc:  # an address stored before addresses were checked this strictly
            error = f"The visitor's email address cannot be used: {exc}"
        except (smtplib.SMTPException, OSError) as exc:
            logger.warning("flask-livechat: transcript email failed: %s", exc)
            error = f"{type(exc).__name__}: {exc}"
        if error:
            raise MailFailed(fields={"mail": [error]})
        if not sent:
            raise ConflictError("The visitor unsubscribed from these emails, so none was sent.")
        return self._store.mail.mail_log(conversation_id, limit=1)[0]
