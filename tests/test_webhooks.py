"""Outgoing webhooks against a real receiver on loopback: what is sent for each event, signed as Standard
Webhooks' reference package verifies it, retried with backoff, timed out, replayed, rotated, and never in the
way of the chat."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO, SocketIOTestClient
from standardwebhooks import Webhook, WebhookVerificationError

from flask_livechat.identity import visitor_id_from_token
from flask_livechat.services.privacy import Subject
from flask_livechat.services.webhooks import EVENTS
from flask_livechat.state import LiveChatState
from flask_livechat.store import Store
from flask_livechat.store import webhooks as outbox
from flask_livechat.store.models import utcnow
from tests.conftest import agent_client, say
from tests.helpers import AGENT_NS, VISITOR_NS, WebhookReceiver, eventually

FAST = {
    "LIVECHAT_WEBHOOK_RETRY_SCHEDULE": (0.3, 0.6),
    "LIVECHAT_WEBHOOK_POLL_INTERVAL": 0.05,
    "LIVECHAT_WEBHOOK_CONNECT_TIMEOUT": 2.0,
    "LIVECHAT_WEBHOOK_READ_TIMEOUT": 0.5,
}
pytestmark = pytest.mark.livechat_config(**FAST)


def subscribe(app: Flask, receiver: WebhookReceiver, events: tuple[str, ...] = EVENTS) -> str:
    """Registers ``receiver`` for ``events``, as the admin page does; returns the secret."""
    livechat: LiveChatState = app.extensions["livechat"]
    with app.app_context():
        _, secret = livechat.webhooks.create(receiver.url, list(events))
        livechat.webhook_worker.wake()
    return secret


def verified(secret: str, headers: dict[str, str], body: str) -> dict[str, Any]:
    payload: dict[str, Any] = Webhook(secret).verify(body, headers)
    return payload


def received(receiver: WebhookReceiver, event: str, count: int = 1) -> list[tuple[dict[str, str], str]]:
    return eventually(
        lambda: (found := receiver.of_type(event)) and len(found) >= count and found,
        message=lambda: f"{count} {event} webhook(s); got {[b['type'] for b in receiver.bodies()]}",
    )


def visitor_id_of(http: FlaskClient, app: Flask) -> str:
    return visitor_id_from_token(app, http.get_cookie("livechat_visitor").value)


def test_every_event_is_delivered_signed_with_ids_and_stored_text(
    app: Flask,
    socketio: SocketIO,
    client: FlaskClient,
    visitor: SocketIOTestClient,
    livechat: LiveChatState,
    webhook_receiver: WebhookReceiver,
) -> None:
    secret = subscribe(app, webhook_receiver)
    message = say(visitor, "my card is 4111 1111 1111 1111", "client-1")
    visitor_id = visitor_id_of(client, app)
    conversation_id = message["conversation_id"]

    [(headers, body)] = received(webhook_receiver, "conversation.started")
    started = verified(secret, headers, body)
    assert started["data"] == {
        "conversation_id": conversation_id,
        "visitor_id": visitor_id,
        "department": None,
        "created_at": started["data"]["created_at"],
    }
    assert headers["webhook-id"].startswith("msg_") and headers["content-type"] == "application/json"
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    [(headers, body)] = received(webhook_receiver, "message.created")
    created = verified(secret, headers, body)
    assert created["type"] == "message.created" and created["timestamp"].endswith("Z")
    assert created["data"]["message_id"] == message["id"] and created["data"]["sender"] == "visitor"
    assert created["data"]["text"] == message["body"] and "4111 1111 1111 1111" not in body  # as stored

    agent = agent_client(app, socketio)
    reply = {"conversation_id": conversation_id, "client_id": "c-hook-reply", "body": "Here to help."}
    assert agent.emit("send_message", reply, namespace=AGENT_NS, callback=True)["ok"]  # an answered chat
    ack = agent.emit(
        "close_conversation", {"conversation_id": conversation_id}, namespace=AGENT_NS, callback=True
    )
    assert ack["ok"], ack
    [(headers, body)] = received(webhook_receiver, "conversation.closed")
    assert verified(secret, headers, body)["data"]["by"] == "agent"
    assert len(webhook_receiver.of_type("message.created")) == 2, "the system line is not a message.created"

    rate = {"conversation_id": conversation_id, "rating": 4, "comment": "quick"}
    assert visitor.emit("rate_conversation", rate, namespace=VISITOR_NS, callback=True)["ok"]
    [(headers, body)] = received(webhook_receiver, "conversation.rated")
    assert verified(secret, headers, body)["data"] == {
        "conversation_id": conversation_id,
        "visitor_id": visitor_id,
        "rating": 4,
        "comment": "quick",
        "rated_at": json.loads(body)["data"]["rated_at"],
    }

    form = {"name": "Ada", "email": "ada@example.org", "message": "Call me back"}
    left = client.post("/livechat/api/offline-messages", json=form)
    assert left.status_code == 201, left.json
    assert left.json is not None and left.json["message"]["conversation_id"] != conversation_id
    [(headers, body)] = received(webhook_receiver, "message.left")
    assert verified(secret, headers, body)["data"]["text"] == "Call me back"
    assert "ada@example.org" not in body and "Ada" not in body

    with app.app_context():
        livechat.privacy.erase(Subject(visitor_id=visitor_id), actor="test")
    [(headers, body)] = received(webhook_receiver, "visitor.erased")
    assert verified(secret, headers, body)["data"] == {
        "visitor_id": visitor_id,
        "conversation_ids": sorted([conversation_id, left.json["message"]["conversation_id"]]),
    }

    everything = " ".join(body for _, body in webhook_receiver.requests)
    assert "127.0.0.1" not in everything and '"ip' not in everything
    # Every webhook-id is unique, and every delivery is logged as delivered.
    assert len({h["webhook-id"] for h, _ in webhook_receiver.requests}) == len(webhook_receiver.requests)
    eventually(lambda: {d.status for d in livechat.webhooks.deliveries()} == {"delivered"})


def test_a_sent_erasure_keeps_no_ids(
    app: Flask,
    client: FlaskClient,
    visitor: SocketIOTestClient,
    livechat: LiveChatState,
    webhook_receiver: WebhookReceiver,
) -> None:
    subscribe(app, webhook_receiver, ("visitor.erased",))
    say(visitor, "hello", "client-1")
    visitor_id = visitor_id_of(client, app)
    with app.app_context():
        livechat.privacy.erase(Subject(visitor_id=visitor_id), actor="test")
    received(webhook_receiver, "visitor.erased")
    [delivery] = eventually(lambda: [d for d in livechat.webhooks.deliveries() if d.status == "delivered"])
    assert delivery.payload == "" and len(delivery.attempts) == 1, "the log keeps the attempt, not the ids"


def test_5xx_is_retried_with_backoff_then_marked_failed(
    app: Flask, visitor: SocketIOTestClient, livechat: LiveChatState, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.statuses = [500, 503, 502]
    subscribe(app, webhook_receiver, ("message.created",))
    say(visitor, "hello", "client-1")
    [delivery] = eventually(lambda: [d for d in livechat.webhooks.deliveries() if d.status == "failed"])
    assert [a.status_code for a in delivery.attempts] == [500, 503, 502]
    assert all(a.error and a.error.startswith("HTTP 5") for a in delivery.attempts)
    first, second, third = (a.attempted_at for a in delivery.attempts)
    assert second - first >= timedelta(seconds=0.3) and third - second >= timedelta(seconds=0.6)
    ids = {headers["webhook-id"] for headers, _ in webhook_receiver.requests}
    assert len(webhook_receiver.requests) == 3 and ids == {delivery.id}, "a retry keeps its webhook-id"

    # A receiver that recovers gets the next event after one failure.
    webhook_receiver.statuses = [500]
    say(visitor, "again", "client-2")
    eventually(lambda: [d.status for d in livechat.webhooks.deliveries()] == ["delivered", "failed"])
    assert [a.status_code for a in livechat.webhooks.deliveries()[0].attempts] == [500, 204]


@pytest.mark.livechat_config(**{**FAST, "LIVECHAT_WEBHOOK_RETRY_SCHEDULE": ()})
def test_a_receiver_that_does_not_answer_times_out(
    app: Flask, visitor: SocketIOTestClient, livechat: LiveChatState, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.hang = 30
    subscribe(app, webhook_receiver, ("message.created",))
    say(visitor, "hello", "client-1")
    [delivery] = eventually(lambda: [d for d in livechat.webhooks.deliveries() if d.status == "failed"])
    [attempt] = delivery.attempts
    assert attempt.status_code is None and attempt.error == "timed out"
    assert 400 <= attempt.duration_ms < 5000, attempt


@pytest.mark.livechat_config(**{**FAST, "LIVECHAT_WEBHOOK_READ_TIMEOUT": 30.0})
def test_a_hanging_receiver_never_slows_the_chat(
    app: Flask, visitor: SocketIOTestClient, livechat: LiveChatState, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.hang = 30
    subscribe(app, webhook_receiver, ("message.created",))
    say(visitor, "first", "client-0")
    eventually(lambda: webhook_receiver.requests, message="the receiver holds the first delivery")
    started = time.monotonic()
    for number in range(1, 8):
        say(visitor, f"message {number}", f"client-{number}")
    assert time.monotonic() - started < 3.0, "seven messages acked while the receiver hangs"
    assert len(webhook_receiver.requests) == 1, "the worker is still waiting on the first one"


def test_replay_sends_the_same_delivery_again(
    app: Flask, visitor: SocketIOTestClient, livechat: LiveChatState, webhook_receiver: WebhookReceiver
) -> None:
    secret = subscribe(app, webhook_receiver, ("message.created",))
    say(visitor, "hello", "client-1")
    [(first_headers, first_body)] = received(webhook_receiver, "message.created")
    [delivery] = eventually(lambda: [d for d in livechat.webhooks.deliveries() if d.status == "delivered"])
    with app.app_context():
        livechat.webhooks.replay(delivery.id)
        livechat.webhook_worker.wake()
    _, (headers, body) = received(webhook_receiver, "message.created", 2)
    assert headers["webhook-id"] == first_headers["webhook-id"] and body == first_body
    verified(secret, headers, body)
    eventually(lambda: len(livechat.webhooks.deliveries()[0].attempts) == 2)


def test_rotation_signs_with_both_secrets_until_the_grace_period_ends(
    app: Flask, visitor: SocketIOTestClient, livechat: LiveChatState, webhook_receiver: WebhookReceiver
) -> None:
    with app.app_context():
        old = subscribe(app, webhook_receiver, ("message.created",))
        [endpoint] = livechat.webhooks.endpoints()
        new = livechat.webhooks.rotate(endpoint.id)
    assert new != old and new.startswith("whsec_")
    say(visitor, "hello", "client-1")
    [(headers, body)] = received(webhook_receiver, "message.created")
    assert len(headers["webhook-signature"].split(" ")) == 2
    verified(old, headers, body)
    verified(new, headers, body)
    assert livechat.webhooks.endpoints()[0].rotating_until is not None

    # Once the grace period is over only the new secret signs.
    livechat.store.webhooks.rotate(endpoint.id, new, old_until=utcnow() - timedelta(seconds=1))
    say(visitor, "later", "client-2")
    _, (headers, body) = received(webhook_receiver, "message.created", 2)
    assert len(headers["webhook-signature"].split(" ")) == 1
    verified(new, headers, body)
    with pytest.raises(WebhookVerificationError):
        verified(old, headers, body)


def test_a_disabled_endpoint_gets_nothing(
    app: Flask, visitor: SocketIOTestClient, livechat: LiveChatState, webhook_receiver: WebhookReceiver
) -> None:
    other = WebhookReceiver()
    try:
        with app.app_context():
            subscribe(app, webhook_receiver, ("message.created",))
            subscribe(app, other, ("message.created",))
            disabled = livechat.webhooks.endpoints()[1]
            livechat.webhooks.set_enabled(disabled.id, False)
        say(visitor, "hello", "client-1")
        received(webhook_receiver, "message.created")
        assert {d.endpoint_id for d in livechat.webhooks.deliveries()} == {disabled.id - 1}
        assert other.requests == []
        # The privacy page's list names the enabled receivers' sites only (hook paths may hold tokens).
        [receiver] = livechat.webhooks.receivers()
        assert webhook_receiver.url == receiver.origin + "/hook" and receiver.events == ("message.created",)
    finally:
        other.close()


def test_a_wrong_secret_or_a_changed_body_does_not_verify(
    app: Flask, visitor: SocketIOTestClient, livechat: LiveChatState, webhook_receiver: WebhookReceiver
) -> None:
    with app.app_context():
        secret = subscribe(app, webhook_receiver, ("message.created",))
        _, stranger = livechat.webhooks.create("https://other.example/hook", ["visitor.erased"])
    say(visitor, "hello", "client-1")
    [(headers, body)] = received(webhook_receiver, "message.created")
    verified(secret, headers, body)
    with pytest.raises(WebhookVerificationError):
        verified(stranger, headers, body)
    with pytest.raises(WebhookVerificationError):
        verified(secret, headers, body.replace("hello", "hellO"))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_workers_in_several_processes_never_claim_the_same_delivery(
    backend: str, tmp_path: Any, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("database") if backend == "postgresql" else f"sqlite:///{tmp_path}/chat.db"
    stores = [Store(url), Store(url)]  # two engines: as two processes would have
    try:
        endpoint = stores[0].webhooks.create_endpoint(
            "http://127.0.0.1:9/hook", ["message.created"], "whsec_AA=="
        )
        with stores[0].database.writing() as connection:
            for number in range(40):
                outbox.enqueue(connection, "message.created", {"n": number}, visitor_id=None)
        claimed: list[list[str]] = [[], [], [], []]

        def work(index: int) -> None:
            while batch := stores[index % 2].webhooks.claim(3, lease=timedelta(minutes=5)):
                claimed[index] += [due.id for due in batch]

        threads = [threading.Thread(target=work, args=(index,)) for index in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        every = [delivery_id for ids in claimed for delivery_id in ids]
        assert len(every) == 40 and len(set(every)) == 40, "each delivery claimed exactly once"
        assert stores[1].webhooks.claim(3, lease=timedelta(minutes=5)) == []
        assert {d.endpoint_id for d in stores[1].webhooks.deliveries(limit=100)} == {endpoint.id}
    finally:
        for store in stores:
            store.dispose()


def test_retention_and_the_log_limit_forget_old_deliveries(tmp_path: Any) -> None:
    store = Store(f"sqlite:///{tmp_path}/chat.db")
    try:
        store.webhooks.create_endpoint("http://127.0.0.1:9/hook", ["message.created"], "whsec_AA==")
        with store.database.writing() as connection:
            for number in range(3):
                outbox.enqueue(connection, "message.created", {"n": number}, visitor_id=None)
        first, second, _ = store.webhooks.claim(3, lease=timedelta(minutes=1))
        store.webhooks.record_attempt(
            first.id, status_code=204, error=None, duration_ms=3, outcome="delivered"
        )
        store.webhooks.record_attempt(second.id, status_code=None, error="x", duration_ms=3, outcome="failed")
        later = utcnow() + timedelta(seconds=1)
        assert store.webhooks.prune(later) == 2, "finished ones go, the pending one stays"
        assert [d.status for d in store.webhooks.deliveries(limit=10)] == ["pending"]
        store.privacy.purge_before(later)
        assert store.count_rows()["livechat_webhook_deliveries"] == 0
        assert store.count_rows()["livechat_webhook_attempts"] == 0
    finally:
        store.dispose()
