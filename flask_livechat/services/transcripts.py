"""Transcript emails: an agent sends one to the visitor, or the visitor asks for their own from the widget
(at once to an address the host verified, else through a confirmation link sent to the address they gave)."""

from __future__ import annotations

import logging
import smtplib
from datetime import UTC
from typing import Any

from babel.dates import format_datetime
from flask import Flask, current_app, render_template_string, url_for

from .. import i18n
from ..errors import ConflictError, LiveChatError, NotFoundError
from ..identity import keyed_digest, sign, unsign
from ..store import Store
from ..store.records import MailRecord
from .chat import Agent
from .history import HistoryService, Transcript
from .mail import MailNotConfigured, mail_configured, mask_address, send_mail, visitor_language

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
        self._deliver(transcript, recipient, agent.name)
        return self._store.mail.mail_log(conversation_id, limit=1)[0]

    def _deliver(self, transcript: Transcript, recipient: str, requested_by: str) -> None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        language = visitor_language(app, self._store, transcript.conversation.visitor_id)
        subject, text, html = render(app, transcript, language)
        self._mail(
            recipient,
            subject,
            text,
            html=html,
            purpose="transcript",
            conversation_id=transcript.conversation.id,
            requested_by=requested_by,
            language=language,
        )

    def _mail(self, recipient: str, subject: str, text: str, **options: Any) -> None:
        """One service mail through services/mail.py (logged, with List-Unsubscribe); what went wrong is
        said to the person who asked in their words, the detail goes to the log and the admins' mail log."""
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        error: str | None = None
        sent = True
        failure: type[MailFailed] = MailFailed
        try:
            sent = send_mail(app, self._store, recipient, subject, text, **options)
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

    # --- the visitor asks from the widget -------------------------------------------------------------

    def offer(self, visitor_id: str, verified: str | None) -> str | None:
        """What the widget's "Email me this chat" says it goes to (masked), or ``None``: no mail set up, or
        no address to send to, so the widget offers nothing."""
        if not mail_configured(current_app._get_current_object()):  # type: ignore[attr-defined]
            return None
        found = self.visitor_address(visitor_id, verified)
        return mask_address(found[0]) if found else None

    def visitor_address(self, visitor_id: str, verified: str | None) -> tuple[str, bool] | None:
        """Where a visitor's own transcript may go: the address the host verified (the logged-in user's),
        else the one they gave the chat, which must be confirmed from its inbox first; ``None``: nowhere."""
        if verified:
            return verified, True
        visitor = self._store.visitors.get_visitor(visitor_id)
        return (visitor.email, False) if visitor and visitor.email else None

    def for_visitor(
        self, visitor_id: str, conversation_id: str | None, verified: str | None
    ) -> tuple[str, str]:
        """Mails the visitor's own transcript to a verified address now, or to an address they only typed a
        link that sends it (the first mail says nothing the visitor wrote: this is no relay for their text).
        Returns ("sent" or "confirm", the masked address)."""
        transcript = self._history.build_for_visitor(visitor_id, conversation_id)
        found = self.visitor_address(visitor_id, verified)
        if found is None:
            raise ConflictError("We do not know your email address yet, so there is nowhere to send it.")
        address, is_verified = found
        if is_verified:
            self._deliver(transcript, address, "visitor")
            return "sent", mask_address(address)
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        token = sign(
            app,
            CONFIRM_PURPOSE,
            {"c": transcript.conversation.id, "v": visitor_id, "d": address_digest(app, address)},
        )
        link = url_for("livechat_privacy.transcript_link", token=token, _external=True)
        language = visitor_language(app, self._store, visitor_id)
        text = "\n\n".join(
            (
                i18n.translate(
                    language,
                    "Someone asked for the transcript of a chat on our website to be sent to this address.",
                ),
                i18n.translate(language, "If it was you, open this link to get it:") + "\n" + link,
                i18n.translate(language, "If it was not you, ignore this email: nothing else will be sent."),
            )
        )
        self._mail(
            address,
            i18n.translate(language, "Confirm: send the transcript of your chat"),
            text + "\n",
            purpose="transcript_confirm",
            conversation_id=transcript.conversation.id,
            requested_by="visitor",
            language=language,
        )
        return "confirm", mask_address(address)

    def confirmed(self, token: str, *, send: bool) -> str | None:
        """The masked address a confirmation link stands for (still the visitor's, the conversation still
        theirs), sending the transcript when ``send``; ``None`` for an invalid, expired or stale link."""
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        claims = unsign(app, CONFIRM_PURPOSE, token, CONFIRM_MAX_AGE)
        if not isinstance(claims, dict) or not all(isinstance(claims.get(k), str) for k in ("c", "v", "d")):
            return None
        visitor = self._store.visitors.get_visitor(claims["v"])
        if visitor is None or not visitor.email or address_digest(app, visitor.email) != claims["d"]:
            return None
        try:
            transcript = self._history.build_for_visitor(visitor.id, claims["c"])
        except NotFoundError:
            return None
        if send:
            self._deliver(transcript, visitor.email, "visitor (confirmed by email)")
        return mask_address(visitor.email)


CONFIRM_PURPOSE = "transcript-confirm"
CONFIRM_MAX_AGE = 24 * 60 * 60


def address_digest(app: Any, address: str) -> str:
    """A keyed digest of an address: links and rate-limit keys carry it, never the address."""
    return keyed_digest(app, "transcript-address", address.strip().lower())[:32]
