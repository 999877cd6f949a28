"""Card numbers are masked in every free-text field before it is stored or mailed: checked in the stored rows
and in the mail a real SMTP server received, never in our functions' answers."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from flask_livechat.state import LiveChatState
from tests.conftest import SmtpServer, agent_client, build_app, mail_config, say
from tests.helpers import PNG, every_row, mail_texts, session_of, upload, without_separators

VISITOR_NS, AGENT_NS = "/livechat", "/livechat-agent"
#: Luhn-valid test cards, each written with a different separator.
DOTS = "4242.4242.4242.4242"
DOUBLE_SPACES = "4000  0566  5566  5556"
DASHES = "5555-5555-5555-4444"
SPACES = "3782 822463 10005"
#: What must never be found: the first twelve digits of each, whatever separates them.
NEEDLES = ("424242424242", "400005665566", "555555555555", "378282246310")


@pytest.fixture
def mail_app(tmp_path: Any, smtp_server: SmtpServer) -> Iterator[Flask]:
    app = build_app(
        str(tmp_path / "instance"),
        LIVECHAT_PRECHAT_FIELDS=[
            "name",
            "email",
            {"name": "question", "label": "Question", "type": "textarea"},
        ],
        **mail_config(smtp_server),
    )
    yield app
    app.extensions["livechat"].store.dispose()


def unmasked(text: str) -> list[str]:
    flat = without_separators(text)
    return [needle for needle in NEEDLES if needle in flat]


def test_no_field_stores_or_mails_a_card_number(
    mail_app: Flask, smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    socketio = mail_app.extensions["socketio"]
    livechat: LiveChatState = mail_app.extensions["livechat"]
    # Offline form (no agent online yet): its name lands in the host's mail and its Subject.
    offline = mail_app.test_client()
    offline.get("/")
    left = offline.post(
        "/livechat/api/offline-messages",
        json={"name": f"Ann {DASHES}", "email": "ann@example.org", "message": f"card {DOTS} please"},
    )
    assert left.status_code == 201 and left.json["emailed"], left.json

    carol = mail_app.test_client()
    carol.get("/login-as/carol")
    carol.get("/")
    visitor = socketio.test_client(mail_app, namespace=VISITOR_NS, flask_test_client=carol)
    answered = visitor.emit(
        "submit_prechat",
        {"fields": {"name": f"Carol {DOTS}", "email": "carol@example.com", "question": DOUBLE_SPACES}},
        namespace=VISITOR_NS,
        callback=True,
    )
    assert answered == {"ok": True}, answered
    conversation = say(visitor, f"my card {DOUBLE_SPACES} ok", "c-mask-0001")["conversation_id"]
    stored = upload(carol, session_of(visitor), PNG, f"scan {DASHES}.png", client_id="u-mask-0001")
    assert stored.status_code == 201, stored.json
    agent = agent_client(mail_app, socketio)
    for event, payload in (
        ("join_conversation", {"conversation_id": conversation}),
        ("send_message", {"conversation_id": conversation, "client_id": "a-mask-0001", "body": DOTS}),
        ("add_note", {"conversation_id": conversation, "client_id": "n-mask-0001", "body": f"n {SPACES}"}),
        ("set_tags", {"conversation_id": conversation, "tags": [DOTS]}),
        ("close_conversation", {"conversation_id": conversation}),
    ):
        ack = agent.emit(event, payload, namespace=AGENT_NS, callback=True)
        assert ack["ok"], (event, ack)
    rated = visitor.emit(
        "rate_conversation",
        {"conversation_id": conversation, "rating": 4, "comment": f"refund {DASHES}"},
        namespace=VISITOR_NS,
        callback=True,
    )
    assert rated["ok"], rated
    corrected = carol.post(
        "/livechat/api/profile", json={"name": f"C {DOUBLE_SPACES}", "email": "carol@example.com"}
    )
    assert corrected.status_code == 200, corrected.json
    mailed = agent.emit(
        "email_transcript", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True
    )
    assert mailed["ok"], mailed
    logging.getLogger("flask_livechat").warning("a line with %s in it", DOTS)

    rows = every_row(livechat)
    found = {table: unmasked(" ".join(values)) for table, values in rows.items()}
    assert {table: needles for table, needles in found.items() if needles} == {}
    # The fields were really written (masked), not dropped.
    everything = " ".join(value for values in rows.values() for value in values)
    for masked in (
        "••••.••••.••••.4242",
        "••••  ••••  ••••  5556",
        "••••-••••-••••-4444",
        "•••• •••••• •0005",
    ):
        assert masked in everything.replace("\\u2022", "•"), masked

    assert len(smtp_server.raw) >= 2, "the host's notice and the transcript"
    for raw, message in zip(smtp_server.raw, smtp_server.messages, strict=True):
        assert unmasked(raw.decode("utf-8", "replace")) == []
        assert unmasked(mail_texts(message)) == []
    host_notice = smtp_server.messages[0]
    assert "Ann ••••-••••-••••-4444" in host_notice["Subject"]
    assert "card ••••.••••.••••.4242 please" in host_notice.get_content()
    assert unmasked(caplog.text) == [] and "••••.••••.••••.4242" in caplog.text
