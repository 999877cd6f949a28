"""A logged-in customer's earlier chats on any device (and nobody else's), and the visitor's own transcript by
email: at once to the address the host verified, through a confirmation link to an address only typed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask_socketio import SocketIO

from flask_livechat.state import LiveChatState
from tests.conftest import agent_client, build_app, say, stop_app, visitor_client
from tests.helpers import PNG, agent_upload, mail_texts
from tests.test_transcripts_mail import MAIL, SMTP_PORT, Inbox

VISITOR_NS = "/livechat"


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    """A real SMTP server on loopback (the one MAIL points at)."""
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    yield handler
    controller.stop()


def browser(app: Flask, socketio: SocketIO, user: str | None) -> Any:
    """A new browser (no cookie of ours yet), logged in to the host as ``user``, with the chat open."""
    http = app.test_client()
    if user:
        http.get(f"/login-as/{user}")
    http.post("/livechat/api/consent", json={"choice": "accepted"})
    return http, visitor_client(app, socketio, "/", http=http)


def hello(widget: Any) -> dict[str, Any]:
    ack: dict[str, Any] = widget.emit("hello", {}, namespace=VISITOR_NS, callback=True)
    assert ack["ok"], ack
    return ack


def closed_chat(app: Flask, socketio: SocketIO, widget: Any, body: str, client_id: str) -> str:
    conversation: str = say(widget, body, client_id)["conversation_id"]
    ada = agent_client(app, socketio, "ada")
    sent = agent_upload(app, conversation, PNG, "receipt.png", client_id=f"{client_id}-f")
    assert sent.status_code == 201, sent.json
    ack = ada.emit(
        "close_conversation", {"conversation_id": conversation}, namespace="/livechat-agent", callback=True
    )
    assert ack["ok"], ack
    ada.disconnect("/livechat-agent")
    return conversation


def test_a_customer_sees_their_earlier_chats_on_another_device_and_nobody_else_does(
    app: Flask, socketio: SocketIO
) -> None:
    _, laptop = browser(app, socketio, "carol")
    closed_chat(app, socketio, laptop, "my parcel is late", "c-laptop-01")
    _, stranger = browser(app, socketio, None)
    closed_chat(app, socketio, stranger, "a stranger's secret", "c-stranger-1")

    phone_http, phone = browser(app, socketio, "carol")  # another browser: a new cookie, the same login
    history = hello(phone)["history"]
    bodies = [m["body"] for m in history]
    assert "my parcel is late" in bodies and "a stranger's secret" not in bodies
    [file] = [m["attachment"] for m in history if m["attachment"]]
    assert phone_http.get(file["url"]).data == PNG  # the agent's file of that chat opens on the phone too

    # Another host user, and an anonymous browser, see none of it (nor can they open the file).
    for user in ("frank", None):
        other_http, other = browser(app, socketio, user)
        assert "my parcel is late" not in [m["body"] for m in hello(other)["history"]], user
        assert other_http.get(file["url"]).status_code in (403, 404), user
    # Logged out on the phone, the same browser is anonymous: its own chats only (it had none).
    phone_http.get("/login-as/nobody")
    _, after_logout = browser(app, socketio, None)
    assert hello(after_logout)["history"] == []


@pytest.mark.livechat_config(**MAIL)
def test_a_logged_in_customer_gets_the_transcript_at_once(
    app: Flask,
    socketio: SocketIO,
    smtp: Inbox,
    livechat: LiveChatState,
) -> None:
    _, carol = browser(app, socketio, "carol")
    say(carol, "Where is order A-12345?", "c-mail-1")
    assert hello(carol)["transcript_to"] == "c•••@example.com"
    ack = carol.emit("email_transcript", {}, namespace=VISITOR_NS, callback=True)
    assert ack == {"ok": True, "result": "sent", "to": "c•••@example.com"}
    [(_, to, message)] = smtp.messages
    assert to == ["carol@example.com"] and "Where is order A-12345?" in mail_texts(message)
    assert message["List-Unsubscribe"], "service mail carries List-Unsubscribe like every other"
    [logged] = livechat.store.mail.mail_log(limit=5)
    assert (logged.kind, logged.requested_by, logged.status) == ("transcript", "visitor", "sent")


@pytest.mark.livechat_config(
    **MAIL, LIVECHAT_RATE_LIMITS={"transcript_mail": "2/hour"}, LIVECHAT_PRECHAT_FIELDS=["name", "email"]
)
def test_an_address_only_typed_must_confirm_first_and_floods_stop(
    app: Flask,
    socketio: SocketIO,
    smtp: Inbox,
) -> None:
    http, guest = browser(app, socketio, None)
    assert hello(guest)["transcript_to"] is None  # no address: the widget offers nothing
    refused = guest.emit("email_transcript", {}, namespace=VISITOR_NS, callback=True)
    assert refused["ok"] is False  # no conversation yet
    say(guest, "BUY CHEAP PILLS at spam.example", "c-guest-1")
    answers = {"name": "Vic Tim", "email": "victim@example.org"}
    given = guest.emit("submit_prechat", {"fields": answers}, namespace=VISITOR_NS, callback=True)
    assert given["ok"], given
    ack = guest.emit("email_transcript", {}, namespace=VISITOR_NS, callback=True)
    assert ack == {"ok": True, "result": "confirm", "to": "v•••@example.org"}
    [(_, to, confirm)] = smtp.messages
    text = mail_texts(confirm)
    assert to == ["victim@example.org"] and "PILLS" not in text and "spam.example" not in text  # no relay
    link = re.search(r"http://localhost(/livechat/transcript/\S+)", text)
    assert link, text
    page = http.get(link.group(1))  # opening the link (or a mail scanner doing so) sends nothing
    assert page.status_code == 200 and "Send me the transcript" in page.text and len(smtp.messages) == 1
    german = http.get(link.group(1), headers={"Accept-Language": "de"}).text  # the reader's language
    assert '<html lang="de">' in german and "Verlauf an mich senden" in german and len(smtp.messages) == 1
    sent = http.post(link.group(1))
    assert sent.status_code == 200 and "Transcript sent" in sent.text
    assert "PILLS" in mail_texts(smtp.messages[-1][2]) and smtp.messages[-1][1] == ["victim@example.org"]
    # The limit: per visitor, per address and per IP, whatever the widget sends.
    limited = guest.emit("email_transcript", {}, namespace=VISITOR_NS, callback=True)
    assert limited["ok"] is False and limited["error"]["code"] == "rate_limited"
    assert app.test_client().get("/livechat/transcript/forged").status_code == 404


def test_the_store_finds_a_host_users_closed_chats_across_visitor_records(
    store_config: dict[str, Any], tmp_path: Any
) -> None:
    """The query itself, on SQLite and PostgreSQL: the user's visitor records, closed chats only."""
    app = build_app(str(tmp_path / "instance"), **store_config)
    try:
        store = app.extensions["livechat"].store
        conversations = store.conversations
        laptop = store.visitors.create_visitor(persistent=True, host_user_id="7")
        phone = store.visitors.create_visitor(persistent=True, host_user_id="7")
        someone = store.visitors.create_visitor(persistent=True, host_user_id="8")
        for visitor, body in ((laptop, "laptop chat"), (someone, "someone else's"), (phone, "open on phone")):
            stored = conversations.add_visitor_message(
                visitor.id, client_id=f"c-{visitor.id}"[:20], body=body
            )
            if visitor is not phone:
                conversations.set_status(
                    stored.conversation.id, "closed", notice="closed", notice_id=f"n{body[:4]}"
                )
        mine = [m.body for m in conversations.closed_messages_of(phone.id, host_user_id="7")]
        assert "laptop chat" in mine and "someone else's" not in mine and "open on phone" not in mine
        assert "laptop chat" not in [m.body for m in conversations.closed_messages_of(phone.id)]
    finally:
        stop_app(app)
