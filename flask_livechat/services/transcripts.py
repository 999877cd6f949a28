"""A conversation's transcript by email to the visitor, through services/mail.py (which logs it)."""

from __future__ import annotations

import logging
import smtplib
from datetime import UTC

from babel.dates import format_datetime
from flask import Flask, current_app, render_template_string

from .. import i18n
from ..errors import ConflictError, LiveChatError
from ..store import Store
from ..store.records import MailRecord
from .chat import Agent
from .history import HistoryService, Transcript
from .mail import MailNotConfigured, send_mail, visitor_language

logger = logging.getLogger("flask_livechat")


class MailFailed(LiveChatError):
    """Said to the agent who asked; the technical reason goes to the log and the admins' mail log."""

    error_code = "mail_failed"
    message = "The email could not be sent. Please try again later; an admin can see why in the mail log."


class MailNotSetUp(MailFailed):
    message = "Email is not set up on this site, so the transcript cannot be sent."


class MailBadAddress(MailFailed):
    message = "This visitor's email address cannot be used, so the transcript cannot be sent."


_HTML = """<!doctype html><html><body style="font-family:sans-serif">
<h1 style="font-size:18px">{{ heading }}</h1>
{% if answers %}<dl>{% for label, value in answers %}<dt><strong>{{ label }}</strong></dt><dd>{{ value }}</dd>
{% endfor %}</dl>{% endif %}
{% for m in messages %}{% if m.system %}
<p style="text-align:center;color:#4b5563"><small>{{ m.time }}</small> <em>{{ m.body }}</em></p>
{% else %}
<p><strong>{{ m.who }}</strong> <small>{{ m.time }}</small><br>{{ m.body }}</p>
{% endif %}{% endfor %}
</body></html>"""


def render(app: Flask, transcript: Transcript, language: str) -> tuple[str, str, str]:
    """(subject, text, html) of a transcript email in the visitor's ``language``: their own form answers
    and the messages, never internal notes. System lines have no author: they are written as plain lines in
    italics, worded as the widget words them."""
    words = i18n.strings(app, language)
    locale = language.replace("-", "_")
    try:
        started = format_datetime(transcript.started_at, "medium", tzinfo=UTC, locale=locale) + " UTC"
    except ValueError:  # a host-added language Babel has no data for
        started = transcript.started_at.strftime("%Y-%m-%d %H:%M UTC")
    heading = i18n.translate(language, "Your chat on %(date)s", date=started)
    lines = [heading, ""]
    if transcript.answers:
        lines += [f"{label}: {value}" for label, value in transcript.answers] + [""]
    rows = []
    for message in transcript.messages:
        time = message.created_at.strftime("%H:%M")
        system = message.sender == "system"
        event = i18n.system_event(message.client_id, message.author) if system else None
        body = i18n.visitor_system_line(app, language, event) if event else message.body
        who = words["you"] if message.sender == "visitor" else message.author or words["agent"]
        lines.append(f"[{time}] {body}" if system else f"[{time}] {who}: {body}")
        rows.append({"who": who, "time": time, "body": body, "system": system})
    html = render_template_string(
        _HTML, heading=heading, messages=rows, answers=transcript.answers
    )  # autoescaped
    subject = i18n.translate(language, "Transcript of your chat on %(date)s", date=started)
    return subject, "\n".join(lines) + "\n", html


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
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        language = visitor_language(app, self._store, transcript.conversation.visitor_id)
        subject, text, html = render(app, transcript, language)
        error: str | None = None
        sent = True
        failure: type[MailFailed] = MailFailed
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
                language=language,
            )
        except MailNotConfigured as exc:
            logger.warning("flask-livechat: transcript email not sent: %s", exc)
            error, failure = str(exc), MailNotSetUp
        except ValueError as exc:  # an address stored before addresses were checked this strictly
            error, failure = f"The visitor's email address cannot be used: {exc}", MailBadAddress
        except (smtplib.SMTPException, OSError) as exc:
            logger.warning("flask-livechat: transcript email failed: %s", exc)
            error = f"{type(exc).__name__}: {exc}"
        if error:
            raise failure()  # the detail is in the log and the admins' mail log, not for the agent
        if not sent:
            raise ConflictError("The visitor unsubscribed from these emails, so none was sent.")
        return self._store.mail.mail_log(conversation_id, limit=1)[0]
