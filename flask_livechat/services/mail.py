"""Outgoing mail over SMTP (stdlib ``smtplib``, ``LIVECHAT_MAIL_*``): transactional and promotional kept
apart, an unsubscribe link in every message.

Transactional mail answers something the person did (a transcript they asked for, a reply to their offline
message, the host's own notification about it); promotional mail is anything else. Each kind has its own
opt-out, recorded from a signed link without a login and honoured from the next message on.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import Flask, url_for

from ..identity import sign
from ..store import Store
from .contact import check_address
from .redact import clean

logger = logging.getLogger("flask_livechat")

MAIL_KINDS = ("transactional", "promotional")


class MailNotConfigured(RuntimeError):
    """Raised when mail is sent without ``LIVECHAT_MAIL_SERVER`` and ``LIVECHAT_MAIL_SENDER``."""


def mail_configured(app: Flask) -> bool:
    return bool(app.config["LIVECHAT_MAIL_SERVER"] and app.config["LIVECHAT_MAIL_SENDER"])


def unsubscribe_url(app: Flask, email: str, kind: str) -> str:
    token = sign(app, "unsubscribe", {"e": email, "k": kind})
    return url_for("livechat_privacy.unsubscribe", token=token, _external=True)


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
) -> bool:
    """Sends one message; ``False`` (and nothing sent) when the recipient opted out of this kind.

    SMTP failures raise (``OSError``, ``smtplib.SMTPException``); a recipient or ``reply_to`` that is not one
    plain address (services/contact.py) raises ``ValueError`` before anything is sent. Must run inside a
    request, or with ``SERVER_NAME`` set, so the unsubscribe link is absolute. ``html`` must already be
    escaped.
    """
    if kind not in MAIL_KINDS:
        raise ValueError(f"kind must be one of {MAIL_KINDS}")
    if not mail_configured(app):
        raise MailNotConfigured("Set LIVECHAT_MAIL_SERVER and LIVECHAT_MAIL_SENDER to send mail.")
    config = app.config
    sender = config["LIVECHAT_MAIL_SENDER"]
    # Whatever was stored before addresses were checked this strictly: one plain recipient or none (a
    # ValueError), compared with opt-outs in its normalised form.
    address = check_address(to)
    reply_to = check_address(reply_to) if reply_to else None
    if store.privacy.is_opted_out(address, kind):
        return False
    subject, text = clean(subject), clean(text)
    html = clean(html) if html is not None else None
    link = unsubscribe_url(app, address, kind)
    message = EmailMessage()
    message["From"] = formataddr(("Live chat", sender))
    message["To"] = address
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    if reply_to:
        message["Reply-To"] = reply_to
    message["List-Unsubscribe"] = f"<{link}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(f"{text}\n\n--\nTo stop these {kind} emails, open {link}\n")
    if html is not None:
        message.add_alternative(f'{html}<hr><p><a href="{link}">Unsubscribe</a></p>', subtype="html")
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


def notify_host(app: Flask, store: Store, subject: str, text: str, *, reply_to: str | None = None) -> bool:
    """Best effort mail to the host's own inbox (``LIVECHAT_MAIL_TO``): what it reports on is already stored,
    so a failure is logged and answered with ``False``, never raised into a visitor's request."""
    if not mail_configured(app) or not app.config["LIVECHAT_MAIL_TO"]:
        return False
    try:
        return send_mail(app, store, app.config["LIVECHAT_MAIL_TO"], subject, text, reply_to=reply_to)
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
