"""Server-side visit and page-view capture."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient

from flask_livechat.identity import visitor_id_from_token
from flask_livechat.services.visitors import describe_client, truncate_ip
from flask_livechat.state import LiveChatState

CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.6478.127 Safari/537.36"
)


def visitor_id(app: Flask, client: FlaskClient) -> str:
    value = visitor_id_from_token(app, client.get_cookie("livechat_visitor").value)
    assert value is not None
    return value


def test_page_view_records_browser_os_language_ip_and_referrer(
    app: Flask, client: FlaskClient, livechat: LiveChatState
) -> None:
    client.get(
        "/?utm=1",
        headers={
            "User-Agent": CHROME_ON_WINDOWS,
            "Accept-Language": "de-DE,de;q=0.9,en;q=0.8",
            "Referer": "https://search.example/?q=hosting",
        },
        environ_base={"REMOTE_ADDR": "203.0.113.77"},
    )
    client.get("/page/next", headers={"User-Agent": CHROME_ON_WINDOWS})  # the cookie comes back: stored
    [visit] = livechat.store.visitors.visits_of(visitor_id(app, client))
    assert (visit["browser"], visit["browser_version"]) == ("Chrome", "126.0")
    assert (visit["os"], visit["os_version"]) == ("Windows", "10")
    assert visit["language"] == "de-DE"
    assert visit["ip"] == "203.0.113.0"
    assert visit["referrer"] == "https://search.example/"  # origin and path: not the search
    assert visit["landing_url"] == "http://localhost/"  # no query string unless allow-listed


def test_visits_count_and_navigation_path(app: Flask, client: FlaskClient, livechat: LiveChatState) -> None:
    client.get("/")
    client.get("/")
    vid = visitor_id(app, client)
    visitor = livechat.store.visitors.get_visitor(vid)
    assert visitor is not None and visitor.visit_count == 1
    assert [page.url for page in livechat.store.visitors.page_views_of(vid)] == ["http://localhost/"] * 2


@pytest.mark.livechat_config(LIVECHAT_VISIT_TIMEOUT=1)
def test_silence_longer_than_the_timeout_starts_a_new_visit(
    app: Flask, client: FlaskClient, livechat: LiveChatState, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.get("/")
    client.get("/")  # the cookie came back: a visitor with one visit
    from flask_livechat.store import visitors as visitor_queries

    real_now = visitor_queries.utcnow
    monkeypatch.setattr(visitor_queries, "utcnow", lambda: real_now() + timedelta(seconds=5))
    client.get("/")
    visitor = livechat.store.visitors.get_visitor(visitor_id(app, client))
    assert visitor is not None and visitor.visit_count == 2
    assert visitor.last_seen_at > visitor.first_seen_at


def test_only_successful_html_gets_count(app: Flask, client: FlaskClient, livechat: LiveChatState) -> None:
    @app.get("/api")
    def api() -> dict[str, int]:
        return {"a": 1}

    @app.post("/form")
    def form() -> str:
        return "<html><body>posted</body></html>"

    @app.get("/broken")
    def broken() -> Response:
        return Response("<html><body>nope</body></html>", status=500, mimetype="text/html")

    for response in (client.get("/api"), client.post("/form"), client.get("/broken"), client.get("/missing")):
        assert "livechat_visitor" not in response.headers.get("Set-Cookie", "")
    client.get("/livechat/static/widget.js").close()
    assert livechat.store.count_rows()["livechat_page_views"] == 0


@pytest.mark.livechat_config(LIVECHAT_TRACK_PAGE_VIEWS=False)
def test_tracking_can_be_switched_off(client: FlaskClient, livechat: LiveChatState) -> None:
    client.get("/")
    assert livechat.store.count_rows()["livechat_page_views"] == 0


def test_store_outage_never_breaks_the_host_page(
    app: Flask, client: FlaskClient, livechat: LiveChatState, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client.get("/")  # the pending cookie: the next view needs the store
    livechat.store.dispose()
    shutil.rmtree(Path(app.instance_path))  # the SQLite file and its folder are gone: every connect fails
    response = client.get("/")
    assert response.status_code == 200
    assert b"<h1>Welcome</h1>" in response.data
    assert "page view not recorded" in caplog.text


@pytest.mark.parametrize(
    ("address", "stored"),
    [
        ("198.51.100.23", "198.51.100.0"),
        ("2001:db8:abcd:12:34::1", "2001:db8:abcd::"),
        ("::ffff:10.1.2.3", "10.1.2.0"),
        ("not an ip", None),
        (None, None),
    ],
)
def test_ip_is_truncated_before_storage(address: str | None, stored: str | None) -> None:
    assert truncate_ip(address) == stored


def test_unparseable_user_agent_is_kept_but_not_guessed() -> None:
    info = describe_client("curl/8.5.0", "127.0.0.1", None)
    assert info.user_agent == "curl/8.5.0"
    assert info.os is None or info.os == "Other"
    assert info.language is None
