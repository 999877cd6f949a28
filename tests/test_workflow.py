"""Several chats at once: the unassigned queue, claim, assign, transfer with a note, viewers, close/reopen."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_socketio import SocketIO

from tests.conftest import agent_client, events, say, visitor_client

AGENT_NS = "/livechat-agent"
VISITOR_NS = "/livechat"


def emit(connection: Any, event: str, payload: Any) -> dict[str, Any]:
    return dict(connection.emit(event, payload, namespace=AGENT_NS, callback=True))


def test_claim_assign_transfer_with_a_note(app: Flask, socketio: SocketIO) -> None:
    ada = agent_client(app, socketio, "ada")
    bob = agent_client(app, socketio, "bob")
    first = visitor_client(app, socketio, "/")
    second = visitor_client(app, socketio, "/")
    one = say(first, "first question", "c-flow-0001")["conversation_id"]
    two = say(second, "second question", "c-flow-0002")["conversation_id"]

    listed = emit(ada, "hello", {})["conversations"]
    assert {c["id"]: c["assigned_agent_id"] for c in listed} == {one: None, two: None}  # the queue

    claimed = emit(ada, "claim_conversation", {"conversation_id": one})
    assert claimed["conversation"]["assigned_agent_name"] == "Ada Agent"
    taken = emit(bob, "claim_conversation", {"conversation_id": one})
    assert taken["ok"] is False and taken["error"]["code"] == "conflict"
    update = [u for u in events(bob, AGENT_NS, "conversation_updated") if u["id"] == one][-1]
    assert update["assigned_agent_id"] == "1"

    # Ada works on both at once: she assigns the second to herself too.
    assert emit(ada, "assign_conversation", {"conversation_id": two, "agent_id": "1"})["ok"]

    # Transfer to Bob with a note: Bob is told, the note is kept as an internal note.
    bob.get_received(AGENT_NS)
    moved = emit(
        ada, "transfer_conversation", {"conversation_id": one, "agent_id": "2", "note": "Billing question"}
    )
    assert moved["conversation"]["assigned_agent_id"] == "2"
    (told,) = events(bob, AGENT_NS, "conversation_assigned")
    assert (
        told["conversation"]["id"] == one and told["note"] == "Billing question" and told["by"] == "Ada Agent"
    )
    joined = emit(bob, "join_conversation", {"conversation_id": one})
    assert [n["body"] for n in joined["notes"]] == ["Transferred to Bob Admin: Billing question"]

    # Only the holder (or an admin) transfers; offline agents cannot be picked.
    refused = emit(ada, "transfer_conversation", {"conversation_id": one, "agent_id": "1"})
    assert refused["error"]["code"] == "forbidden"
    offline = emit(bob, "transfer_conversation", {"conversation_id": one, "agent_id": "77"})
    assert offline["error"]["code"] == "not_found"

    # Close and reopen, statuses shown.
    closed = emit(bob, "close_conversation", {"conversation_id": one})
    assert closed["conversation"]["status"] == "closed"
    assert emit(bob, "reopen_conversation", {"conversation_id": one})["conversation"]["status"] == "open"
    first.disconnect(VISITOR_NS)
    second.disconnect(VISITOR_NS)


def test_who_else_is_viewing(app: Flask, socketio: SocketIO) -> None:
    ada = agent_client(app, socketio, "ada")
    bob = agent_client(app, socketio, "bob")
    guest = visitor_client(app, socketio, "/")
    conversation = say(guest, "hi", "c-view-0001")["conversation_id"]
    assert emit(ada, "join_conversation", {"conversation_id": conversation})["viewers"] == [
        {"id": "1", "name": "Ada Agent"}
    ]
    ada.get_received(AGENT_NS)
    joined = emit(bob, "join_conversation", {"conversation_id": conversation})
    assert [v["name"] for v in joined["viewers"]] == ["Ada Agent", "Bob Admin"]
    assert [v["name"] for v in events(ada, AGENT_NS, "viewers")[-1]["viewers"]] == ["Ada Agent", "Bob Admin"]
    assert emit(bob, "leave_conversation", {"conversation_id": conversation}) == {"ok": True}
    assert [v["name"] for v in events(ada, AGENT_NS, "viewers")[-1]["viewers"]] == ["Ada Agent"]
    emit(bob, "join_conversation", {"conversation_id": conversation})
    ada.get_received(AGENT_NS)
    bob.disconnect(AGENT_NS)  # closing the tab stops viewing too
    assert [v["name"] for v in events(ada, AGENT_NS, "viewers")[-1]["viewers"]] == ["Ada Agent"]
    guest.disconnect(VISITOR_NS)


def test_bad_workflow_payloads_change_nothing(app: Flask, socketio: SocketIO) -> None:
    ada = agent_client(app, socketio, "ada")
    guest = visitor_client(app, socketio, "/")
    conversation = say(guest, "hi", "c-bad-00001")["conversation_id"]
    for event, payload in (
        ("claim_conversation", {"conversation_id": "missing"}),
        ("claim_conversation", {}),
        ("assign_conversation", {"conversation_id": conversation}),
        ("assign_conversation", {"conversation_id": conversation, "agent_id": ""}),
        ("transfer_conversation", {"conversation_id": conversation, "agent_id": "2", "note": "x" * 1001}),
        ("set_tags", {"conversation_id": conversation, "tags": ["<b>"]}),
        ("set_tags", {"conversation_id": conversation, "tags": "vip"}),
        ("add_note", {"conversation_id": conversation, "client_id": "short", "body": "x"}),
        ("leave_conversation", None),
        ("no_such_event", {}),
    ):
        ack = emit(ada, event, payload)
        assert ack["ok"] is False and ack["error"]["code"] in {"invalid", "not_found", "unknown_event"}, event
    (listed,) = emit(ada, "hello", {})["conversations"]
    assert listed["assigned_agent_id"] is None and listed["tags"] == []
    guest.disconnect(VISITOR_NS)


def test_assignment_is_checked_under_the_lock(app: Flask, socketio: SocketIO) -> None:
    """Two agents acting at once: the second one's view is stale and it changes nothing."""
    livechat = app.extensions["livechat"]
    guest = visitor_client(app, socketio, "/")
    conversation = say(guest, "hi", "c-race-0001")["conversation_id"]
    with app.app_context():
        assert livechat.store.workflow.assign(conversation, "1", "Ada", expected=(None,))
        # claimed meanwhile, then transferred meanwhile
        assert not livechat.store.workflow.assign(conversation, "2", "Bob", expected=(None,))
        assert not livechat.store.workflow.assign(conversation, "2", "Bob", expected=("3",))
        assert livechat.store.conversations.get_conversation(conversation).assigned_agent_id == "1"  # type: ignore[union-attr]
    guest.disconnect(VISITOR_NS)
