"""Issue 7, point 6: every state-changing form of the console and admin pages refuses a POST without its
CSRF token, with a forged one, or with a token made for another form, and changes nothing; the page's own
token works (so the refusals are about the token, not the form).

Driven by the url_map: a new staff POST route fails here until it is listed with the page that renders it.
"""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO

from flask_livechat.state import LiveChatState
from flask_livechat.store import webhooks as outbox
from flask_livechat.store.models import utcnow
from tests.conftest import say, visitor_client
from tests.helpers import api_token, every_row, is_staff_path

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def staff_post_endpoints(app: Flask) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if is_staff_path(rule.rule) and "POST" in (rule.methods or set())
    }


def page_token(client: FlaskClient, page: str) -> str:
    html = client.get(page).get_data(as_text=True)
    match = TOKEN.search(html)
    assert match, html
    return match.group(1)


def test_staff_forms_refuse_missing_forged_and_foreign_tokens(
    app: Flask, livechat: LiveChatState, socketio: SocketIO
) -> None:
    visitor = visitor_client(app, socketio)
    conversation_id = say(visitor, "please erase me later", "csrf-0001")["conversation_id"]
    conversation = livechat.store.conversations.get_conversation(conversation_id)
    assert conversation is not None
    visitor_id = conversation.visitor_id
    assert livechat.store.canned.save_canned(None, "hello", "Hello there")
    canned_id = livechat.store.canned.canned_responses()[0].id
    block_id = livechat.store.moderation.add_block(
        visitor_id=visitor_id, network=None, expires_at=utcnow() + timedelta(days=1), reason="x", actor="Bob"
    )
    # Webhook endpoints, disabled so that nothing is sent while rows are compared: one with a queued delivery
    # (replay, rotate), one to delete, one to enable.
    hooks = [
        livechat.store.webhooks.create_endpoint(
            f"http://127.0.0.1:9/{name}", ["message.created"], "whsec_AA=="
        )
        for name in ("replayed", "deleted", "enabled")
    ]
    for hook in reversed(hooks):  # the first one gets a delivery before it is disabled too
        if hook is hooks[0]:
            with livechat.store.database.writing() as connection:
                outbox.enqueue(connection, "message.created", {"text": "queued"}, visitor_id=None)
        livechat.store.webhooks.set_enabled(hook.id, False)
    [delivery] = livechat.store.webhooks.deliveries(limit=10, endpoint_id=hooks[0].id)
    webhooks = "/livechat/admin/webhooks"
    admin = app.test_client()
    admin.get("/login-as/bob")
    # endpoint: (path, form without token, page whose form carries the token)
    forms: dict[str, tuple[str, dict[str, str], str]] = {
        "livechat.canned_save": (
            "/livechat/admin/canned",
            {"shortcut": "bye", "body": "Goodbye"},
            "/livechat/admin/",
        ),
        "livechat.canned_delete": (f"/livechat/admin/canned/{canned_id}/delete", {}, "/livechat/admin/"),
        "livechat.block_lift": (f"/livechat/admin/blocks/{block_id}/lift", {}, "/livechat/admin/"),
        "livechat_privacy.admin_erase": (
            "/livechat/admin/privacy/erase",
            {"visitor_id": visitor_id, "confirm": "yes"},
            "/livechat/admin/privacy",
        ),
        # Lookups and exports write audit entries: they are POSTs with the token too.
        "livechat_privacy.admin": (
            "/livechat/admin/privacy",
            {"visitor_id": visitor_id},
            "/livechat/admin/privacy",
        ),
        "livechat_privacy.admin_export": (
            "/livechat/admin/privacy/export",
            {"visitor_id": visitor_id},
            "/livechat/admin/privacy",
        ),
        "livechat.webhook_create": (
            webhooks,
            {"url": "https://crm.example/", "events": "message.created"},
            webhooks,
        ),
        "livechat.webhook_enabled": (f"{webhooks}/{hooks[2].id}/enabled", {"enabled": "1"}, webhooks),
        "livechat.webhook_rotate": (f"{webhooks}/{hooks[0].id}/rotate", {}, webhooks),
        "livechat.webhook_delete": (f"{webhooks}/{hooks[1].id}/delete", {}, webhooks),
        "livechat.webhook_replay": (f"{webhooks}/deliveries/{delivery.id}/replay", {}, webhooks),
        "livechat.tokens": (
            "/livechat/admin/tokens",
            {"name": "crm", "scope": "read", "agent_id": "1", "agent_name": "Ada", "role": "agent"},
            "/livechat/admin/tokens",
        ),
        "livechat.token_revoke": (
            "/livechat/admin/tokens/revoke",
            {"token_id": "1"},
            "/livechat/admin/tokens",
        ),
    }
    api_token(app)  # token 1, for the revocation
    # The console's file upload takes its token in a header (tests/test_agent_files.py checks it alike).
    assert staff_post_endpoints(app) - {"livechat.agent_upload"} == set(forms)
    # A token this site signed for someone else's form: a visitor's privacy page.
    guest = app.test_client()
    guest.get("/")
    foreign = page_token(guest, "/livechat/privacy")

    for endpoint, (path, form, page) in sorted(forms.items()):
        before = every_row(livechat)
        for token in (None, "", "forged", foreign):
            data = dict(form) if token is None else {**form, "csrf_token": token}
            answer = admin.post(path, data=data)
            assert answer.status_code == 400, (endpoint, token, answer.status_code)
        assert every_row(livechat) == before, endpoint
        answer = admin.post(path, data={**form, "csrf_token": page_token(admin, page)})
        assert answer.status_code in (200, 201, 302), (endpoint, answer.status_code)
        assert every_row(livechat) != before, endpoint
