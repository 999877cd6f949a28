"""Sends one email through the SMTP server in LIVECHAT_MAIL_*, with the standard library only."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from flask import Flask


class MailNotConfigured(RuntimeError):
    """LIVECHAT_MAIL_SERVER is not set."""


def send_mail(app: Flask, to: str, subject: str, text: str, html: str | None = None) -> None:
    """Sends a plain-text email (with an HTML alternative when given); raises on any SMTP failure."""
    config = app.config
    server = config["LIVECHAT_MAIL_SERVER"]
    if not server:
        raise MailNotConfigured("Set LIVECHAT_MAIL_SERVER and LIVECHAT_MAIL_SENDER to send email.")
    message = EmailMessage()
    message["From"] = config["LIVECHAT_MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=str(config["LIVECHAT_MAIL_SENDER"]).rpartition("@")[2] or None)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    timeout = config["LIVECHAT_MAIL_TIMEOUT"]
    smtp_class = smtplib.SMTP_SSL if config["LIVECHAT_MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(server, config["LIVECHAT_MAIL_PORT"], timeout=timeout) as smtp:
        if config["LIVECHAT_MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["LIVECHAT_MAIL_USERNAME"]:
            smtp.login(config["LIVECHAT_MAIL_USERNAME"], config["LIVECHAT_MAIL_PASSWORD"] or "")
        smtp.send_message(message)
