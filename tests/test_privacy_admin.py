"""Admin privacy tools on the console and the CLI: find, export (with the host's rows), erase, audit."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from flask_livechat.state import LiveChatState
from flask_livechat.store import VisitorRecord
from tests.conftest import agent_client


@pytest.fixture
def host_rows(app: Flask) -> dict[str, Any]:
    """The host's own records about user 3, reached through the export and erase hooks."""
    rows: dict[str, Any] = {
        "3": {"plan": "Pro", "card": "4242 4242 4242 4242", "notes": ["paid by 5555555555554444"]}
    }
    livechat = app.extensions["livechat"].livechat
    livechat.export_hook(lambda user_id: rows.get(user_id))
    livechat.erase_hook(lambda user_id: rows.pop(user_id, None))
    return rows


def customer_visitor(app: Flask, socketio: Any) -> tuple[FlaskClient, SocketIOTestClient]:
    """Carol (host user 3) logged in and chatting."""
    http = app.test_client()
    http.get("/login-as/carol")
    http.get("/")
    connection = socketio.test_client(app, namespace="/livechat", flask_test_client=http)
    connection.emit(
        "send_message",
        {"client_id": "c-carol-01", "body": "Hi, Carol here"},
        namespace="/livechat",
        callback=True,
    )
    return http, connection


def admin(app: Flask) -> FlaskClient:
    http = app.test_client()
    http.get("/login-as/bob")
    return http


TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(http: FlaskClient) -> str:
    match = TOKEN.search(http.get("/livechat/admin/privacy").get_data(as_text=True))
    assert match is not None
    return match.group(1)


def lookup(http: FlaskClient, path: str = "/livechat/admin/privacy", **fields: str) -> Any:
    """A search (or export) as the page's form sends it: a POST with the page's CSRF token."""
    return http.post(path, data={**fields, "csrf_token": form_token(http)})


def test_only_admins_reach_the_tools(app: Flask) -> None:
    anonymous = app.test_client().get("/livechat/admin/privacy")
    assert anonymous.status_code == 401
    agent = app.test_client()
    agent.get("/login-as/ada")
    assert agent.get("/livechat/admin/privacy").status_code == 403
    assert agent.post("/livechat/admin/privacy/export", data={"user_id": "3"}).status_code == 403
    assert agent.post("/livechat/admin/privacy", data={"user_id": "3"}).status_code == 403
    assert admin(app).get("/livechat/admin/privacy").status_code == 200


def test_find_and_export_by_host_user_with_cards_masked(
    app: Flask, socketio: Any, livechat: LiveChatState, host_rows: dict[str, Any]
) -> None:
    customer_visitor(app, socketio)
    page = lookup(admin(app), user_id="3").get_data(as_text=True)
    assert "1 visitor record for host_user_id=3" in page
    exported = json.loads(lookup(admin(app), "/livechat/admin/privacy/export", user_id="3").data)
    assert exported["visitors"][0]["conversations"][0]["messages"][0]["body"] == "Hi, Carol here"
    assert exported["host"]["3"]["card"] == "•••• •••• •••• 4242"
    assert exported["host"]["3"]["notes"] == ["paid by ••••••••••••4444"]
    assert [e["action"] for e in livechat.store.privacy.audit_entries()] == ["export", "view"]


def test_erase_from_the_console_calls_the_hosts_hook(
    app: Flask, socketio: Any, livechat: LiveChatState, host_rows: dict[str, Any]
) -> None:
    customer_visitor(app, socketio)
    http = admin(app)
    token = form_token(http)
    forged = http.post(
        "/livechat/admin/privacy/erase", data={"user_id": "3", "confirm": "yes", "csrf_token": "x"}
    )
    assert forged.status_code == 400 and livechat.store.count_rows()["livechat_messages"] == 1
    done = http.post(
        "/livechat/admin/privacy/erase", data={"user_id": "3", "confirm": "yes", "csrf_token": token}
    )
    assert done.status_code == 200 and "Erased 1 visitor record." in done.get_data(as_text=True)
    assert livechat.store.count_rows()["livechat_messages"] == 0
    assert host_rows == {}
    entry = livechat.store.privacy.audit_entries()[0]
    assert (entry["action"], entry["actor"]) == ("erase", "Bob Admin (user 2)")


