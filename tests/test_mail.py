"""SMTP delivery against a real server on loopback (aiosmtpd)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask

from flask_livechat.services.mail import notify_host
from tests.conftest import SmtpServer, build_app, free_port, mail_config


def test_mail_reaches_the_smtp_server(tmp_path: Any, smtp_server: SmtpServer) -> None:
    app = build_app(str(tmp_path), **mail_config(smtp_server))
    with app.test_request_context("/"):
        assert notify_host(
            app, app.extensions["livechat"].store, "Hello", "Body text", reply_to="ada@example.org"
        )
    [mail] = smtp_server.messages
    assert mail["To"] == "support@example.com"
    assert "chat@example.com" in mail["From"]
    assert mail["Reply-To"] == "ada@example.org"
    assert mail["Subject"] == "Hello"
    assert mail.get_content().startswith("Body text")


def test_without_a_mail_server_nothing_is_sent(app: Flask) -> None:
    with app.test_request_context("/"):
        assert notify_host(app, app.extensions["livechat"].store, "Hello", "Body") is False


def test_an_unreachable_server_is_reported_not_raised(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = build_app(
        str(tmp_path),
        LIVECHAT_MAIL_SERVER="127.0.0.1",
        LIVECHAT_MAIL_PORT=free_port(),
        LIVECHAT_MAIL_SENDER="chat@example.com",
        LIVECHAT_MAIL_TO="a@b.example",
    )
    with caplog.at_level(logging.ERROR, logger="flask_livechat"), app.test_request_context("/"):
        assert notify_host(app, app.extensions["livechat"].store, "Hello", "Body") is False
    assert "could not send mail" in caplog.text
