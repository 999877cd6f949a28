"""The REST API's authentication: personal access tokens (made on the admin page, shown once, stored hashed,
scoped, revocable, last use shown, audited), the staff session with its CSRF header, and the rate limit."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_livechat.state import LiveChatState
from tests.conftest import build_app, say, stop_app, visitor_client
from tests.helpers import API, api_token, bearer, every_row

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TOKEN = re.compile(r"lc_[a-f0-9]{16}_[A-Za-z0-9_-]{43}")


def admin_page(client: FlaskClient) -> tuple[str, str]:
    html = client.get("/livechat/admin/tokens").get_data(as_text=True)
    match = CSRF.search(html)
    assert match, html
    return html, match.group(1)


def test_a_token_lives_from_the_admin_page_to_its_revocation(app: Flask, livechat: LiveChatState) -> None:
    admin = app.test_client()
    admin.get("/login-as/bob")
    _, csrf = admin_page(admin)
    form = {"name": "CRM sync", "scope": "read", "agent_id": "1", "agent_name": "Ada Agent", "role": "agent"}
    answer = admin.post("/livechat/admin/tokens", data={**form, "csrf_token": csrf})
    assert answer.status_code == 200
    match = TOKEN.search(answer.get_data(as_text=True))
    assert match, "the new token is shown once"
    token = match.group(0)
    # Shown once: the list shows its public prefix only, and the database holds a digest, never the token.
    html, _ = admin_page(admin)
    assert token not in html and token.split("_")[1] in html
    rows = str(every_row(livechat)["livechat_api_tokens"])
    secret = token.split("_", 2)[2]  # lc_<public id>_<secret>; the secret may hold "_" itself
    assert secret not in rows
    assert hashlib.sha256(secret.encode()).hexdigest() in rows
    assert livechat.store.tokens.tokens()[0].last_used_at is None

    caller = app.test_client()  # no session: the token alone
    me = caller.get(f"{API}/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.json == {
        "user_id": "1",
        "name": "Ada Agent",
        "role": "agent",
        "departments": None,
        "auth": "token",
        "scope": "read",
    }
    used = livechat.store.tokens.tokens()[0].last_used_at
    assert used is not None
    assert "never" not in admin_page(admin)[0].split("Tokens</h2>")[1].split("</table>")[0]

    token_id = livechat.store.tokens.tokens()[0].id
    assert (
        admin.post(
            "/livechat/admin/tokens/revoke", data={"csrf_token": csrf, "token_id": str(token_id)}
        ).status_code
        == 200
    )
    refused = caller.get(f"{API}/me", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    actions = [(entry["action"], entry["actor"]) for entry in livechat.privacy.audit_entries(10)]
    assert actions == [("token_revoke", "Bob Admin (user 2)"), ("token_create", "Bob Admin (user 2)")]


def test_the_token_page_is_for_admins_and_checks_what_it_is_given(
    app: Flask, livechat: LiveChatState
) -> None:
    agent = app.test_client()
    agent.get("/login-as/ada")
    assert agent.get("/livechat/admin/tokens").status_code == 403
    admin = app.test_client()
    admin.get("/login-as/bob")
    _, csrf = admin_page(admin)
    bad = {
        "name": "",
        "scope": "admin",
        "agent_id": "1",
        "agent_name": "Ada",
        "role": "boss",
        "csrf_token": csrf,
    }
    answer = admin.post("/livechat/admin/tokens", data=bad)
    assert answer.status_code == 400
    assert "The scope is" in answer.get_data(as_text=True)
    assert livechat.store.tokens.tokens() == []
    assert (
        admin.post("/livechat/admin/tokens/revoke", data={"csrf_token": csrf, "token_id": "99"}).status_code
        == 404
    )


def test_tokens_are_refused_when_wrong_and_never_read_from_the_query_string(app: Flask) -> None:
    token = api_token(app, scope="read")
    client = app.test_client()
    wrong_secret = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for headers in (
        {},
        bearer(wrong_secret),
        bearer("lc_0000000000000000_" + "A" * 43),
        {"Authorization": f"Basic {token}"},
        {"Authorization": "Bearer"},
    ):
        answer = client.get(f"{API}/conversations", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.json["code"] == "unauthorized"
    answer = client.get(f"{API}/conversations", query_string={"access_token": token})
    assert answer.status_code == 401
    assert "query string" in answer.json["detail"]


def test_a_read_token_cannot_write(app: Flask, livechat: LiveChatState) -> None:
    visitor = visitor_client(app, app.extensions["socketio"])
    conversation_id = say(visitor, "hello", "scope-0001")["conversation_id"]
    read = bearer(api_token(app, scope="read"))
    client = app.test_client()
    assert client.get(f"{API}/conversations/{conversation_id}", headers=read).status_code == 200
    before = every_row(livechat)
    for method, path, body in (
        ("POST", f"/conversations/{conversation_id}/messages", {"body": "from a read token"}),
        ("POST", f"/conversations/{conversation_id}/close", None),
        ("POST", f"/conversations/{conversation_id}/tags", {"tag": "nope"}),
    ):
        answer = client.open(f"{API}{path}", method=method, json=body, headers=read)
        assert answer.status_code == 403, path
        assert answer.json["code"] == "insufficient_scope"
    assert every_row(livechat) == before


def test_a_staff_session_works_and_its_changes_need_the_csrf_header(
    app: Flask, livechat: LiveChatState
) -> None:
    admin = app.test_client()
    admin.get("/login-as/bob")
    assert admin.get(f"{API}/me").json["auth"] == "session"
    body = {"shortcut": "thanks", "body": "Thank you!"}
    refused = admin.post(f"{API}/canned-responses", json=body)
    assert refused.status_code == 403 and refused.json["code"] == "csrf"
    forged = admin.post(f"{API}/canned-responses", json=body, headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403
    assert livechat.canned.responses() == []
    token = admin.get(f"{API}/csrf-token").json["csrf_token"]
    made = admin.post(f"{API}/canned-responses", json=body, headers={"X-CSRF-Token": token})
    assert made.status_code == 201
    # Another staff member's session cannot reuse it; customers are not staff.
    other = app.test_client()
    other.get("/login-as/ada")
    assert (
        other.post(f"{API}/canned-responses", json=body, headers={"X-CSRF-Token": token}).status_code == 403
    )
    customer = app.test_client()
    customer.get("/login-as/carol")
    assert customer.get(f"{API}/me").status_code == 403
    # A page on another site cannot make a signed-in browser send a change.
    cross = admin.post(
        f"{API}/canned-responses", json=body, headers={"X-CSRF-Token": token, "Sec-Fetch-Site": "cross-site"}
    )
    assert cross.status_code == 403 and cross.mimetype == "application/problem+json"


@pytest.mark.livechat_config(LIVECHAT_RATE_LIMITS={"api_read": "3/minute", "api_write": "2/minute"})
def test_the_api_rate_limit_answers_429_with_retry_after(app: Flask) -> None:
    token = bearer(api_token(app))
    client = app.test_client()
    for _ in range(3):
        assert client.get(f"{API}/me", headers=token).status_code == 200
    limited = client.get(f"{API}/me", headers=token)
    assert limited.status_code == 429
    assert limited.json["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # Another token has its own budget for the caller, but the address is shared: also limited.
    assert client.get(f"{API}/me", headers=bearer(api_token(app))).status_code == 429


def test_revoking_an_agent_or_deleting_their_account_revokes_their_tokens(app: Flask) -> None:
    ada, bob = api_token(app), api_token(app, agent_id="2", agent_name="Bob Admin", role="admin")
    client = app.test_client()
    with app.test_request_context():
        app.extensions["livechat"].livechat.revoke_agent("1")
    assert client.get(f"{API}/me", headers=bearer(ada)).status_code == 401
    assert client.get(f"{API}/me", headers=bearer(bob)).status_code == 200
    with app.test_request_context():
        app.extensions["livechat"].livechat.erase_account("2")
    assert client.get(f"{API}/me", headers=bearer(bob)).status_code == 401
    actors = {entry["actor"] for entry in app.extensions["livechat"].privacy.audit_entries(10)}
    assert {"LiveChat.revoke_agent", "account deletion"} <= actors


def test_a_host_with_flask_wtf_csrf_lets_token_calls_through(tmp_path: Path) -> None:
    from flask_wtf import CSRFProtect

    app = build_app(str(tmp_path / "instance"))
    CSRFProtect(app)  # after LiveChat: refuses every POST without its token unless exempted
    try:
        token = bearer(api_token(app, agent_id="2", agent_name="Bob Admin", role="admin"))
        made = app.test_client().post(
            f"{API}/canned-responses", json={"shortcut": "hi", "body": "Hi"}, headers=token
        )
        assert made.status_code == 201, made.get_data(as_text=True)
    finally:
        stop_app(app)


@pytest.mark.livechat_config(LIVECHAT_API=False)
def test_the_api_can_be_left_out(app: Flask) -> None:
    assert not any(rule.rule.startswith(API) for rule in app.url_map.iter_rules())
    admin = app.test_client()
    admin.get("/login-as/bob")
    assert admin.get("/livechat/admin/tokens").status_code == 200
