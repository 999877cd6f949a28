"""Proactive chat: an agent invites a visitor who is on the site; the invitation reaches their widget."""

from __future__ import annotations

from flask import Flask
from flask_socketio import SocketIO

from tests.conftest import agent_client, events, say, visitor_client

AGENT_NS = "/livechat-agent"
VISITOR_NS = "/livechat"


def test_invite_a_visitor_on_the_site(app: Flask, socketio: SocketIO) -> None:
    guest = visitor_client(app, socketio, "/page/pricing")
    other_tab = socketio.test_client(app, namespace=VISITOR_NS, flask_test_client=guest.flask_test_client)
    ada = agent_client(app, socketio, "ada")
    (listed,) = ada.emit("hello", {}, namespace=AGENT_NS, callback=True)["visitors"]
    guest.get_received(VISITOR_NS)
    other_tab.get_received(VISITOR_NS)

    payload = {"visitor_id": listed["id"], "client_id": "invite-0001", "body": "Need help choosing a plan?"}
    ack = ada.emit("invite_visitor", payload, namespace=AGENT_NS, callback=True)
    assert ack["ok"], ack
    assert ack["conversation"]["assigned_agent_name"] == "Ada Agent"
    for tab in (guest, other_tab):
        received = tab.get_received(VISITOR_NS)
        (invitation,) = [e["args"][0] for e in received if e["name"] == "invitation"]
        assert invitation["conversation_id"] == ack["message"]["conversation_id"]
        assert invitation["message"]["body"] == "Need help choosing a plan?"
        assert invitation["message"]["sender"] == "agent" and invitation["message"]["author"] == "Ada Agent"
        assert [e["args"][0]["id"] for e in received if e["name"] == "new_message"] == [ack["message"]["id"]]

    # The visitor's answer continues that conversation; their hello shows it.
    reply = say(guest, "Yes please", "c-invite-01")
    assert reply["conversation_id"] == ack["message"]["conversation_id"] and reply["seq"] == 2
    assert [u["id"] for u in events(ada, AGENT_NS, "conversation_updated")][-1] == reply["conversation_id"]

    # Inviting someone already chatting is a conflict and stores nothing.
    again = ada.emit(
        "invite_visitor", {**payload, "client_id": "invite-0002"}, namespace=AGENT_NS, callback=True
    )
    assert again["ok"] is False and again["error"]["code"] == "conflict"
    for bad in ({**payload, "visitor_id": "unknown"}, {**payload, "body": " "}, {"visitor_id": listed["id"]}):
        ack = ada.emit("invite_visitor", bad, namespace=AGENT_NS, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] in {"invalid", "not_found"}
    guest.disconnect(VISITOR_NS)
    other_tab.disconnect(VISITOR_NS)


def test_the_loader_can_ask_whether_it_was_invited(app: Flask, socketio: SocketIO) -> None:
    guest = visitor_client(app, socketio, "/page/pricing")
    http = guest.flask_test_client
    assert http.get("/livechat/widget/pending").json == {"ok": True, "invited": False}
    assert app.test_client().get("/livechat/widget/pending").json["invited"] is False  # a stranger
    ada = agent_client(app, socketio, "ada")
    (listed,) = ada.emit("hello", {}, namespace=AGENT_NS, callback=True)["visitors"]
    payload = {"visitor_id": listed["id"], "client_id": "invite-0002", "body": "Hello there"}
    assert ada.emit("invite_visitor", payload, namespace=AGENT_NS, callback=True)["ok"]
    answer = http.get("/livechat/widget/pending")
    assert answer.json["invited"] is True and answer.headers["Cache-Control"] == "no-store"
    assert app.test_client().get("/livechat/widget/pending").json["invited"] is False  # still only theirs
    say(guest, "Hi!", "c-pending-1")
    assert http.get("/livechat/widget/pending").json["invited"] is False  # they are chatting now
