"""Leave-a-message: stored as a conversation for agents, mailed to the host, bad input changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_livechat.state import LiveChatState
from tests.conftest import SmtpServer, build_app

URL = "/livechat/api/offline-messages"
FORM = {"name": "Ada Lovelace", "email": "ada@example.org", "message": "Do you ship to Vienna?"}


def test_a_left_message_is_stored_for_agents_and_mailed(mail_app: Flask, smtp_server: SmtpServer) -> None:
    client = mail_app.test_client()
    client.get("/")
    response = client.post(URL, json=FORM)
    assert response.status_code == 201, response.json
    assert response.json["ok"] is True and response.json["emailed"] is True
    message = response.json["message"]
    assert message["body"] == FORM["message"] and message["sender"] == "visitor"
    state: LiveChatState = mail_app.extensions["livechat"]
    [conversation] = state.store.conversations.open_conversations()
    assert conversation.id == message["conversation_id"]
    assert conversation.visitor is not None
    assert (conversation.visitor.name, conversation.visitor.email) == ("Ada Lovelace", "ada@example.org")
    assert conversation.left_message is True  # the console marks it "Left a message"
    [mail] = smtp_server.messages
    assert mail["To"] == "support@example.com" and mail["Reply-To"] == "ada@example.org"
    assert "Ada Lovelace" in mail["Subject"]
    assert "Do you ship to Vienna?" in mail.get_content()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**FORM, "email": "not-an-address"}, "email"),
        ({**FORM, "name": ""}, "name"),
        ({**FORM, "name": "Ada\r\nBcc: victim@example.com"}, "name"),
        ({**FORM, "message": "   "}, "message"),
        ({**FORM, "message": "x" * 4001}, "message"),
        ({k: v for k, v in FORM.items() if k != "email"}, "email"),
        ({**FORM, "extra": "field"}, "extra"),
    ],
)
def test_bad_forms_get_field_errors_and_change_nothing(
    mail_app: Flask, smtp_server: SmtpServer, payload: dict[str, Any], field: str
) -> None:
    state: LiveChatState = mail_app.extensions["livechat"]
    before = state.store.count_rows()
    response = mail_app.test_client().post(URL, json=payload)
    assert response.status_code == 400
    assert response.json["ok"] is False and response.json["error"]["code"] == "invalid"
    assert field in response.json["error"]["fields"]
    assert state.store.count_rows() == before
    assert smtp_server.messages == []


def test_not_json_is_refused(client: FlaskClient) -> None:
    response = client.post(URL, data=FORM)
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid"
    assert client.post(URL, data="[1, 2]", content_type="application/json").status_code == 400


def test_cross_site_posts_are_forbidden(client: FlaskClient, livechat: LiveChatState) -> None:
    response = client.post(URL, json=FORM, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    response = client.post(URL, json=FORM, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert livechat.store.conversations.open_conversations() == []


def test_without_mail_the_message_is_still_stored(client: FlaskClient, livechat: LiveChatState) -> None:
    response = client.post(URL, json=FORM)
    assert response.status_code == 201 and response.json["emailed"] is False
    assert len(livechat.store.conversations.open_conversations()) == 1


def test_the_mail_server_being_down_loses_nothing(tmp_path: Any) -> None:
    from tests.conftest import free_port

    app = build_app(
        str(tmp_path),
        LIVECHAT_MAIL_SERVER="127.0.0.1",
        LIVECHAT_MAIL_PORT=free_port(),
        LIVECHAT_MAIL_SENDER="chat@example.com",
        LIVECHAT_MAIL_TO="a@b.example",
    )
    response = app.test_client().post(URL, json=FORM)
    assert response.status_code == 201 and response.json["emailed"] is False
    assert len(app.extensions["livechat"].store.conversations.open_conversations()) == 1
    app.extensions["livechat"].store.dispose()


def test_an_agents_answer_to_a_left_message_is_mailed_to_the_visitor(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    from tests.conftest import agent_client

    client = mail_app.test_client()
    client.get("/")
    conversation_id = client.post(URL, json=FORM).json["message"]["conversation_id"]
    agent = agent_client(mail_app, mail_app.extensions["socketio"])
    reply = {"conversation_id": conversation_id, "client_id": "a-offline-01", "body": "Yes, within 3 days."}
    ack = agent.emit("send_message", reply, namespace="/livechat-agent", callback=True)
    assert ack["ok"], ack
    to_visitor = [mail for mail in smtp_server.messages if mail["To"] == "ada@example.org"]
    assert len(to_visitor) == 1
    text = to_visitor[0].get_content()
    assert "Ada Agent replied" in text and "Yes, within 3 days." in text
    assert "/livechat/unsubscribe/" in text and to_visitor[0]["List-Unsubscribe"]
    # Sending the same message again (a resend) mails nothing more.
    agent.emit("send_message", reply, namespace="/livechat-agent", callback=True)
    assert len([mail for mail in smtp_server.messages if mail["To"] == "ada@example.org"]) == 1


def test_answers_in_a_live_chat_are_not_mailed(mail_app: Flask, smtp_server: SmtpServer) -> None:
    from tests.conftest import agent_client, say, visitor_client

    socketio = mail_app.extensions["socketio"]
    guest = visitor_client(mail_app, socketio, "/")
    conversation_id = say(guest, "Hello, live", "c-live-0001")["conversation_id"]
    state: LiveChatState = mail_app.extensions["livechat"]
    [visitor_id] = [c.visitor_id for c in state.store.conversations.open_conversations()]
    state.store.profiles.save_profile(visitor_id, {"name": "Ada", "email": "ada@example.org"})
    agent = agent_client(mail_app, socketio)
    reply = {"conversation_id": conversation_id, "client_id": "a-live-0001", "body": "Hi!"}
    assert agent.emit("send_message", reply, namespace="/livechat-agent", callback=True)["ok"]
    assert smtp_server.messages == []


@pytest.mark.livechat_config(LIVECHAT_DEPARTMENTS={"sales": ["/page/pricing"], "support": ["/"]})
def test_a_message_left_on_the_first_page_makes_the_visitor_of_its_cookie(
    app: Flask, client: FlaskClient, livechat: LiveChatState
) -> None:
    """The first page view only gave a pending cookie; leaving a message is using the chat, so the visitor
    that cookie names is stored then, landing page (and department) included: the sales agents see it."""
    from flask_livechat.identity import visitor_id_from_token

    client.get("/page/pricing")
    pending_id = visitor_id_from_token(app, client.get_cookie("livechat_visitor").value)
    assert pending_id is not None and livechat.store.visitors.get_visitor(pending_id) is None
    assert client.post(URL, json=FORM).status_code == 201
    visitor = livechat.store.visitors.get_visitor(pending_id)
    assert visitor is not None and visitor.persistent and visitor.department == "sales"
    [conversation] = livechat.store.conversations.open_conversations()
    assert conversation.visitor_id == pending_id
    assert [page.url for page in livechat.store.visitors.page_views_of(pending_id)] == [
        "http://localhost/page/pricing"
    ]