def test_find_by_email_and_visitor_id(app: Flask, socketio: Any, livechat: LiveChatState) -> None:
    customer_visitor(app, socketio)
    [visitor_id] = livechat.store.privacy.find_visitor_ids(host_user_id="3")
    livechat.store.privacy.set_profile([visitor_id], name="Carol", email="carol@example.com")
    by_email = lookup(admin(app), email="carol@example.com").get_data(as_text=True)
    assert "carol@example.com" in by_email and "1 visitor record for" in by_email
    by_id = lookup(admin(app), visitor_id=visitor_id).get_data(as_text=True)
    assert "1 visitor record for" in by_id
    assert lookup(admin(app), email="not-an-email").status_code == 400
    assert lookup(admin(app)).status_code == 400  # nobody named


def test_a_get_shows_the_form_only_and_writes_no_audit_entry(
    app: Flask, socketio: Any, livechat: LiveChatState
) -> None:
    """A link (or a cross-site page) with ?email= must not make an admin's browser search and log it."""
    customer_visitor(app, socketio)
    http = admin(app)
    page = http.get("/livechat/admin/privacy?user_id=3&email=carol@example.com").get_data(as_text=True)
    assert "visitor record" not in page and 'method="post"' in page
    assert http.get("/livechat/admin/privacy/export?user_id=3").status_code == 405
    assert livechat.store.privacy.audit_entries() == []
    for forged in ({}, {"csrf_token": "forged"}):
        assert http.post("/livechat/admin/privacy", data={"user_id": "3", **forged}).status_code == 400
        refused = http.post("/livechat/admin/privacy/export", data={"user_id": "3", **forged})
        assert refused.status_code == 400
    assert livechat.store.privacy.audit_entries() == []


def test_transcript_views_are_audited(app: Flask, socketio: Any, livechat: LiveChatState) -> None:
    customer_visitor(app, socketio)
    agent = agent_client(app, socketio)
    [conversation] = agent.emit("hello", {}, namespace="/livechat-agent", callback=True)["conversations"]
    agent.emit(
        "join_conversation",
        {"conversation_id": conversation["id"]},
        namespace="/livechat-agent",
        callback=True,
    )
    [entry] = livechat.store.privacy.audit_entries()
    assert (entry["action"], entry["actor"]) == ("view", "Ada Agent (user 1)")


def test_cli_export_and_erase(
    app: Flask, socketio: Any, livechat: LiveChatState, host_rows: dict[str, Any]
) -> None:
    customer_visitor(app, socketio)
    runner = app.test_cli_runner()
    exported = runner.invoke(args=["livechat", "export", "--user-id", "3"])
    assert exported.exit_code == 0, exported.output
    document = json.loads(exported.stdout)
    assert document["host"]["3"]["plan"] == "Pro"
    refused = runner.invoke(args=["livechat", "erase", "--user-id", "3"], input="n\n")
    assert refused.exit_code != 0 and livechat.store.count_rows()["livechat_messages"] == 1
    erased = runner.invoke(args=["livechat", "erase", "--user-id", "3", "--yes"])
    assert erased.exit_code == 0 and "erased 1 visitor record(s)" in erased.output
    assert livechat.store.count_rows()["livechat_messages"] == 0 and host_rows == {}
    nobody = runner.invoke(args=["livechat", "erase"])
    assert nobody.exit_code == 2 and "visitor id, email or host user id" in nobody.output
    assert [e["actor"] for e in livechat.store.privacy.audit_entries()] == ["command line", "command line"]


def test_visitor_record_carries_the_host_user(app: Flask, socketio: Any, livechat: LiveChatState) -> None:
    customer_visitor(app, socketio)
    [visitor_id] = livechat.store.privacy.find_visitor_ids(host_user_id="3")
    visitor = livechat.store.visitors.get_visitor(visitor_id)
    assert isinstance(visitor, VisitorRecord) and visitor.host_user_id == "3"
