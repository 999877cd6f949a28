"""Issue 7, point 2: whatever ids a visitor sends, it reaches nothing of another visitor's, and nobody without
the role reaches the console, the admin pages or the agent namespace.

Driven by the namespaces' ``client_events`` and the app's url_map, so a new event or route is covered (or
fails here until it is given a valid payload) without anyone remembering to add it.
"""

from __future__ import annotations

import io
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO, SocketIOTestClient

from flask_livechat.realtime.agent import AgentNamespace
from flask_livechat.realtime.visitor import VisitorNamespace
from flask_livechat.state import LiveChatState
from flask_livechat.store.models import utcnow
from tests.conftest import say
from tests.helpers import UNLIMITED, every_row, is_staff_path, response_text

ORIGIN = {"Origin": "http://localhost"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SECRET = "victim secret 4711"

#: A valid payload for every visitor event; the test fails when an event is added without one here.
VISITOR_EVENTS: dict[str, dict[str, Any]] = {
    "hello": {"page": {"url": "http://localhost/", "title": "Home"}},
    "send_message": {"client_id": "attacker-0001", "body": "attacker text"},
    "end_conversation": {},
    "typing": {"typing": True},
    "mark_read": {"seq": 1},
    "submit_prechat": {"fields": {}},
    "rate_conversation": {"rating": 1, "comment": "attacker rating"},
    "fetch_messages": {"after_seq": 0},
    "page": {"page": {"url": "http://localhost/attacker", "title": "Attacker"}},
    "email_transcript": {},
}
ID_KEYS = ("conversation_id", "message_id", "attachment_id", "visitor_id", "id")


class Victim:
    """A visitor with a conversation, a message and an attachment: everything an attacker could aim at."""

    def __init__(self, app: Flask, socketio: SocketIO) -> None:
        self.http = app.test_client()
        self.http.get("/")
        self.socket = socketio.test_client(app, namespace="/livechat", flask_test_client=self.http)
        session = self.socket.emit("hello", {}, namespace="/livechat", callback=True)["session"]
        message = say(self.socket, SECRET, "victim-0001")
        uploaded = self.http.post(
            "/livechat/api/attachments",
            data={"client_id": "victim-0002", "file": (io.BytesIO(PNG), "victim.png")},
            headers={"X-LiveChat-Session": session, **ORIGIN},
            content_type="multipart/form-data",
        )
        assert uploaded.status_code == 201, uploaded.json
        attachment = uploaded.json["message"]["attachment"]
        self.conversation_id: str = message["conversation_id"]
        self.message_id: str = message["id"]
        self.attachment_id: str = attachment["id"]
        self.attachment_url: str = attachment["url"]
        state: LiveChatState = app.extensions["livechat"]
        conversation = state.store.conversations.get_conversation(self.conversation_id)
        assert conversation is not None
        self.visitor_id: str = conversation.visitor_id
        self.socket.get_received("/livechat")

    def ids(self) -> dict[str, str]:
        return {
            "conversation_id": self.conversation_id,
            "message_id": self.message_id,
            "attachment_id": self.attachment_id,
            "visitor_id": self.visitor_id,
            "id": self.conversation_id,
        }

    def values(self) -> tuple[str, ...]:
        return (self.conversation_id, self.message_id, self.attachment_id, self.visitor_id)


def rows_about(snapshot: dict[str, list[str]], victim: Victim) -> dict[str, list[str]]:
    """The rows that name the victim's visitor, conversation, message or attachment."""
    return {
        table: [row for row in rows if any(value in row for value in victim.values())]
        for table, rows in snapshot.items()
    }


def assert_reveals_nothing(answer: Any, victim: Victim) -> None:
    text = answer if isinstance(answer, str) else json.dumps(answer, default=str)
    assert SECRET not in text and victim.visitor_id not in text and victim.attachment_id not in text, text


@pytest.fixture
def victim(app: Flask, socketio: SocketIO) -> Victim:
    return Victim(app, socketio)


@pytest.fixture
def attacker(app: Flask, socketio: SocketIO) -> tuple[FlaskClient, SocketIOTestClient, str]:
    http = app.test_client()
    http.get("/")
    socket = socketio.test_client(app, namespace="/livechat", flask_test_client=http)
    session = socket.emit("hello", {}, namespace="/livechat", callback=True)["session"]
    say(socket, "attacker's own question", "attacker-0000")
    return http, socket, session


def test_every_visitor_event_has_a_payload_here() -> None:
    assert set(VISITOR_EVENTS) == VisitorNamespace.client_events


@pytest.mark.livechat_config(LIVECHAT_RATE_LIMITS=UNLIMITED)
def test_no_visitor_event_reaches_another_visitors_data(
    livechat: LiveChatState, victim: Victim, attacker: tuple[FlaskClient, SocketIOTestClient, str]
) -> None:
    _, socket, _ = attacker
    before = rows_about(every_row(livechat), victim)
    assert before["livechat_messages"] and before["livechat_attachments"] and before["livechat_conversations"]
    for event, payload in sorted(VISITOR_EVENTS.items()):
        variants = [payload, {**payload, **victim.ids()}] + [
            {**payload, key: value} for key, value in victim.ids().items()
        ]
        for variant in variants:
            if "client_id" in variant:
                variant = {**variant, "client_id": uuid.uuid4().hex}
            ack = socket.emit(event, variant, namespace="/livechat", callback=True)
            assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), (event, ack)
            assert_reveals_nothing(ack, victim)
            if event == "rate_conversation" and "conversation_id" in variant and len(variant) == 3:
                assert ack["ok"] is False and ack["error"]["code"] in ("not_found", "forbidden"), ack
    # Agent events sent on the visitor namespace are unknown there, whatever their payload.
    for event in sorted(AgentNamespace.client_events - VisitorNamespace.client_events):
        ack = socket.emit(event, victim.ids(), namespace="/livechat", callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "unknown_event", (event, ack)
    assert rows_about(every_row(livechat), victim) == before
    pushed = json.dumps(victim.socket.get_received("/livechat"), default=str)
    assert "attacker" not in pushed, pushed


def visitor_routes(app: Flask) -> list[tuple[str, str, list[str]]]:
    """Every route a visitor can call: ours, minus the staff pages and static files."""
    routes = []
    for rule in app.url_map.iter_rules():
        path = rule.rule
        if not path.startswith("/livechat/") or rule.endpoint.endswith("static") or is_staff_path(path):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, path, sorted(rule.arguments)))
    return routes


