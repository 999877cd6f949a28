"""Transcript by email to the visitor, through a real SMTP server on loopback (aiosmtpd), with a send log."""

from __future__ import annotations

import email
from collections.abc import Iterator
from email.message import Message
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask_socketio import SocketIO

from flask_livechat.config import ConfigError
from flask_livechat.state import LiveChatState
from tests.conftest import agent_client, build_app, free_port, say, visitor_client

AGENT_NS = "/livechat-agent"
VISITOR_NS = "/livechat"
SMTP_PORT = free_port()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    yield handler
    controller.stop()


MAIL = {
    "LIVECHAT_MAIL_SERVER": "127.0.0.1",
    "LIVECHAT_MAIL_PORT": SMTP_PORT,
    "LIVECHAT_MAIL_SENDER": "chat@example.com",
    "LIVECHAT_MAIL_TIMEOUT": 5,
}


def customer_chat(app: Flask, socketio: SocketIO) -> tuple[Any, str]:
    """Carol, logged in to the host (so her email is known), asks a question; Ada answers and notes."""
    http = app.test_client()
    http.get("/login-as/carol")
    carol = visitor_client(app, socketio, "/", http=http)
    conversation = say(carol, "Where is my <invoice>?", "c-mail-0001")["conversation_id"]
    ada = agent_client(app, socketio, "ada")
    ada.emit(
        "send_message",
        {"conversation_id": conversation, "client_id": "c-mail-0002", "body": "It is in your account page."},
        namespace=AGENT_NS,
        callback=True,
    )
    ada.emit(
        "add_note",
        {"conversation_id": conversation, "client_id": "note-mail-01", "body": "internal only"},
        namespace=AGENT_NS,
        callback=True,
    )
    carol.disconnect(VISITOR_NS)
    return ada, conversation


@pytest.mark.livechat_config(**MAIL)
def test_transcript_is_emailed_and_logged(
    app: Flask, socketio: SocketIO, livechat: LiveChatState, inbox: Inbox
) -> None:
    ada, conversation = customer_chat(app, socketio)
    ack = ada.emit("email_transcript", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True)
    assert ack["ok"], ack
    assert (ack["mail"]["recipient"], ack["mail"]["status"]) == ("c•••@example.com", "sent")

    ((sender, recipients, message),) = inbox.messages
    assert sender == "chat@example.com" and recipients == ["carol@example.com"]
    assert message["Subject"].startswith("Transcript of your chat on ")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "You: Where is my <invoice>?" in text and "Ada Agent: It is in your account page." in text
    assert "Where is my &lt;invoice&gt;?" in html  # escaped
    assert "internal only" not in text + html  # notes are never sent

    transcript = ada.emit("transcript", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True)
    assert [m["status"] for m in transcript["transcript"]["mail"]] == ["sent"]
    with app.app_context():
        (logged,) = livechat.store.mail.mail_log()
    assert (logged.kind, logged.requested_by, logged.error) == ("transcript", "Ada Agent", None)


@pytest.mark.livechat_config(**{**MAIL, "LIVECHAT_MAIL_PORT": free_port()})
def test_an_smtp_failure_is_logged_and_reported(
    app: Flask, socketio: SocketIO, livechat: LiveChatState
) -> None:
    ada, conversation = customer_chat(app, socketio)  # nothing listens on that port
    ack = ada.emit("email_transcript", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "mail_failed"
    with app.app_context():
        (logged,) = livechat.store.mail.mail_log()
    assert logged.status == "failed" and logged.error


def test_without_mail_config_the_attempt_is_logged(
    app: Flask, socketio: SocketIO, livechat: LiveChatState
) -> None:
    ada, conversation = customer_chat(app, socketio)
    ack = ada.emit("email_transcript", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True)
    # The agent reads what happened in their words; the configuration detail is for the admins' mail log.
    assert ack["error"]["code"] == "mail_failed", ack
    assert ack["error"]["message"].startswith("Email is not set up on this site"), ack
    assert "LIVECHAT" not in str(ack["error"]), ack
    with app.app_context():
        (logged,) = livechat.store.mail.mail_log()
    assert logged.status == "failed" and logged.error == "MailNotConfigured"  # the class, never server text


@pytest.mark.livechat_config(**MAIL)
def test_no_email_no_transcript(
    app: Flask, socketio: SocketIO, livechat: LiveChatState, inbox: Inbox
) -> None:
    guest = visitor_client(app, socketio, "/")
    conversation = say(guest, "anonymous question", "c-mail-0003")["conversation_id"]
    ada = agent_client(app, socketio, "ada")
    ack = ada.emit("email_transcript", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True)
    assert ack["error"]["code"] == "conflict" and inbox.messages == []
    for bad in ({}, {"conversation_id": "missing"}, {"conversation_id": conversation, "to": "x@example.com"}):
        ack = ada.emit("email_transcript", bad, namespace=AGENT_NS, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] in {"invalid", "not_found"}
    with app.app_context():
        assert livechat.store.mail.mail_log() == []
    guest.disconnect(VISITOR_NS)


@pytest.mark.parametrize(
    "config",
    [
        {"LIVECHAT_MAIL_SERVER": "smtp.example.com"},
        {"LIVECHAT_MAIL_USE_TLS": True, "LIVECHAT_MAIL_USE_SSL": True},
        {"LIVECHAT_MAIL_PORT": 0},
    ],
)
def test_bad_mail_config_fails_at_start_up(tmp_path: Any, config: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="LIVECHAT_MAIL"):
        build_app(str(tmp_path), **config)


@pytest.mark.livechat_config(
    **MAIL, LIVECHAT_PRECHAT_FIELDS=["name", "email", {"name": "order", "label": "Order number"}]
)
def test_the_pre_chat_answers_and_system_lines(
    app: Flask, socketio: SocketIO, livechat: LiveChatState, inbox: Inbox
) -> None:
    """Issue 14, point 1 and 2: the answers reach the agent (details, transcript, email); a system line is a
    line of its own, never "—: …"."""
    guest = visitor_client(app, socketio, "/")
    answers = {"name": "Alan", "email": "alan@example.org", "order": "A-12345"}
    assert guest.emit("submit_prechat", {"fields": answers}, namespace=VISITOR_NS, callback=True)["ok"]
    conversation = say(guest, "Where is my order?", "c-mail-0009")["conversation_id"]
    ada = agent_client(app, socketio, "ada")
    assert ada.emit(
        "close_conversation", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True
    )["ok"]
    expected = [{"label": "Order number", "value": "A-12345"}]
    transcript = ada.emit("transcript", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True)
    assert transcript["transcript"]["answers"] == expected
    details = ada.emit(
        "visitor_details",
        {"visitor_id": transcript["transcript"]["conversation"]["visitor"]["id"]},
        namespace=AGENT_NS,
        callback=True,
    )
    assert details["visitor"]["answers"] == expected
    assert transcript["transcript"]["conversation"]["chat_number"] == 1

    assert ada.emit("email_transcript", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True)[
        "ok"
    ]
    ((_, _, message),) = inbox.messages
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Order number: A-12345" in text and "A-12345" in html
    assert "closed the chat." in text and "\u2014" not in text and "\u2014" not in html
    assert "<em>Ada Agent closed the chat.</em>" in html
