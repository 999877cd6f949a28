"""Every mail the chat sends is in the mail log, with kind, time, a recipient reference and the status, and no
more (issue 12, point 10): checked against a real SMTP server on loopback and the stored rows."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from flask_livechat.identity import keyed_digest
from flask_livechat.state import LiveChatState
from tests.conftest import SmtpServer, agent_client, build_app, free_port, mail_config
from tests.helpers import sqlite_leftovers

FORM = {"name": "Ada Lovelace", "email": "ada@example.org", "message": "Do you ship to Vienna?"}


def logged(livechat: LiveChatState) -> list[dict[str, Any]]:
    with livechat.store.engine.connect() as connection:
        return [
            dict(row)
            for row in connection.execute(text("SELECT * FROM livechat_mail_log ORDER BY id")).mappings()
        ]


def test_every_kind_of_mail_is_logged_without_its_content(mail_app: Flask, smtp_server: SmtpServer) -> None:
    livechat: LiveChatState = mail_app.extensions["livechat"]
    client = mail_app.test_client()
    client.get("/")
    conversation_id = client.post("/livechat/api/offline-messages", json=FORM).json["message"][
        "conversation_id"
    ]  # the notice to LIVECHAT_MAIL_TO
    agent = agent_client(mail_app, mail_app.extensions["socketio"])
    reply = {"conversation_id": conversation_id, "client_id": "a-log-0001", "body": "Yes, within 3 days."}
    assert agent.emit("send_message", reply, namespace="/livechat-agent", callback=True)["ok"]  # the reply
    transcript = agent.emit(
        "email_transcript", {"conversation_id": conversation_id}, namespace="/livechat-agent", callback=True
    )
    assert transcript["ok"], transcript
    assert transcript["mail"]["recipient"] == "a•••@example.org"
    with mail_app.test_request_context("/"):
        assert livechat.livechat.send_mail("grace@example.net", "News", "Our news.", kind="promotional")
    assert len(smtp_server.raw) == 4

    rows = logged(livechat)
    assert [(r["kind"], r["category"], r["recipient"], r["status"]) for r in rows] == [
        ("offline_notice", "transactional", "s•••@example.com", "sent"),
        ("offline_reply", "transactional", "a•••@example.org", "sent"),
        ("transcript", "transactional", "a•••@example.org", "sent"),
        ("host_mail", "promotional", "g•••@example.net", "sent"),
    ]
    assert set(rows[0]) == {
        "id",
        "kind",
        "category",
        "conversation_id",
        "recipient",
        "recipient_digest",
        "status",
        "error",
        "requested_by",
        "created_at",
    }
    assert [r["conversation_id"] for r in rows] == [conversation_id] * 3 + [None]
    assert rows[3]["recipient_digest"] == keyed_digest(mail_app, "mail-suppression", "grace@example.net")
    assert all(r["created_at"] is not None for r in rows)
    # No subject, body or address in the log (the notice's Subject carried her name).
    needles = ["Ada Lovelace", "Vienna", "within 3 days", "News", "ada@example.org", "grace@example.net"]
    assert not [hit for hit in sqlite_leftovers(livechat, needles) if hit.startswith("livechat_mail_log")]


def test_an_opted_out_and_a_failed_mail_are_logged_too(tmp_path: Any, smtp_server: SmtpServer) -> None:
    app = build_app(str(tmp_path / "instance"), **mail_config(smtp_server))
    livechat: LiveChatState = app.extensions["livechat"]
    with app.app_context():
        livechat.privacy.opt_out("grace@example.net", "promotional")
    with app.test_request_context("/"):
        assert livechat.livechat.send_mail("grace@example.net", "News", "Our news.") is False
        app.config["LIVECHAT_MAIL_PORT"] = free_port()  # nothing listens there
        with pytest.raises(OSError):
            livechat.livechat.send_mail("alan@example.net", "News", "Our news.")
    assert smtp_server.raw == []
    rows = logged(livechat)
    assert [(r["recipient"], r["status"]) for r in rows] == [
        ("g•••@example.net", "opted_out"),
        ("a•••@example.net", "failed"),
    ]
    assert rows[1]["error"] == "ConnectionRefusedError"  # the class, not the server's words
    livechat.store.dispose()
