"""Every REST API endpoint's happy path, its department isolation, stable cursors, and its 4xx answers."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO

from flask_livechat.state import LiveChatState
from tests.conftest import say, visitor_client
from tests.helpers import API, api_token, bearer, every_row

DEPARTMENTS = {"sales": ["/page/pricing"], "support": ["/"]}


def chat(app: Flask, socketio: SocketIO, path: str = "/", text: str = "hello") -> dict[str, Any]:
    """A visitor on ``path`` who wrote ``text``: the stored message."""
    return say(visitor_client(app, socketio, path), text, f"msg-{abs(hash((path, text))) % 10**8:08d}")


def call(client: FlaskClient, method: str, path: str, token: str, body: Any = None) -> Any:
    return client.open(f"{API}{path}", method=method, json=body, headers=bearer(token))


def test_conversations_and_messages_endpoints(
    app: Flask, socketio: SocketIO, livechat: LiveChatState
) -> None:
    message = chat(app, socketio)
    cid = message["conversation_id"]
    token = api_token(app)
    client = app.test_client()

    listed = call(client, "GET", "/conversations?status=open", token)
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json["items"]] == [cid] and listed.json["next_cursor"] is None
    assert call(client, "GET", "/conversations?status=closed", token).json["items"] == []
    assert call(client, "GET", f"/conversations?visitor_id={message['id']}", token).json["items"] == []
    assert call(client, "GET", "/conversations?assignee=", token).json["items"][0]["id"] == cid
    assert call(client, "GET", "/conversations?updated_since=2999-01-01T00:00:00Z", token).json["items"] == []
    got = call(client, "GET", f"/conversations/{cid}", token)
    assert got.status_code == 200 and got.json["last_message"]["body"] == "hello"

    sent = call(
        client,
        "POST",
        f"/conversations/{cid}/messages",
        token,
        {"body": "Hi, Ada here", "client_id": "api-00000001"},
    )
    assert sent.status_code == 201 and sent.json["sender"] == "agent" and sent.json["author"] == "Ada Agent"
    again = call(
        client,
        "POST",
        f"/conversations/{cid}/messages",
        token,
        {"body": "Hi, Ada here", "client_id": "api-00000001"},
    )
    assert again.status_code == 200 and again.json["id"] == sent.json["id"]  # the retry stored nothing new
    messages = call(client, "GET", f"/conversations/{cid}/messages?limit=1", token).json
    assert [m["seq"] for m in messages["items"]] == [1]
    rest = call(client, "GET", f"/conversations/{cid}/messages?cursor={messages['next_cursor']}", token).json
    assert [m["body"] for m in rest["items"]] == ["Hi, Ada here"] and rest["next_cursor"] is None

    deleted = call(client, "DELETE", f"/conversations/{cid}/messages/{message['id']}", token)
    assert deleted.status_code == 204
    assert livechat.moderation.log(5)[0].action == "delete_message"  # audited like the console's
    assert call(client, "DELETE", f"/conversations/{cid}/messages/{message['id']}", token).status_code == 404

    tagged = call(client, "POST", f"/conversations/{cid}/tags", token, {"tag": "VIP"})
    assert tagged.status_code == 200 and tagged.json["tags"] == ["vip"]
    assert call(client, "DELETE", f"/conversations/{cid}/tags/vip", token).json["tags"] == []

    with app.app_context():
        livechat.presence.agent_connected("sid-eve", agent_id="5", name="Eve Support", role="agent")
    offline = call(client, "POST", f"/conversations/{cid}/assign", token, {"agent_id": "99"})
    assert offline.status_code == 404 and offline.mimetype == "application/problem+json"
    assigned = call(
        client, "POST", f"/conversations/{cid}/assign", token, {"agent_id": "5", "note": "billing"}
    )
    assert assigned.status_code == 200 and assigned.json["assigned_agent_id"] == "5"
    taken = call(client, "POST", f"/conversations/{cid}/assign", token, {"agent_id": "5"})
    assert taken.status_code == 409 and taken.json["code"] == "conflict"  # the console's rule: ask Eve

    closed = call(client, "POST", f"/conversations/{cid}/close", token)
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert call(client, "POST", f"/conversations/{cid}/reopen", token).json["status"] == "open"


def test_visitors_canned_responses_and_reports(
    app: Flask, socketio: SocketIO, livechat: LiveChatState
) -> None:
    message = chat(app, socketio)
    visitor_id = livechat.store.conversations.get_conversation(message["conversation_id"]).visitor_id  # type: ignore[union-attr]
    agent, admin = api_token(app), api_token(app, agent_id="2", agent_name="Bob Admin", role="admin")
    client = app.test_client()

    seen = call(client, "GET", f"/visitors/{visitor_id}", agent)
    assert seen.status_code == 200 and seen.json["id"] == visitor_id
    assert call(client, "POST", f"/visitors/{visitor_id}/erase", agent, {"confirm": True}).status_code == 403
    assert call(client, "POST", f"/visitors/{visitor_id}/erase", admin, {"confirm": False}).status_code == 422
    erased = call(client, "POST", f"/visitors/{visitor_id}/erase", admin, {"confirm": True})
    assert erased.status_code == 200 and erased.json == {"erased": 1}
    assert livechat.privacy.audit_entries(1)[0]["action"] == "erase"
    assert livechat.privacy.audit_entries(1)[0]["actor"] == "Bob Admin (user 2)"
    assert call(client, "GET", f"/visitors/{visitor_id}", agent).status_code == 404
    assert call(client, "POST", f"/visitors/{visitor_id}/erase", admin, {"confirm": True}).status_code == 404

    assert (
        call(client, "POST", "/canned-responses", agent, {"shortcut": "hi", "body": "Hello"}).status_code
        == 403
    )
    made = call(client, "POST", "/canned-responses", admin, {"shortcut": "/Hi", "body": "Hello"})
    assert made.status_code == 201 and made.json["shortcut"] == "hi"
    assert (
        call(client, "POST", "/canned-responses", admin, {"shortcut": "hi", "body": "Again"}).status_code
        == 409
    )
    bad = call(client, "POST", "/canned-responses", admin, {"shortcut": "no spaces", "body": "x"})
    assert bad.status_code == 422 and "shortcut" in bad.json["fields"]
    canned_id = made.json["id"]
    changed = call(
        client, "PUT", f"/canned-responses/{canned_id}", admin, {"shortcut": "hello", "body": "Hello!"}
    )
    assert changed.status_code == 200 and changed.json == {
        "id": canned_id,
        "shortcut": "hello",
        "body": "Hello!",
    }
    assert call(client, "GET", "/canned-responses", agent).json["items"] == [changed.json]
    assert call(client, "DELETE", f"/canned-responses/{canned_id}", admin).status_code == 204
    assert call(client, "DELETE", f"/canned-responses/{canned_id}", admin).status_code == 404
    assert (
        call(
            client, "PUT", f"/canned-responses/{canned_id}", admin, {"shortcut": "x", "body": "y"}
        ).status_code
        == 404
    )

    assert call(client, "GET", "/reports", agent).status_code == 403
    reports = call(client, "GET", "/reports?preset=30d&tz=Europe/Berlin&period=week", admin)
    assert reports.status_code == 200
    assert reports.json["window"]["tz"] == "Europe/Berlin" and reports.json["window"]["period"] == "week"
    keys = [report["key"] for report in reports.json["reports"]]
    assert keys == list(livechat.reports.keys)
    summary = call(client, "GET", "/reports/summary?from=2026-01-01&to=2026-01-31", admin)
    assert summary.status_code == 200 and summary.json["key"] == "summary"
    assert call(client, "GET", "/reports/nonsense", admin).status_code == 404
    assert call(client, "GET", "/reports?tz=Mars/Olympus", admin).status_code == 422
    assert call(client, "GET", "/reports?from=2026-02-01&to=2026-01-01", admin).status_code == 422


@pytest.mark.livechat_config(LIVECHAT_DEPARTMENTS=DEPARTMENTS)
def test_an_agent_token_sees_only_its_departments(app: Flask, socketio: SocketIO) -> None:
    sales = chat(app, socketio, "/page/pricing", "what does it cost")["conversation_id"]
    support = chat(app, socketio, "/", "it is broken")["conversation_id"]
    eve = api_token(app, agent_id="5", agent_name="Eve Support", departments=("support",))
    dan = api_token(app, agent_id="4", agent_name="Dan Sales", departments=("sales",))
    admin = api_token(app, agent_id="2", agent_name="Bob Admin", role="admin")
    client = app.test_client()
    assert [c["id"] for c in call(client, "GET", "/conversations", eve).json["items"]] == [support]
    assert [c["id"] for c in call(client, "GET", "/conversations", dan).json["items"]] == [sales]
    assert call(client, "GET", "/conversations?department=sales", eve).json["items"] == []
    assert len(call(client, "GET", "/conversations", admin).json["items"]) == 2
    for method, path, body in (
        ("GET", f"/conversations/{sales}", None),
        ("GET", f"/conversations/{sales}/messages", None),
        ("POST", f"/conversations/{sales}/messages", {"body": "not mine"}),
        ("POST", f"/conversations/{sales}/close", None),
        ("POST", f"/conversations/{sales}/tags", {"tag": "x"}),
    ):
        answer = call(client, method, path, eve, body)
        assert answer.status_code == 404, (method, path, answer.status_code)
        assert answer.json["code"] == "not_found"
    assert call(client, "GET", f"/conversations/{sales}", dan).status_code == 200


def test_the_conversation_cursor_is_stable_while_new_conversations_arrive(
    app: Flask, socketio: SocketIO
) -> None:
    visitors = [visitor_client(app, socketio, f"/page/{n}") for n in range(5)]
    first = [
        say(visitor, f"first {n}", f"first-{n:04d}")["conversation_id"] for n, visitor in enumerate(visitors)
    ]
    token = api_token(app)
    client = app.test_client()
    page = call(client, "GET", "/conversations?limit=2", token).json
    seen = [c["id"] for c in page["items"]]
    newcomer = chat(app, socketio, "/page/late", "a new one")["conversation_id"]
    say(visitors[0], "still there?", "again-0001")  # activity on an unseen one moves nothing either
    while page["next_cursor"]:
        page = call(client, "GET", f"/conversations?limit=2&cursor={page['next_cursor']}", token).json
        seen += [c["id"] for c in page["items"]]
    assert seen == list(reversed(first))
    assert call(client, "GET", "/conversations?limit=1", token).json["items"][0]["id"] == newcomer
    assert call(client, "GET", "/conversations?cursor=garbage", token).status_code == 422


BAD_BODIES = [
    (b"{not json", 400, "malformed"),
    (b"[" * 40 + b"]" * 40, 400, "malformed"),
    (b'{"body": "nul \\u0000 inside"}', 400, "malformed"),
    (b'{"body": 5}', 422, "invalid"),
    (b'{"body": "ok", "extra": 1}', 422, "invalid"),
    (b'{"body": "   "}', 422, "invalid"),
    (b'"just a string"', 422, "invalid"),
    (b'{"body": "' + b"x" * 70_000 + b'"}', 413, "too_large"),
]


def test_bad_bodies_get_a_clear_problem_and_change_nothing(
    app: Flask, socketio: SocketIO, livechat: LiveChatState
) -> None:
    cid = chat(app, socketio)["conversation_id"]
    token = api_token(app)
    client = app.test_client()
    assert call(client, "GET", "/me", token).status_code == 200  # its first use is written once
    before = every_row(livechat)
    for data, status, code in BAD_BODIES:
        answer = client.post(
            f"{API}/conversations/{cid}/messages",
            data=data,
            content_type="application/json",
            headers=bearer(token),
        )
        assert (answer.status_code, answer.json["code"]) == (status, code), (data[:30], answer.json)
        assert answer.mimetype == "application/problem+json"
        assert answer.json["status"] == status and answer.json["detail"]
    wrong_type = client.post(f"{API}/conversations/{cid}/messages", data="body=x", headers=bearer(token))
    assert (wrong_type.status_code, wrong_type.json["code"]) == (400, "malformed")
    assert every_row(livechat) == before


def test_unknown_paths_methods_and_parameters_are_problems_too(app: Flask) -> None:
    token = api_token(app)
    client = app.test_client()
    assert call(client, "GET", "/nowhere", token).status_code == 404
    wrong_method = call(client, "PATCH", "/conversations", token)
    assert wrong_method.status_code == 405 and wrong_method.headers["Allow"] == "GET"
    assert call(client, "GET", "/conversations?limit=0", token).status_code == 422
    assert call(client, "GET", "/conversations?colour=red", token).status_code == 422
    assert call(client, "GET", "/me?x=1", token).status_code == 422
    assert call(client, "GET", "/conversations/not%20an%20id", token).status_code == 404
    assert (
        call(client, "PUT", f"/canned-responses/{2**40}", token, {"shortcut": "a", "body": "b"}).status_code
        == 404
    )
