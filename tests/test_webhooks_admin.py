"""The admin's webhooks page: admins only, CSRF-protected forms, clear errors for bad input, a secret shown
once, delete asks first, replay from the delivery log."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from flask_livechat.state import LiveChatState
from tests.conftest import say
from tests.helpers import WebhookReceiver, eventually

PAGE = "/livechat/admin/webhooks"
pytestmark = pytest.mark.livechat_config(LIVECHAT_WEBHOOK_POLL_INTERVAL=0.05)


def logged_in(app: Flask, name: str) -> FlaskClient:
    http = app.test_client()
    http.get(f"/login-as/{name}")
    return http


def csrf(http: FlaskClient) -> str:
    page = http.get(PAGE).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def secret_on(page: str) -> str:
    match = re.search(r'aria-label="Signing secret">(whsec_[A-Za-z0-9+/=]+)<', page)
    assert match, page
    return match.group(1)


def test_only_admins_reach_the_page_and_its_forms(app: Flask, livechat: LiveChatState) -> None:
    with app.app_context():
        endpoint, _ = livechat.webhooks.create("https://crm.example/hook", ["message.created"])
    admin = logged_in(app, "bob")
    token = csrf(admin)
    for name in ("ada", "carol"):  # an agent, and a customer of the host (a visitor)
        http = logged_in(app, name)
        assert http.get(PAGE).status_code == 403
        assert http.get(f"{PAGE}/{endpoint.id}/delete").status_code == 403
        for path, data in (
            (PAGE, {"url": "https://evil.example/", "events": "message.created"}),
            (f"{PAGE}/{endpoint.id}/enabled", {"enabled": "0"}),
            (f"{PAGE}/{endpoint.id}/rotate", {}),
            (f"{PAGE}/{endpoint.id}/delete", {}),
        ):
            assert http.post(path, data={"csrf_token": token, **data}).status_code == 403, (name, path)
    assert app.test_client().get(PAGE).status_code == 401  # nobody logged in, and no login view
    [still] = livechat.webhooks.endpoints()
    assert still.enabled and still.url == "https://crm.example/hook"


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(app: Flask, livechat: LiveChatState) -> None:
    admin = logged_in(app, "bob")
    response = admin.post(
        PAGE,
        data={
            "csrf_token": csrf(admin),
            "url": "https://crm.example/hook?team=7",
            "events": ["message.created", "visitor.erased"],
        },
    )
    assert response.status_code == 201
    secret = secret_on(response.get_data(as_text=True))
    assert len(secret) == len("whsec_") + 44
    [endpoint] = livechat.webhooks.endpoints()
    assert endpoint.url == "https://crm.example/hook?team=7"
    assert endpoint.events == ("message.created", "visitor.erased")
    page = admin.get(PAGE).get_data(as_text=True)
    assert "https://crm.example/hook?team=7" in page and secret not in page and "whsec_" not in page


@pytest.mark.parametrize(
    ("url", "events", "field", "says"),
    [
        ("ftp://files.example/hook", ["message.created"], "url", "Only http:// and https://"),
        ("javascript:alert(1)", ["message.created"], "url", "Only http:// and https://"),
        ("https://", ["message.created"], "url", "Only http:// and https://"),
        ("https://user:pw@crm.example/", ["message.created"], "url", "credentials"),
        ("https://crm.example/a b", ["message.created"], "url", "no spaces"),
        ("https://crm.example:99999/", ["message.created"], "url", "not a valid URL"),
        ("", ["message.created"], "url", "Enter the URL"),
        ("https://crm.example/hook", ["message.deleted"], "events", "Unknown event message.deleted"),
        ("https://crm.example/hook", [], "events", "at least one event"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(
    app: Flask, livechat: LiveChatState, url: str, events: list[str], field: str, says: str
) -> None:
    admin = logged_in(app, "bob")
    response = admin.post(PAGE, data={"csrf_token": csrf(admin), "url": url, "events": events})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="webhook-{field}-error"' in page and says in page
    assert livechat.webhooks.endpoints() == []


def test_forms_need_the_csrf_token(app: Flask, livechat: LiveChatState) -> None:
    admin = logged_in(app, "bob")
    csrf(admin)
    for data in ({}, {"csrf_token": "forged"}):
        response = admin.post(PAGE, data={**data, "url": "https://crm.example/", "events": "message.created"})
        assert response.status_code == 400
    assert livechat.webhooks.endpoints() == []


def test_disable_rotate_and_delete_after_asking(app: Flask, livechat: LiveChatState) -> None:
    admin = logged_in(app, "bob")
    token = csrf(admin)
    first = secret_on(
        admin.post(
            PAGE, data={"csrf_token": token, "url": "https://crm.example/", "events": "message.created"}
        ).get_data(as_text=True)
    )
    [endpoint] = livechat.webhooks.endpoints()

    assert (
        admin.post(f"{PAGE}/{endpoint.id}/enabled", data={"csrf_token": token, "enabled": "0"}).status_code
        == 302
    )
    assert livechat.webhooks.endpoints()[0].enabled is False
    assert (
        admin.post(f"{PAGE}/{endpoint.id}/enabled", data={"csrf_token": token, "enabled": "x"}).status_code
        == 400
    )

    rotated = admin.post(f"{PAGE}/{endpoint.id}/rotate", data={"csrf_token": token})
    assert rotated.status_code == 200
    second = secret_on(rotated.get_data(as_text=True))
    assert second != first and livechat.webhooks.endpoints()[0].rotating_until is not None

    asking = admin.get(f"{PAGE}/{endpoint.id}/delete")
    assert asking.status_code == 200 and "Delete this webhook endpoint?" in asking.get_data(as_text=True)
    assert len(livechat.webhooks.endpoints()) == 1, "asking deletes nothing"
    assert admin.post(f"{PAGE}/{endpoint.id}/delete", data={"csrf_token": token}).status_code == 302
    assert livechat.webhooks.endpoints() == []
    for path in (
        f"{PAGE}/{endpoint.id}/delete",
        f"{PAGE}/{endpoint.id}/rotate",
        f"{PAGE}/{endpoint.id}/enabled",
    ):
        assert admin.post(path, data={"csrf_token": token, "enabled": "1"}).status_code == 404, path
    assert admin.get(f"{PAGE}/{endpoint.id}/delete").status_code == 404
    assert admin.post(f"{PAGE}/deliveries/msg_nope/replay", data={"csrf_token": token}).status_code == 404


def test_the_log_shows_each_attempt_and_replays(
    app: Flask, visitor: SocketIOTestClient, livechat: LiveChatState, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.statuses = [503]
    admin = logged_in(app, "bob")
    token = csrf(admin)
    admin.post(PAGE, data={"csrf_token": token, "url": webhook_receiver.url, "events": "message.created"})
    say(visitor, "hello", "client-1")
    [delivery] = eventually(lambda: [d for d in livechat.webhooks.deliveries() if d.status == "delivered"])
    page = admin.get(PAGE).get_data(as_text=True)
    assert delivery.id in page and "503" in page and "204" in page and f"Replay {delivery.id}" in page
    response = admin.post(f"{PAGE}/deliveries/{delivery.id}/replay", data={"csrf_token": token})
    assert response.status_code == 302
    eventually(lambda: len(webhook_receiver.requests) == 3)
    assert len({headers["webhook-id"] for headers, _ in webhook_receiver.requests}) == 1
