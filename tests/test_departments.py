"""Departments: with two agents in different departments, each sees only their own conversations and visitors,
in every query and every socket room; admins see all."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIO

from flask_livechat import LiveChat
from flask_livechat.config import ConfigError
from tests.conftest import agent_client, build_app, events, say, visitor_client, wait_for_events

AGENT_NS = "/livechat-agent"
VISITOR_NS = "/livechat"
DEPARTMENTS = {"sales": ["/page/pricing"], "support": ["/page/help", "/"]}

pytestmark = pytest.mark.livechat_config(LIVECHAT_DEPARTMENTS=DEPARTMENTS)


def emit(connection: Any, event: str, payload: Any) -> dict[str, Any]:
    return dict(connection.emit(event, payload, namespace=AGENT_NS, callback=True))


def test_each_agent_sees_only_their_departments(app: Flask, socketio: SocketIO) -> None:
    dan = agent_client(app, socketio, "dan")  # sales
    eve = agent_client(app, socketio, "eve")  # support
    bob = agent_client(app, socketio, "bob")  # admin
    for agent in (dan, eve, bob):
        emit(agent, "hello", {})
        agent.get_received(AGENT_NS)

    buyer = visitor_client(app, socketio, "/page/pricing")
    user = visitor_client(app, socketio, "/page/help/login")
    sale = say(buyer, "Volume discount?", "c-dept-0001")["conversation_id"]
    ticket = say(user, "I cannot log in", "c-dept-0002")["conversation_id"]

    # Socket rooms: live events reach only the department's agents (and admins).
    def seen(agent: Any) -> tuple[set[str], set[str]]:
        received = agent.get_received(AGENT_NS)
        conversations = {e["args"][0]["id"] for e in received if e["name"] == "conversation_updated"}
        visitors = {e["args"][0]["department"] for e in received if e["name"] == "visitor_updated"}
        return conversations, visitors

    assert seen(dan) == ({sale}, {"sales"})
    assert seen(eve) == ({ticket}, {"support"})
    assert seen(bob) == ({sale, ticket}, {"sales", "support"})

    # Queries: hello, join, search, transcript, visitor details, invitations, claims.
    hello_dan, hello_eve = emit(dan, "hello", {}), emit(eve, "hello", {})
    assert [c["id"] for c in hello_dan["conversations"]] == [sale]
    assert [c["id"] for c in hello_eve["conversations"]] == [ticket]
    assert [v["department"] for v in hello_dan["visitors"]] == ["sales"]
    assert hello_dan["agent"]["departments"] == ["sales"]
    assert {c["id"] for c in emit(bob, "hello", {})["conversations"]} == {sale, ticket}
    support_visitor = hello_eve["visitors"][0]["id"]

    for event, payload in (
        ("join_conversation", {"conversation_id": ticket}),
        ("fetch_conversation", {"conversation_id": ticket}),
        ("claim_conversation", {"conversation_id": ticket}),
        ("close_conversation", {"conversation_id": ticket}),
        ("transcript", {"conversation_id": ticket}),
        ("set_tags", {"conversation_id": ticket, "tags": ["x"]}),
        ("add_note", {"conversation_id": ticket, "client_id": "note-dept-1", "body": "x"}),
        ("send_message", {"conversation_id": ticket, "client_id": "c-dept-0003", "body": "x"}),
        ("visitor_details", {"visitor_id": support_visitor}),
        ("invite_visitor", {"visitor_id": support_visitor, "client_id": "c-dept-0004", "body": "hi"}),
        ("block_visitor", {"visitor_id": support_visitor, "minutes": 5}),
    ):
        ack = emit(dan, event, payload)
        assert ack["ok"] is False and ack["error"]["code"] == "not_found", event
    assert [c["id"] for c in emit(dan, "search_history", {})["conversations"]] == [sale]
    assert [c["id"] for c in emit(dan, "search_history", {"query": "log in"})["conversations"]] == []
    assert [c["id"] for c in emit(eve, "search_history", {"query": "log in"})["conversations"]] == [ticket]

    # Only an agent of the department can take it over.
    assert emit(dan, "claim_conversation", {"conversation_id": sale})["ok"]
    refused = emit(dan, "transfer_conversation", {"conversation_id": sale, "agent_id": "5", "note": "x"})
    assert refused["error"]["code"] == "conflict"
    assert emit(dan, "transfer_conversation", {"conversation_id": sale, "agent_id": "2"})["ok"]

    # A new message in the ticket does not reach Dan, even in its conversation room.
    dan.get_received(AGENT_NS)
    emit(eve, "join_conversation", {"conversation_id": ticket})
    say(user, "still stuck", "c-dept-0005")
    assert "still stuck" not in str(dan.get_received(AGENT_NS))
    buyer.disconnect(VISITOR_NS)
    user.disconnect(VISITOR_NS)


def test_agents_without_departments_see_nothing(app: Flask, socketio: SocketIO) -> None:
    ada = agent_client(app, socketio, "ada")  # an agent with no department
    guest = visitor_client(app, socketio, "/page/pricing")
    say(guest, "hello", "c-dept-0006")
    hello = emit(ada, "hello", {})
    assert hello["conversations"] == [] and hello["visitors"] == []
    guest.disconnect(VISITOR_NS)


def test_the_department_loader_seam(app: Flask, socketio: SocketIO) -> None:
    livechat: LiveChat = app.extensions["livechat"].livechat

    @livechat.department_loader
    def departments(user: Any) -> list[str]:
        return ["support"] if user.name == "Ada Agent" else []

    guest = visitor_client(app, socketio, "/")
    conversation = say(guest, "hello", "c-dept-0007")["conversation_id"]
    ada = agent_client(app, socketio, "ada")
    assert [c["id"] for c in emit(ada, "hello", {})["conversations"]] == [conversation]
    guest.disconnect(VISITOR_NS)


@pytest.mark.parametrize(
    "value",
    [["sales"], {"sales": "/pricing"}, {"sales": ["pricing"]}, {"bad name": ["/"]}, {"": ["/"]}],
)
def test_bad_department_config_fails_at_start_up(tmp_path: Any, value: Any) -> None:
    with pytest.raises(ConfigError, match="LIVECHAT_DEPARTMENTS"):
        build_app(str(tmp_path), LIVECHAT_DEPARTMENTS=value)


def test_visitors_get_the_department_of_their_page(app: Flask, socketio: SocketIO) -> None:
    bob = agent_client(app, socketio, "bob")
    guest = visitor_client(app, socketio, "/page/pricing/enterprise")
    conversation = say(guest, "hi", "c-dept-0008")["conversation_id"]
    assert (
        emit(bob, "transcript", {"conversation_id": conversation})["transcript"]["conversation"]["department"]
        == "sales"
    )
    assert events(bob, AGENT_NS, "visitor_updated")[-1]["department"] == "sales"
    guest.disconnect(VISITOR_NS)


def test_a_visitor_who_changes_department_leaves_the_other_list(app: Flask, socketio: SocketIO) -> None:
    dan = agent_client(app, socketio, "dan")  # sales
    eve = agent_client(app, socketio, "eve")  # support
    http = app.test_client()
    guest = visitor_client(app, socketio, "/page/pricing", http=http)
    (listed,) = emit(dan, "hello", {})["visitors"]
    dan.get_received(AGENT_NS)
    eve.get_received(AGENT_NS)
    http.get("/page/help")  # now on a support page
    guest.emit("hello", {"page": {"url": "http://localhost/page/help"}}, namespace=VISITOR_NS, callback=True)
    assert events(dan, AGENT_NS, "visitor_updated") == [{"id": listed["id"], "listed": False}]
    # (the page view's push, and the widget's hello on it coalesced into the next batch)
    pushed = wait_for_events(eve, AGENT_NS, "visitor_updated", lambda v: v["department"] == "support")
    assert {v["department"] for v in pushed} == {"support"}
    assert events(dan, AGENT_NS, "visitor_updated") == []  # the batch did not reach the sales agent
    assert emit(dan, "hello", {})["visitors"] == []
    guest.disconnect(VISITOR_NS)


def test_a_first_time_visitors_chat_gets_the_department_of_their_page(app: Flask, socketio: SocketIO) -> None:
    """A browser on its first page (a pending cookie, no page view stored yet) that writes at once: the
    department comes from the page the widget names, so the department's agents see the chat (it was stored
    without one, and no agent of a department ever saw it)."""
    dan = agent_client(app, socketio, "dan")  # sales
    emit(dan, "hello", {})
    http = app.test_client()
    http.get("/page/pricing")  # cookie-less: nothing stored
    # The widget showed the notice: recognised from now on (the cookie), yet no page view of theirs is stored.
    noticed = http.post("/livechat/api/consent", json={"choice": "noticed"})
    assert noticed.status_code == 200, noticed.get_data(as_text=True)
    buyer = socketio.test_client(app, namespace=VISITOR_NS, flask_test_client=http)
    ack = buyer.emit(
        "hello", {"page": {"url": "http://localhost/page/pricing"}}, namespace=VISITOR_NS, callback=True
    )
    assert ack["ok"]
    sale = say(buyer, "Do you invoice yearly?", "c-dept-first")["conversation_id"]
    assert [c["id"] for c in emit(dan, "hello", {})["conversations"]] == [sale]
    buyer.disconnect(VISITOR_NS)
