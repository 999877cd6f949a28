"""``POST /livechat/api/page-views`` (the page API's ``pageview()``) and the visitor socket's ``page`` event,
over real HTTP and a real Socket.IO client: a route change is recorded like a page load, with the same
consent, cookie, origin and flood rules, and bad input changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import socketio
from flask import Flask

from flask_livechat.state import LiveChatState
from tests.conftest import LiveServer
from tests.helpers import every_row

API = "/livechat/api/page-views"


def _post(http: requests.Session, server: LiveServer, body: Any, **headers: str) -> requests.Response:
    return http.post(server.url + API, json=body, headers={"Origin": server.url, **headers}, timeout=10)


def _page_urls(livechat: LiveChatState) -> list[str]:
    return every_row(livechat)["livechat_page_views"]


def test_a_route_change_is_recorded_like_a_page_load(
    live_server: LiveServer, livechat: LiveChatState
) -> None:
    http = requests.Session()
    http.get(live_server.url + "/", timeout=10)  # the pending cookie: nothing stored yet
    assert every_row(livechat)["livechat_visitors"] == []
    answer = _post(http, live_server, {"url": live_server.url + "/app/orders?id=7", "title": "Orders"})
    assert answer.status_code == 200 and answer.json() == {"ok": True}
    assert answer.headers["Cache-Control"] == "no-store"
    assert len(every_row(livechat)["livechat_visitors"]) == 1  # brought the cookie back: a visitor now
    views = " ".join(_page_urls(livechat))
    assert "/app/orders" in views and "Orders" in views


def test_a_stranger_without_a_cookie_makes_no_rows(live_server: LiveServer, livechat: LiveChatState) -> None:
    before = every_row(livechat)
    for index in range(5):
        answer = _post(requests.Session(), live_server, {"url": f"{live_server.url}/app/{index}"})
        assert answer.status_code == 200
    assert every_row(livechat) == before


@pytest.mark.parametrize(
    "body",
    [
        {"url": "https://elsewhere.example/app"},
        {"url": "javascript:alert(1)"},
        {"url": "//elsewhere.example/app"},
        {"url": ""},
        {"title": "no url"},
        {"url": "/relative"},
        {"url": "x" * 3000},
        {"url": "http://127.0.0.1/", "extra": 1},
        ["not", "an", "object"],
        {"url": "http://127.0.0.1/\u0000"},
    ],
)
def test_bad_page_views_are_refused_and_change_nothing(
    live_server: LiveServer, livechat: LiveChatState, body: Any
) -> None:
    http = requests.Session()
    http.get(live_server.url + "/", timeout=10)
    http.get(live_server.url + "/", timeout=10)  # a known visitor
    before = every_row(livechat)
    answer = _post(http, live_server, body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid"
    assert every_row(livechat) == before


def test_another_site_cannot_record_views(live_server: LiveServer, livechat: LiveChatState) -> None:
    http = requests.Session()
    http.get(live_server.url + "/", timeout=10)
    http.get(live_server.url + "/", timeout=10)
    before = every_row(livechat)
    answer = _post(
        http,
        live_server,
        {"url": live_server.url + "/x"},
        Origin="https://evil.example",
        **{"Sec-Fetch-Site": "cross-site"},
    )
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
    assert every_row(livechat) == before


@pytest.mark.livechat_config(LIVECHAT_RATE_LIMITS={"page_view": "3/minute"})
def test_a_router_loop_is_rate_limited(live_server: LiveServer) -> None:
    http = requests.Session()
    http.get(live_server.url + "/", timeout=10)
    statuses = [_post(http, live_server, {"url": f"{live_server.url}/r/{i}"}).status_code for i in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]


def test_the_socket_page_event_moves_the_live_visitor(
    live_server: LiveServer, livechat: LiveChatState
) -> None:
    http = requests.Session()
    http.get(live_server.url + "/", timeout=10)
    http.get(live_server.url + "/", timeout=10)
    cookie = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
    client = socketio.Client(reconnection=False)
    client.connect(
        live_server.url, namespaces=["/livechat"], headers={"Cookie": cookie}, transports=["websocket"]
    )
    try:
        call = lambda event, payload: client.call(event, payload, namespace="/livechat", timeout=10)  # noqa: E731
        assert call("hello", {"page": {"url": live_server.url + "/", "title": "Home"}})["ok"]
        assert call("page", {"page": {"url": live_server.url + "/app/cart", "title": "Cart"}}) == {"ok": True}
        connections = " ".join(every_row(livechat)["livechat_visitor_connections"])
        assert "/app/cart" in connections and "Cart" in connections
        assert call("page", {})["error"]["code"] == "invalid"
        assert call("page", {"page": {"url": 5}})["error"]["code"] == "invalid"
        answers = [call("page", {"page": {"url": live_server.url + f"/p/{i}"}}) for i in range(12)]
        assert (
            answers[-1]["error"]["code"] == "rate_limited"
            and answers[-1]["error"]["fields"]["retry_after"] >= 1
        )
    finally:
        client.disconnect()


def test_hello_titles_the_latest_view_of_its_page_and_learns_the_time_zone(
    app: Flask, live_server: LiveServer, livechat: LiveChatState
) -> None:
    """A page whose title its script sets (the server saw none): the widget's ``hello`` brings the title,
    with the visitor's time zone."""
    app.add_url_rule("/spa", "spa", lambda: "<!doctype html><html><head></head><body>App</body></html>")
    http = requests.Session()
    http.get(live_server.url + "/", timeout=10)
    http.get(live_server.url + "/spa", timeout=10)  # a stored view of /spa, without a title
    assert "Orders app" not in " ".join(_page_urls(livechat))
    cookie = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
    client = socketio.Client(reconnection=False)
    client.connect(
        live_server.url, namespaces=["/livechat"], headers={"Cookie": cookie}, transports=["websocket"]
    )
    try:
        page = {"url": live_server.url + "/spa", "title": "Orders app"}
        answer = client.call("hello", {"page": page, "timezone": "Europe/Vienna"}, namespace="/livechat")
        assert answer["ok"]
        rows = every_row(livechat)
    finally:
        client.disconnect()
    assert "Orders app" in " ".join(rows["livechat_page_views"])
    assert "Europe/Vienna" in " ".join(rows["livechat_visitors"])
    assert "Orders app" in " ".join(rows["livechat_visitor_connections"])