@pytest.mark.livechat_config(LIVECHAT_RATE_LIMITS=UNLIMITED)
def test_no_visitor_route_reaches_another_visitors_data(
    app: Flask,
    livechat: LiveChatState,
    victim: Victim,
    attacker: tuple[FlaskClient, SocketIOTestClient, str],
) -> None:
    http, _, session = attacker
    routes = visitor_routes(app)
    assert len(routes) >= 10
    before = rows_about(every_row(livechat), victim)
    headers = {"X-LiveChat-Session": session, **ORIGIN}
    # Deleting the attacker's own data last, so the other routes still see a known visitor.
    for method, rule, arguments in sorted(routes, key=lambda route: "delete" in route[1]):
        path = rule
        for argument in arguments:
            value = victim.attachment_id if "attachment" in argument else victim.conversation_id
            path = path.replace(f"<{argument}>", value)
        ids = victim.ids()
        if method == "GET":
            answers = [http.get(path, query_string=ids, headers=headers)]
        else:
            answers = [
                http.post(path, query_string=ids, json=ids, headers=headers),
                http.post(path, query_string=ids, data={**ids, "csrf_token": "forged"}, headers=headers),
            ]
        for answer in answers:
            assert answer.status_code < 500, (method, path, answer.status_code)
            assert_reveals_nothing(response_text(answer), victim)
    # The victim's attachment link, leaked whole (with its signature), opens only for the victim.
    stolen = http.get(victim.attachment_url, headers=ORIGIN)
    assert stolen.status_code in (403, 404) and stolen.data != PNG
    assert victim.http.get(victim.attachment_url).data == PNG
    assert rows_about(every_row(livechat), victim) == before


def staff_routes(app: Flask) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if is_staff_path(rule.rule) and not rule.endpoint.endswith("static"):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                routes.append((method, rule.rule))
    return routes


@pytest.mark.livechat_config(LIVECHAT_RATE_LIMITS=UNLIMITED)
def test_staff_routes_refuse_customers_and_anonymous_users(
    app: Flask, livechat: LiveChatState, victim: Victim
) -> None:
    assert livechat.store.canned.save_canned(None, "hello", "Hello there")
    canned_id = livechat.store.canned.canned_responses()[0].id
    block_id = livechat.store.moderation.add_block(
        visitor_id=victim.visitor_id,
        network=None,
        expires_at=utcnow() + timedelta(days=1),
        reason="test",
        actor="Bob Admin",
    )
    endpoint = livechat.store.webhooks.create_endpoint(
        "http://127.0.0.1:9/", ["visitor.erased"], "whsec_AA=="
    )
    customer = app.test_client()
    customer.get("/login-as/carol")
    anonymous = app.test_client()
    routes = staff_routes(app)
    assert {path for _, path in routes} >= {"/livechat/agent/", "/livechat/admin/", "/livechat/admin/privacy"}
    before = every_row(livechat)
    for method, rule in routes:
        path = (
            rule.replace("<int:canned_id>", str(canned_id))
            .replace("<int:block_id>", str(block_id))
            .replace("<int:endpoint_id>", str(endpoint.id))
            .replace("<delivery_id>", "msg_0")
        )
        form = {
            "csrf_token": "forged",
            "id": str(canned_id),
            "shortcut": "pwned",
            "body": "pwned",
            "visitor_id": victim.visitor_id,
            "q": victim.visitor_id,
        }
        for who, client, expected in (("customer", customer, 403), ("anonymous", anonymous, 401)):
            if method == "GET":
                answer = client.get(path, query_string=form)
            else:
                answer = client.post(path, data=form, headers=ORIGIN)
            assert answer.status_code == expected, (who, method, path, answer.status_code)
            assert_reveals_nothing(response_text(answer), victim)
    assert every_row(livechat) == before


def test_the_agent_namespace_refuses_visitors_and_customers(app: Flask, socketio: SocketIO) -> None:
    for login in (None, "carol"):
        http = app.test_client()
        http.get(f"/login-as/{login}" if login else "/")
        connection = socketio.test_client(app, namespace="/livechat-agent", flask_test_client=http)
        assert not connection.is_connected("/livechat-agent"), login
