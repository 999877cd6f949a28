"""Canned responses: admins manage them on CSRF-protected forms; agents get them in the console."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO

from flask_livechat.state import LiveChatState
from tests.conftest import agent_client

AGENT_NS = "/livechat-agent"


def logged_in(app: Flask, name: str) -> FlaskClient:
    http = app.test_client()
    http.get(f"/login-as/{name}")
    return http


def csrf(http: FlaskClient) -> str:
    page = http.get("/livechat/admin/").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def test_admins_create_edit_and_delete(app: Flask, socketio: SocketIO, livechat: LiveChatState) -> None:
    admin = logged_in(app, "bob")
    token = csrf(admin)
    response = admin.post(
        "/livechat/admin/canned", data={"csrf_token": token, "shortcut": "/Hours", "body": "We answer 9-17."}
    )
    assert response.status_code == 302
    page = admin.get("/livechat/admin/").get_data(as_text=True)
    assert "/hours" in page and "Saved /hours." in page
    with app.app_context():
        (item,) = livechat.store.canned.canned_responses()
    assert (item.shortcut, item.body) == ("hours", "We answer 9-17.")

    # Agents get them with hello, for the "/" shortcut.
    ada = agent_client(app, socketio, "ada")
    ack = ada.emit("hello", {}, namespace=AGENT_NS, callback=True)
    assert ack["canned"] == [{"shortcut": "hours", "body": "We answer 9-17."}]

    admin.post(
        "/livechat/admin/canned",
        data={"csrf_token": token, "id": str(item.id), "shortcut": "hours", "body": "We answer 8-18."},
    )
    # A duplicate shortcut, a bad shortcut, an empty body: refused with a message, nothing changes.
    for data in (
        {"shortcut": "hours", "body": "again"},
        {"shortcut": "no spaces", "body": "x"},
        {"shortcut": "empty", "body": "  "},
    ):
        response = admin.post("/livechat/admin/canned", data={"csrf_token": token, **data})
        page = response.get_data(as_text=True)
        # Shown again at once with what was typed, the wrong field marked and the reason beside it.
        assert response.status_code == 400 and "lc-flash--error" in page
        assert f'value="{data["shortcut"]}"' in page and 'aria-invalid="true"' in page
        assert data["body"].strip() in page and 'class="lc-field-error"' in page
    # Editing an existing one keeps the typed reply in its own row.
    edit = {"id": str(item.id), "shortcut": "hours", "body": "x" * 4001}
    page = admin.post("/livechat/admin/canned", data={"csrf_token": token, **edit}).get_data(as_text=True)
    assert f'id="canned-{item.id}-error"' in page and "x" * 4001 in page
    with app.app_context():
        assert [(c.shortcut, c.body) for c in livechat.store.canned.canned_responses()] == [
            ("hours", "We answer 8-18.")
        ]

    # Delete asks first: the link opens a page with one button (and the token), which then deletes.
    ask = admin.get(f"/livechat/admin/canned/{item.id}/delete").get_data(as_text=True)
    assert (
        "Delete the canned response /hours?" in ask
        and "We answer 8-18." in ask
        and 'name="csrf_token"' in ask
    )
    with app.app_context():
        assert len(livechat.store.canned.canned_responses()) == 1  # asking deleted nothing
    admin.post(f"/livechat/admin/canned/{item.id}/delete", data={"csrf_token": token})
    assert admin.get(f"/livechat/admin/canned/{item.id}/delete").status_code == 404
    with app.app_context():
        assert livechat.store.canned.canned_responses() == []


def test_forms_need_the_csrf_token(app: Flask, livechat: LiveChatState) -> None:
    admin = logged_in(app, "bob")
    csrf(admin)
    for data in ({}, {"csrf_token": "forged"}):
        response = admin.post("/livechat/admin/canned", data={**data, "shortcut": "x", "body": "y"})
        assert response.status_code == 400
    assert admin.post("/livechat/admin/canned/1/delete", data={}).status_code == 400
    assert admin.post("/livechat/admin/blocks/1/lift", data={}).status_code == 400
    # Another session's token does not work either.
    other = logged_in(app, "bob")
    response = other.post(
        "/livechat/admin/canned", data={"csrf_token": csrf(admin), "shortcut": "x", "body": "y"}
    )
    assert response.status_code == 400
    with app.app_context():
        assert livechat.store.canned.canned_responses() == []


def test_only_admins(app: Flask) -> None:
    assert logged_in(app, "ada").get("/livechat/admin/").status_code == 403
    assert logged_in(app, "carol").get("/livechat/admin/").status_code == 403
    assert app.test_client().get("/livechat/admin/").status_code == 401
    assert logged_in(app, "ada").post("/livechat/admin/canned", data={}).status_code == 403


def test_admin_page_lists_blocks_and_logs(app: Flask, socketio: SocketIO, livechat: LiveChatState) -> None:
    bob = agent_client(app, socketio, "bob")
    ack = bob.emit(
        "block_visitor",
        {"network": "198.51.100.7", "minutes": 30, "reason": "<script>"},
        namespace=AGENT_NS,
        callback=True,
    )
    admin = logged_in(app, "bob")
    page = admin.get("/livechat/admin/").get_data(as_text=True)
    assert "198.51.100.7/32" in page and "&lt;script&gt;" in page and "<script>" not in page
    response = admin.post(f"/livechat/admin/blocks/{ack['block_id']}/lift", data={"csrf_token": csrf(admin)})
    assert response.status_code == 302
    with app.app_context():
        assert livechat.store.moderation.active_blocks() == []
        assert [e.action for e in livechat.store.moderation.moderation_log()] == ["unblock", "block"]
