"""Outgoing mail over SMTP: transactional and promotional kept apart, an unsubscribe link in every message.

Transactional mail answers something the person did (a transcript they asked for, a reply to their offline
message); promotional mail is anything else. Each kind has its own opt-out, recorded from a signed link
without a login and honoured from the next message on.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from flask import Flask, url_for

from ..identity import sign
from ..store import Store

MAIL_KINDS = ("transactional", "promotional")


class MailNotConfigured(RuntimeError):
    """Raised when mail is sent without ``LIVECHAT_MAIL_SENDER``: say who mail comes from first."""


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
) -> bool:
    """Sends one message; ``False`` (and nothing sent) when the recipient opted out of this kind.

    Must run inside a request or with ``SERVER_NAME`` set, so the unsubscribe link is absolute.
    """
    if kind not in MAIL_KINDS:
        raise ValueError(f"kind must be one of {MAIL_KINDS}")
    config = app.config
    sender = config["LIVECHAT_MAIL_SENDER"]
    if not sender:
        raise MailNotConfigured("Set LIVECHAT_MAIL_SENDER (and LIVECHAT_MAIL_SERVER) to send mail.")
    address = to.strip().lower()
    if store.is_opted_out(address, kind):
        return False
    link = unsubscribe_url(app, address, kind)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = address
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["List-Unsubscribe"] = f"<{link}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    footer = f"\n\n--\nTo stop these {kind} emails, open {link}\n"
    message.set_content(text + footer)
    if html is not None:
        message.add_alternative(f'{html}<hr><p><a href="{link}">Unsubscribe</a></p>', subtype="html")
    connection_class = smtplib.SMTP_SSL if config["LIVECHAT_MAIL_USE_SSL"] else smtplib.SMTP
    with connection_class(
        config["LIVECHAT_MAIL_SERVER"], config["LIVECHAT_MAIL_PORT"], timeout=config["LIVECHAT_MAIL_TIMEOUT"]
    ) as smtp:
        if config["LIVECHAT_MAIL_USE_TLS"]:
            smtp.starttls()
        if config["LIVECHAT_MAIL_USERNAME"]:
            smtp.login(config["LIVECHAT_MAIL_USERNAME"], config["LIVECHAT_MAIL_PASSWORD"] or "")
        smtp.send_message(message)
    return True
