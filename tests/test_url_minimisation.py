"""Stored page addresses keep no query string beyond an allow-list, referrers only origin and path: checked
in every stored row after real requests and a widget hello."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_socketio import SocketIO

from flask_livechat.services.page_urls import page_url, referrer
from flask_livechat.state import LiveChatState
from tests.helpers import every_row

SECRETS = ("reset_token", "s3cr3t-t0ken", "ada%40example.org", "ada@example.org", "illness", "frag")


@pytest.mark.livechat_config(LIVECHAT_URL_QUERY_ALLOWLIST=("tab",))
def test_queries_and_referrer_searches_are_not_stored(
    app: Flask, socketio: SocketIO, livechat: LiveChatState
) -> None:
    browser = app.test_client()
    browser.get("/")
    browser.get(
        "/page/reset?email=ada%40example.org&reset_token=s3cr3t-t0ken&tab=2#frag",
        headers={"Referer": "https://search.example/search?q=my+illness#frag"},
    )
    widget = socketio.test_client(app, namespace="/livechat", flask_test_client=browser)
    hello = widget.emit(
        "hello",
        {
            "page": {
                "url": "http://localhost/page/reset?reset_token=s3cr3t-t0ken&tab=3#frag",
                "title": "Reset",
                "referrer": "https://search.example/search?q=illness",
            }
        },
        namespace="/livechat",
        callback=True,
    )
    assert hello["ok"], hello
    rows = every_row(livechat)
    text = " ".join(value for values in rows.values() for value in values)
    assert [secret for secret in SECRETS if secret in text] == []
    assert "http://localhost/page/reset?tab=2" in text
    assert "https://search.example/search" in text
    widget.disconnect(namespace="/livechat")


def test_the_rules() -> None:
    assert page_url("https://a.example/p?x=1&y=2#z", ["y"]) == "https://a.example/p?y=2"
    assert page_url("https://user:pw@a.example:8443/p?x=1", []) == "https://a.example:8443/p"
    assert page_url("/relative?token=1", []) == "/relative"
    assert referrer("https://s.example/search?q=secret") == "https://s.example/search"
    assert referrer("javascript:alert(1)") is None and referrer(None) is None
