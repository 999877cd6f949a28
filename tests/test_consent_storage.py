"""Nothing about a person is stored in opt-in before they accept or write; the least the chat needs once they
write; connection rows go with the connection; a new policy version leaves the earlier conversation
reachable. Every step is checked in a dump of every table, never in our functions' answers."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO, SocketIOTestClient
from sqlalchemy import update

from flask_livechat.identity import visitor_token
from flask_livechat.state import LiveChatState
from flask_livechat.store.models import VisitorConnection, utcnow
from tests.conftest import say
from tests.helpers import every_row

NS = "/livechat"
HELLO = {"timezone": "Pacific/Chatham", "page": {"url": "http://localhost/page/help?q=1", "title": "Help me"}}

pytestmark = pytest.mark.livechat_config(LIVECHAT_CONSENT_MODE="opt-in")


def stored(livechat: LiveChatState) -> dict[str, list[str]]:
    """Every table that holds a row (the audit log of the person's own requests aside)."""
    return {table: rows for table, rows in every_row(livechat).items() if rows}


def accepted_and_open(
    app: Flask, socketio: SocketIO, client: FlaskClient, path: str = "/"
) -> SocketIOTestClient:
    """A visitor who accepted, loaded ``path`` and opened the chat (its hello answered)."""
    client.post("/livechat/api/consent", json={"choice": "accepted"})
    client.get(path)
    widget = socketio.test_client(app, namespace=NS, flask_test_client=client)
    widget.emit("hello", HELLO, namespace=NS, callback=True)
    return widget


def test_page_loads_opening_the_chat_and_stale_cookies_store_nothing_before_a_choice(
    app: Flask, socketio: SocketIO, client: FlaskClient, livechat: LiveChatState
) -> None:
    client.get("/page/pricing")
    assert stored(livechat) == {}
    for token in (
        visitor_token(app, "stale-pending-01", pending=True),
        visitor_token(app, "stale-full-0001"),
    ):
        client.set_cookie("livechat_visitor", token)  # a cookie from before opt-in, or from another mode
        client.get("/page/pricing")
        assert client.get("/livechat/widget/pending").json == {"ok": True, "invited": False}
        assert stored(livechat) == {}
    widget = socketio.test_client(app, namespace=NS, flask_test_client=client)
    ack = widget.emit("hello", HELLO, namespace=NS, callback=True)
    assert ack["ok"] and ack["remembered"] is False
    widget.emit(
        "page", {"page": {"url": "http://localhost/page/b", "title": "B"}}, namespace=NS, callback=True
    )
    widget.emit("typing", {"typing": True}, namespace=NS, callback=True)
    assert stored(livechat) == {}
    widget.disconnect(namespace=NS)
    assert stored(livechat) == {}


def test_a_message_without_accepting_stores_the_least_the_chat_needs(
    app: Flask, socketio: SocketIO, client: FlaskClient, livechat: LiveChatState
) -> None:
    widget = socketio.test_client(app, namespace=NS, flask_test_client=client)
    session = widget.emit("hello", HELLO, namespace=NS, callback=True)["session"]
    say(widget, "can you help?", "c-store-00001")
    rows = stored(livechat)
    assert set(rows) == {
        "livechat_visitors",
        "livechat_visitor_connections",
        "livechat_conversations",
        "livechat_messages",
        "livechat_report_chats",
    }, rows
    text = json.dumps(rows)
    assert "Pacific/Chatham" not in text  # no time zone without consent
    assert "http://localhost/page/help" in " ".join(rows["livechat_visitor_connections"])  # path only
    assert "q=1" not in text
    [visitor] = rows["livechat_visitors"]
    assert '"False"' in visitor  # not persistent: it lives for the page session

    # A reconnect of the same page keeps the same visitor; the connection row goes with the connection.
    widget.disconnect(namespace=NS)
    assert "livechat_visitor_connections" not in stored(livechat)
    again = socketio.test_client(app, namespace=NS, flask_test_client=client, auth={"session": session})
    assert again.emit("hello", {}, namespace=NS, callback=True)["messages"][0]["body"] == "can you help?"
    assert len(stored(livechat)["livechat_visitor_connections"]) == 1  # stored again, they wrote before
    again.disconnect(namespace=NS)
    assert "livechat_visitor_connections" not in stored(livechat)


def test_accepting_starts_storing(
    app: Flask, socketio: SocketIO, client: FlaskClient, livechat: LiveChatState
) -> None:
    widget = accepted_and_open(app, socketio, client, "/page/pricing")
    rows = stored(livechat)
    for table in ("livechat_visitors", "livechat_visits", "livechat_page_views", "livechat_consents"):
        assert rows.get(table), table
    assert "Pacific/Chatham" in " ".join(rows["livechat_visitors"])
    assert rows["livechat_visitor_connections"]
    widget.disconnect(namespace=NS)
    assert "livechat_visitor_connections" not in stored(livechat)


def test_connection_rows_of_a_dead_process_are_swept(
    app: Flask, socketio: SocketIO, client: FlaskClient, livechat: LiveChatState
) -> None:
    widget = accepted_and_open(app, socketio, client)
    [visitor_id] = [json.loads(row)[0] for row in every_row(livechat)["livechat_visitors"]]
    # A process that died: its row is older than the presence timeout and nobody refreshes it.
    old = utcnow() - timedelta(seconds=app.config["LIVECHAT_PRESENCE_TIMEOUT"] + 5)
    livechat.store.presence.visitor_connected("dead-process-sid", visitor_id)
    with livechat.store.engine.begin() as connection:
        connection.execute(
            update(VisitorConnection)
            .where(VisitorConnection.sid == "dead-process-sid")
            .values(last_seen_at=old)
        )
    assert app.test_cli_runner().invoke(args=["livechat", "purge"]).exit_code == 0
    sids = [json.loads(row)[0] for row in every_row(livechat)["livechat_visitor_connections"]]
    assert "dead-process-sid" not in sids and len(sids) == 1  # the live one stays
    widget.disconnect(namespace=NS)


def test_a_new_policy_version_keeps_the_earlier_conversation_reachable(
    app: Flask, socketio: SocketIO, client: FlaskClient, livechat: LiveChatState
) -> None:
    widget = accepted_and_open(app, socketio, client)
    say(widget, "given under version one", "c-version-0001")
    widget.disconnect(namespace=NS)
    app.config["LIVECHAT_POLICY_VERSION"] = "2"

    page = client.get("/")
    assert "livechat_visitor=;" not in page.headers.get("Set-Cookie", "")  # the cookie stays, unused
    before = stored(livechat)
    widget = socketio.test_client(app, namespace=NS, flask_test_client=client)
    hello = widget.emit("hello", {}, namespace=NS, callback=True)
    assert hello["privacy"]["needs_choice"] is True and hello["messages"] == []  # not recognised now
    assert stored(livechat) == before  # nothing recorded while the question is open
    mine = client.get("/livechat/api/my-data?format=json").json
    assert "given under version one" in json.dumps(mine)
    assert "holds no chat data" not in client.get("/livechat/privacy").get_data(as_text=True)

    # Chatting before answering, then accepting: one record holds both conversations.
    session = hello["session"]
    say(widget, "asked under version two", "c-version-0002")
    accepted = client.post(
        "/livechat/api/consent", json={"choice": "accepted"}, headers={"X-LiveChat-Session": session}
    )
    assert accepted.status_code == 200
    assert len(stored(livechat)["livechat_visitors"]) == 1
    [entry] = client.get("/livechat/api/my-data?format=json").json["visitors"]
    bodies = [m["body"] for c in entry["conversations"] for m in c["messages"]]
    assert bodies == ["given under version one", "asked under version two"]
    widget.disconnect(namespace=NS)


def test_declining_a_new_policy_version_erases_the_earlier_data(
    app: Flask, socketio: SocketIO, client: FlaskClient, livechat: LiveChatState
) -> None:
    client.post("/livechat/api/consent", json={"choice": "accepted"})
    client.get("/")
    widget = socketio.test_client(app, namespace=NS, flask_test_client=client)
    session = widget.emit("hello", {}, namespace=NS, callback=True)["session"]
    say(widget, "given under version one", "c-version-0003")
    widget.disconnect(namespace=NS)
    app.config["LIVECHAT_POLICY_VERSION"] = "2"
    client.post("/livechat/api/consent", json={"choice": "declined"}, headers={"X-LiveChat-Session": session})
    left = {table: rows for table, rows in stored(livechat).items() if table != "livechat_audit_log"}
    assert list(left) == ["livechat_consents"], left
    assert "given under version one" not in json.dumps(every_row(livechat))
