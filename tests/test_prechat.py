"""The optional pre-chat form: configurable fields, checked with clear messages in the visitor's language."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIO, SocketIOTestClient

from flask_livechat.state import LiveChatState

NS = "/livechat"
FIELDS = [
    "name",
    {"name": "email", "required": True},
    {
        "name": "topic",
        "label": {"en": "Topic", "de": "Thema"},
        "type": "select",
        "options": ["Billing", "Tech"],
    },
    {"name": "order", "label": "Order number", "required": False, "max_length": 10},
]

pytestmark = pytest.mark.livechat_config(LIVECHAT_PRECHAT_FIELDS=FIELDS)


def submit(visitor: SocketIOTestClient, answers: Any) -> Any:
    return visitor.emit("submit_prechat", {"fields": answers}, namespace=NS, callback=True)


def test_valid_answers_are_saved_on_the_visitor(visitor: SocketIOTestClient, livechat: LiveChatState) -> None:
    assert visitor.emit("hello", {}, namespace=NS, callback=True)["prechat_done"] is False
    ack = submit(visitor, {"name": " Ada ", "email": "ada@example.org", "topic": "Billing", "order": ""})
    assert ack == {"ok": True}
    hello = visitor.emit("hello", {}, namespace=NS, callback=True)
    assert hello["prechat_done"] is True
    visitor.emit("send_message", {"client_id": "c-000001", "body": "Hi"}, namespace=NS, callback=True)
    [conversation] = livechat.store.conversations.open_conversations()
    assert conversation.visitor is not None
    assert (conversation.visitor.name, conversation.visitor.email) == ("Ada", "ada@example.org")


def test_every_problem_is_named_per_field(visitor: SocketIOTestClient, livechat: LiveChatState) -> None:
    ack = submit(
        visitor, {"name": "", "email": "nope", "topic": "Other", "order": "12345678901", "shoe": "44"}
    )
    assert ack["ok"] is False and ack["error"]["code"] == "invalid"
    assert ack["error"]["fields"] == {
        "name": ["Please fill in Name."],
        "email": ["Please enter a valid email address."],
        "topic": ["Please fill in Topic."],
        "order": ["Order number is too long: at most 10 characters."],
        "shoe": ["Unknown field."],
    }
    assert livechat.store.count_rows()["livechat_visitor_profiles"] == 0


def test_messages_follow_the_visitors_language(app: Flask, socketio: SocketIO, client: Any) -> None:
    client.get("/")
    german = socketio.test_client(
        app, namespace=NS, flask_test_client=client, headers={"Accept-Language": "de-DE,de;q=0.9"}
    )
    ack = submit(german, {"email": "ada@example.org", "topic": "Tech"})
    assert ack["error"]["fields"] == {"name": ["Bitte f\u00fcllen Sie \u201eName\u201c aus."]}
    german.disconnect(NS)


@pytest.mark.parametrize("payload", [{}, {"fields": "x"}, {"fields": {"name": 3}}, {"fields": {}, "x": 1}])
def test_malformed_payloads_are_invalid(visitor: SocketIOTestClient, payload: Any) -> None:
    ack = visitor.emit("submit_prechat", payload, namespace=NS, callback=True)
    assert ack["error"]["code"] == "invalid"


def test_settings_describe_the_form(client: Any) -> None:
    fields = client.get("/livechat/widget/settings.json?lang=de").json["prechat"]
    assert [f["name"] for f in fields] == ["name", "email", "topic", "order"]
    assert fields[2] == {
        "name": "topic",
        "label": "Thema",
        "type": "select",
        "required": True,
        "options": ["Billing", "Tech"],
        "max_length": 200,
    }
    assert fields[1]["type"] == "email" and fields[1]["label"] == "E-Mail"
