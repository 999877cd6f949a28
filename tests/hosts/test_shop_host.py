"""The neighbours host: Flask-WTF ``CSRFProtect`` and Flask-Talisman with a strict CSP, in both init orders
(LiveChat after them, as in its README lines, and before them), users handed over as ``ChatUser``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from flask_livechat.testing import agent_socket, visitor_socket
from tests.conftest import serve, stop_app
from tests.hosts.conftest import TEST_CHAT_CONFIG, chat_end_to_end
from tests.hosts.shop import create_app

SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


@pytest.fixture(params=[False, True], ids=["livechat-after-neighbours", "livechat-before-neighbours"])
def app(request: pytest.FixtureRequest) -> Iterator[Flask]:
    app = create_app(TEST_CHAT_CONFIG, chat_first=request.param)
    yield app
    stop_app(app)


def test_the_host_csrf_still_guards_its_own_forms(app: Flask) -> None:
    assert (
        app.test_client().post("/login", data={"username": "sam", "password": "sam-pass"}).status_code == 400
    )


def test_our_json_endpoints_are_not_refused_by_csrfprotect(app: Flask) -> None:
    client = app.test_client()
    client.get("/")
    consent = client.post("/livechat/api/consent", json={"choice": "accepted"}, headers=SAME_ORIGIN)
    assert consent.status_code == 200, consent.get_data(as_text=True)
    offline = client.post(
        "/livechat/api/offline-messages",
        json={"name": "Kim", "email": "kim@example.org", "message": "Do you ship to Oslo?"},
        headers=SAME_ORIGIN,
    )
    assert offline.status_code in (200, 201), offline.get_data(as_text=True)
    # Our own protection still holds: a cross-site post is refused by the chat itself.
    cross = client.post(
        "/livechat/api/consent", json={"choice": "accepted"}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert cross.status_code == 403


def log_in(app: Flask, username: str) -> Any:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login", data={"username": username, "password": f"{username}-pass", "csrf_token": token}
    )
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("path", ["/livechat/agent/", "/livechat/admin/", "/livechat/privacy"])
def test_our_pages_keep_their_own_csp_and_framing_rules(app: Flask, path: str) -> None:
    response = log_in(app, "sam").get(path)
    assert response.status_code in (200, 403)
    policy = response.headers["Content-Security-Policy"]
    assert "require-trusted-types-for 'script'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"


def test_host_pages_keep_talisman_and_get_the_widget_with_its_nonce(app: Flask) -> None:
    response = app.test_client().get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "trusted-types" not in policy and response.headers["X-Frame-Options"] == "SAMEORIGIN"
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)


def test_attachments_keep_their_sandbox(app: Flask) -> None:
    from tests.helpers import session_of, upload

    http = app.test_client()
    visitor = visitor_socket(app, http)
    visitor.send("A photo of the parcel:")
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    uploaded = upload(http, session_of(visitor.connection), png, "parcel.png")
    assert uploaded.status_code in (200, 201), uploaded.get_data(as_text=True)
    link = uploaded.get_json()["message"]["attachment"]["url"]
    response = http.get(link)
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    visitor.close()


def test_chatuser_staff_get_the_console_socket(app: Flask) -> None:
    agent = agent_socket(app, log_in(app, "sam"))
    assert agent.call("hello")["agent"] == {**agent.call("hello")["agent"], "id": "7", "name": "sam"}
    agent.close()


@pytest.mark.browser
def test_chat_end_to_end_in_chromium(chromium: Any) -> None:
    app = create_app(TEST_CHAT_CONFIG)  # the README's order; the other one is covered above without Chromium
    with serve(app) as server:

        def log_in_form(page: Any) -> None:
            page.goto(server.url + "/login")
            page.get_by_label("Username").fill("sam")
            page.get_by_label("Password").fill("sam-pass")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(server.url + "/")

        try:
            assert chat_end_to_end(chromium, server.url, log_in_form, "Can I change my order?") == []
        finally:
            stop_app(app)
