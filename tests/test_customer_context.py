"""Customer context: the host user (user_loader) and billing (billing_loader) of a logged-in visitor."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask
from flask_socketio import SocketIO

from flask_livechat import BillingSummary
from flask_livechat.state import LiveChatState
from tests.conftest import agent_client, say, visitor_client

AGENT_NS = "/livechat-agent"
VISITOR_NS = "/livechat"


def test_agents_see_the_host_user_and_billing_summary(
    app: Flask, socketio: SocketIO, livechat: LiveChatState
) -> None:
    @livechat.livechat.billing_loader
    def billing(user: Any) -> BillingSummary | None:
        if user.email != "carol@example.com":
            return None
        return BillingSummary(
            plan="Pro", status="active", renews_on=date(2027, 1, 1), card_brand="Visa", card_last4="4242"
        )

    http = app.test_client()
    http.get("/login-as/carol")
    customer = visitor_client(app, socketio, "/", http=http)
    say(customer, "Why was I charged?", "c-bill-0001")
    agent = agent_client(app, socketio, "ada")
    ack = agent.emit("hello", {}, namespace=AGENT_NS, callback=True)
    (listed,) = ack["visitors"]
    assert listed["customer"] == {
        "user": {"id": "3", "name": "Carol Customer", "email": "carol@example.com"},
        "billing": {
            "plan": "Pro",
            "status": "active",
            "renews_on": "2027-01-01",
            "card_brand": "Visa",
            "card_last4": "4242",
        },
    }
    # The visitor record is linked to the host user, so their email is known (transcripts).
    assert listed["email"] == "carol@example.com" and listed["name"] == "Carol Customer"
    with app.app_context():
        visitor = livechat.store.visitors.get_visitor(listed["id"])
        assert visitor is not None and visitor.host_user_id == "3"
    # Never sent to the visitor's side.
    received = str(customer.get_received(VISITOR_NS))
    assert "4242" not in received and "billing" not in received
    customer.disconnect(VISITOR_NS)


def test_anonymous_visitors_have_no_customer_context(app: Flask, socketio: SocketIO) -> None:
    guest = visitor_client(app, socketio, "/")
    agent = agent_client(app, socketio, "ada")
    (listed,) = agent.emit("hello", {}, namespace=AGENT_NS, callback=True)["visitors"]
    assert listed["customer"] is None and listed["email"] is None
    guest.disconnect(VISITOR_NS)


def test_a_failing_billing_loader_does_not_break_the_chat(
    app: Flask, socketio: SocketIO, livechat: LiveChatState
) -> None:
    @livechat.livechat.billing_loader
    def broken(user: Any) -> BillingSummary | None:
        raise RuntimeError("payment provider down")

    http = app.test_client()
    http.get("/login-as/carol")
    customer = visitor_client(app, socketio, "/", http=http)
    assert customer.is_connected(VISITOR_NS)
    say(customer, "still works", "c-bill-0002")
    customer.disconnect(VISITOR_NS)
