"""Service email over SMTP (stdlib ``smtplib``), configured with ``LIVECHAT_MAIL_*``.

Sending is best effort by design: the message it reports on is already stored, so a mail failure is
logged and reported to the caller, never raised into a visitor's request.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import Flask

logger = logging.getLogger("flask_livechat")


def mail_configured(app: Flask) -> bool:
    return bool(app.config["LIVECHAT_MAIL_HOST"])


def send_mail(app: Flask, *, subject: str, body: str, reply_to: str | None = None) -> bool:
    """Sends one plain-text mail to ``LIVECHAT_MAIL_TO``; ``False`` (and a log line) when it could not."""
    config = app.config
    if not mail_configured(app):
        return False
    message = EmailMessage()
    sender = config["LIVECHAT_MAIL_SENDER"] or config["LIVECHAT_MAIL_TO"]
    message["From"] = formataddr(("Live chat", sender))
    message["To"] = config["LIVECHAT_MAIL_TO"]
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    if reply_to:
        message["Reply-To"] = reply_to
    message.set_content(body)
    host, port, timeout = (
        config["LIVECHAT_MAIL_HOST"],
        config["LIVECHAT_MAIL_PORT"],
        config["LIVECHAT_MAIL_TIMEOUT"],
    )
    security = config["LIVECHAT_MAIL_SECURITY"]
    try:
        if security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if config["LIVECHAT_MAIL_USERNAME"]:
                smtp.login(config["LIVECHAT_MAIL_USERNAME"], config["LIVECHAT_MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        logger.exception("flask-livechat: could not send mail through %s:%s", host, port)
        return False
    return True
