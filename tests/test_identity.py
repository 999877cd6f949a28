"""The visitor cookie: flags, tampering, expiry and key rotation."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from flask_livechat.identity import visitor_id_from_token, visitor_token
from flask_livechat.state import LiveChatState

COOKIE = "livechat_visitor"


def cookie_header(response: Any) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "=")]
    assert len(headers) == 1, headers
    return str(headers[0])


def test_first_page_view_sets_a_strict_cookie(client: FlaskClient) -> None:
    header = cookie_header(client.get("/"))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Max-Age=31536000" in header
    assert "Path=/" in header
    assert "Domain" not in header
    assert "Secure" not in header


def test_cookie_is_secure_under_https(client: FlaskClient) -> None:
    assert "Secure" in cookie_header(client.get("/", base_url="https://localhost"))


def test_cookie_holds_only_a_random_id(app: Flask, client: FlaskClient, livechat: LiveChatState) -> None:
    client.get("/")
    pending = visitor_id_from_token(app, client.get_cookie(COOKIE).value)
    assert pending is not None and livechat.store.visitors.get_visitor(pending) is None  # no row for one view
    client.get("/")  # the browser keeps our cookie: now it is a visitor, with the same id
    token = client.get_cookie(COOKIE).value
    visitor_id = visitor_id_from_token(app, token)
    assert visitor_id == pending and len(visitor_id) >= 22
    assert livechat.store.visitors.get_visitor(visitor_id) is not None


def test_returning_visitor_keeps_their_id(app: Flask, client: FlaskClient, livechat: LiveChatState) -> None:
    client.get("/")
    first = visitor_id_from_token(app, client.get_cookie(COOKIE).value)
    client.get("/")
    assert visitor_id_from_token(app, client.get_cookie(COOKIE).value) == first
    assert livechat.store.count_rows()["livechat_visitors"] == 1


@pytest.mark.parametrize(
    "tampered", ["garbage", "a.b.c", "", "x" * 3000, "InZFT1Z.awIR-A.e9ISGlnaz6nGItUfQQ86VNZ2jhE"]
)
def test_tampered_cookie_means_a_new_visitor_not_an_error(
    client: FlaskClient, livechat: LiveChatState, caplog: pytest.LogCaptureFixture, tampered: str
) -> None:
    client.set_cookie(COOKIE, tampered)
    with caplog.at_level(logging.INFO):
        response = client.get("/")
    assert response.status_code == 200
    assert client.get_cookie(COOKIE).value != tampered
    assert livechat.store.count_rows()["livechat_visitors"] == 0  # a view without a valid cookie: no row
    client.get("/")
    assert livechat.store.count_rows()["livechat_visitors"] == 1
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_token_for_another_purpose_is_rejected(app: Flask) -> None:
    forged = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="flask-livechat.unsubscribe").dumps("abc")
    assert visitor_id_from_token(app, forged) is None
    session_style = URLSafeTimedSerializer(app.config["SECRET_KEY"]).dumps("abc")
    assert visitor_id_from_token(app, session_style) is None


@pytest.mark.livechat_config(LIVECHAT_VISITOR_COOKIE_MAX_AGE=1)
def test_expired_cookie_means_a_new_visitor(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    token = visitor_token(app, "visitor-1")
    import time

    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 5)
    assert visitor_id_from_token(app, token) is None


def test_old_key_still_verifies_after_rotation(app: Flask) -> None:
    old_token = visitor_token(app, "visitor-1")
    app.config["SECRET_KEY_FALLBACKS"] = [app.config["SECRET_KEY"]]
    app.config["SECRET_KEY"] = "the-new-key"
    assert visitor_id_from_token(app, old_token) == "visitor-1"
    new_token = visitor_token(app, "visitor-1")
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert visitor_id_from_token(app, new_token) == "visitor-1"
    assert visitor_id_from_token(app, old_token) is None


def test_cookie_of_an_erased_visitor_gets_a_fresh_id(app: Flask, client: FlaskClient) -> None:
    client.set_cookie(COOKIE, visitor_token(app, "no-such-visitor"))
    response = client.get("/")
    assert response.status_code == 200
    assert visitor_id_from_token(app, client.get_cookie(COOKIE).value) != "no-such-visitor"
