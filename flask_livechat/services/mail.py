"""Outgoing mail over SMTP (stdlib ``smtplib``, ``LIVECHAT_MAIL_*``): transactional and promotional kept
apart, an unsubscribe link in every message, every attempt in the mail log.

Transactional mail answers something the person did (a transcript they asked for, a reply to their offline
message, the host's own notification about it); promotional mail is anything else. Each kind has its own
opt-out, recorded from a link without a login (a page for people, RFC 8058 one-click for mail clients) and
honoured from the next message on.

Recipients are never stored as addresses here. An opt-out is a *suppression*: a keyed digest (HMAC-SHA256
under a key derived from ``SECRET_KEY`` for this purpose alone) of the normalised address (trimmed,
lower-cased; plus-addresses such as ``ada+news@example.com`` stay distinct, since what a ``+`` means is up to
each mail provider). Suppressions survive erasure, so erasing someone's chat data never resumes mail they
refused. The unsubscribe link carries a random id that stands for the same digest; the mail log keeps the
kind, the time, a masked recipient (``a•••@example.com``), its digest and the status.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import formataddr, make_msgid

from flask import Flask, url_for
from markupsafe import escape

from .. import i18n
from ..identity import keyed_digest, keyed_digests, sign
from ..store import Store
from .contact import check_address, normalize_address
from .redact import clean

logger = logging.getLogger("flask_livechat")

MAIL_KINDS = ("transactional", "promotional")

#: What a mail-log row says the mail was.
PURPOSES = ("transcript", "transcript_confirm", "offline_notice", "offline_reply", "host_mail")

# RFC 5322 allows 998 characters a line; the default 78 makes the email package fold a long
# ``List-Unsubscribe: <https://…>`` into RFC 2047 encoded words, which mail clients do not read as a URL.
_POLICY = default_policy.clone(max_line_length=998)


class MailNotConfigured(RuntimeError):
    """Raised when mail is sent without ``LIVECHAT_MAIL_SERVER`` and ``LIVECHAT_MAIL_SENDER``."""


def mail_configured(app: Flask) -> bool:
    return bool(app.config["LIVECHAT_MAIL_SERVER"] and app.config["LIVECHAT_MAIL_SENDER"])


def recipient_digests(app: Flask, address: str) -> list[str]:
    """The address's suppression digests, under ``SECRET_KEY`` first, then each fallback key."""
    return keyed_digests(app, "mail-suppression", normalize_address(address))


def visitor_language(app: Flask, store: Store, visitor_id: str) -> str:
    """The language of mail to a visitor: the widget's, from the browser language of their latest visit."""
    visits = store.visitors.visits_of(visitor_id)
    accepted = visits[-1].get("language") if visits else None
    return i18n.visitor_language(app, accepted)


def mask_address(address: str) -> str:
    """A reference staff can recognise, not the address: ``carol@example.com`` is ``c•••@example.com``."""
    local, at, domain = normalize_address(address).rpartition("@")
    if not at:
        return "•••"
    return f"{local[:1]}•••@{domain}"


def unsubscribe_url(app: Flask, store: Store, email: str, kind: str) -> str:
    digest = keyed_digest(app, "mail-suppression", normalize_address(email))
    link_id = store.mail.unsubscribe_link(digest, kind)
    return url_for("livechat_privacy.unsubscribe", token=sign(app, "unsubscribe", link_id), _external=True)


def is_suppressed(app: Flask, store: Store, email: str, kind: str) -> bool:
    return store.mail.is_suppressed(recipient_digests(app, email), kind)


def suppress(app: Flask, store: Store, email: str, kind: str) -> None:
    store.mail.suppress(keyed_digest(app, "mail-suppression", normalize_address(email)), kind)


def _error_text(error: BaseException) -> str:
    """The failure for the log: its class and SMTP code, not the server's words (they can quote addresses)."""
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{type(error).__name__} (SMTP {error.smtp_code})"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({str(code) for code, _ in error.recipients.values()})
        return f"SMTPRecipientsRefused (SMTP {', '.join(codes)})"
    if isinstance(error, ValueError):
        return "ValueError (not one plain email address)"
    return type(error).__name__


def send_mail(
    app: Flask,
    store: Store,
    to: str,
    subject: str,
    text: str,
    *,
    kind: str = "transactional",
    html: str | None = None,
    reply_to: str | None = None,
    purpose: str = "host_mail",
    conversation_id: str | None = None,
    requested_by: str | None = None,
    language: str = i18n.DEFAULT_LANGUAGE,
) -> bool:
    """Sends one message, its unsubscribe footer in ``language``; ``False`` (and nothing sent) when the
    recipient opted out of this kind.

    Every attempt is in the mail log (``purpose``, ``conversation_id`` and ``requested_by`` say what it was),
    failures included. SMTP failures raise (``OSError``, ``smtplib.SMTPException``); a recipient or
    ``reply_to`` that is not one plain address (services/contact.py) raises ``ValueError`` before anything is
    sent. Must run inside a request, or with ``SERVER_NAME`` set, so the unsubscribe link is absolute.
    ``html`` must already be escaped.
    """
    if kind not in MAIL_KINDS:
        raise ValueError(f"kind must be one of {MAIL_KINDS}")
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}")

    def log(status: str, error: str | None = None) -> None:
        store.mail.log_mail(
            kind=purpose,
            category=kind,
            conversation_id=conversation_id,
            recipient=mask_address(to),
            recipient_digest=keyed_digest(app, "mail-suppression", normalize_address(to)),
            status=status,
            error=error,
            requested_by=requested_by,
        )

    try:
        sent = _send(
            app, store, to, subject, text, kind=kind, html=html, reply_to=reply_to, language=language
        )
    except MailNotConfigured:
        log("failed", "MailNotConfigured")
        raise
    except (ValueError, OSError, smtplib.SMTPException) as error:
        log("failed", _error_text(error))
        raise
    log("sent" if sent else "opted_out")
    return sent


def _send(
    app: Flask,
    store: Store,
    to: str,
    subject: str,
    text: str,
    *,
    kind: str,
    html: str | None,
    reply_to: str | None,
    language: str,
) -> bool:
    if not mail_configured(app):
        raise MailNotConfigured("Set LIVECHAT_MAIL_SERVER and LIVECHAT_MAIL_SENDER to send mail.")
    config = app.config
    sender = config["LIVECHAT_MAIL_SENDER"]
    # Whatever was stored before addresses were checked this strictly: one plain recipient or none (a
    # ValueError), compared with opt-outs in its normalised form.
    address = check_address(to)
    reply_to = check_address(reply_to) if reply_to else None
    if is_suppressed(app, store, address, kind):
        return False
    subject, text = clean(subject), clean(text)
    html = clean(html) if html is not None else None
    link = unsubscribe_url(app, store, address, kind)
    message = EmailMessage(policy=_POLICY)
    message["From"] = formataddr(("Live chat", sender))
    message["To"] = address
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    if reply_to:
        message["Reply-To"] = reply_to
    message["List-Unsubscribe"] = f"<{link}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if kind == "promotional":
        footer = i18n.translate(language, "To stop these promotional emails, open %(link)s", link=link)
    else:
        footer = i18n.translate(language, "To stop these transactional emails, open %(link)s", link=link)
    message.set_content(f"{text}\n\n--\n{footer}\n")
    if html is not None:
        unsubscribe = escape(i18n.translate(language, "Unsubscribe"))
        message.add_alternative(f'{html}<hr><p><a href="{link}">{unsubscribe}</a></p>', subtype="html")
    timeout = config["LIVECHAT_MAIL_TIMEOUT"]
    server, port = config["LIVECHAT_MAIL_SERVER"], config["LIVECHAT_MAIL_PORT"]
    if config["LIVECHAT_MAIL_USE_SSL"]:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            server, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(server, port, timeout=timeout)
    with smtp:
        if config["LIVECHAT_MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["LIVECHAT_MAIL_USERNAME"]:
            smtp.login(config["LIVECHAT_MAIL_USERNAME"], config["LIVECHAT_MAIL_PASSWORD"] or "")
        smtp.send_message(message)
    return True


def notify_host(
    app: Flask,
    store: Store,
    subject: str,
    text: str,
    *,
    reply_to: str | None = None,
    conversation_id: str | None = None,
) -> bool:
    """Best effort mail to the host's own inbox (``LIVECHAT_MAIL_TO``): what it reports on is already stored,
    so a failure is logged and answered with ``False``, never raised into a visitor's request."""
    if not mail_configured(app) or not app.config["LIVECHAT_MAIL_TO"]:
        return False
    try:
        return send_mail(
            app,
            store,
            app.config["LIVECHAT_MAIL_TO"],
            subject,
            text,
            reply_to=reply_to,
            purpose="offline_notice",
            conversation_id=conversation_id,
            language=i18n.host_language(app),
        )
    except ValueError as error:
        logger.warning("flask-livechat: mail to the host not sent: %s", error)
        return False
    except (OSError, smtplib.SMTPException):
        logger.exception(
            "flask-livechat: could not send mail through %s:%s",
            app.config["LIVECHAT_MAIL_SERVER"],
            app.config["LIVECHAT_MAIL_PORT"],
        )
        return False
