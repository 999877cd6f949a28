"""The console's live list of who is on the site, and the context agents see about one visitor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIO
from sqlalchemy import event, update

from flask_livechat.state import LiveChatState
from flask_livechat.store.models import Visit, Visitor, utcnow
from tests.conftest import agent_client, say, visitor_client, wait_for_events

AGENT_NS = "/livechat-agent"
VISITOR_NS = "/livechat"
CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


def visitors(agent: Any) -> dict[str, dict[str, Any]]:
    ack = agent.emit("hello", {}, namespace=AGENT_NS, callback=True)
    return {v["id"]: v for v in ack["visitors"]}


def test_live_list_shows_pages_path_client_and_updates_live(app: Flask, socketio: SocketIO) -> None:
    agent = agent_client(app, socketio, "ada")
    agent.emit("hello", {}, namespace=AGENT_NS, callback=True)
    http = app.test_client()
    headers = {
        "User-Agent": CHROME,
        "Accept-Language": "de-CH,de;q=0.9",
        "Referer": "https://search.example/q",
    }
    http.get("/", headers=headers)
    http.get("/page/pricing", headers={"User-Agent": CHROME})
    guest = visitor_client(app, socketio, "/page/features", http=http, **{"User-Agent": CHROME})
    ack = guest.emit(
        "hello",
        {"page": {"url": "http://localhost/page/features", "title": "Features"}, "timezone": "Europe/Zurich"},
        namespace=VISITOR_NS,
        callback=True,
    )
    assert ack["ok"]

    # Page views of a visit under way are written (and pushed) together, within a second.
    pushed = wait_for_events(
        agent,
        AGENT_NS,
        "visitor_updated",
        lambda v: v.get("current_title") == "Features" and len(v["pages"]) == 3,
    )
    assert pushed, "the list updates without a reload"
    live = pushed[-1]
    assert live["online"] is True
    assert live["current_url"] == "http://localhost/page/features" and live["current_title"] == "Features"
    assert [page["url"] for page in live["pages"]] == [
        "http://localhost/",
        "http://localhost/page/pricing",
        "http://localhost/page/features",
    ]
    assert all(page["viewed_at"] for page in live["pages"])
    # Titles are read from each page's <title> as it is served (the widget's reading only fills gaps).
    assert [page["title"] for page in live["pages"]] == ["Home", "pricing", "features"]
    assert live["referrer"] == "https://search.example/q"
    assert (live["browser"], live["browser_version"], live["os"]) == ("Chrome", "131.0", "Linux")
    assert live["language"] == "de-CH" and live["timezone"] == "Europe/Zurich"
    assert live["visit_count"] == 1 and live["returning"] is False and live["first_seen_at"]
    assert live["customer"] is None

    # An earlier conversation shows up in the list; leaving keeps the visitor as "seen recently".
    message = say(guest, "hello", "c-list-0001")
    guest.disconnect(VISITOR_NS)
    gone = wait_for_events(agent, AGENT_NS, "visitor_updated", lambda v: v["online"] is False)[-1]
    assert gone["online"] is False
    listed = visitors(agent)[live["id"]]
    assert listed["conversations"][0]["id"] == message["conversation_id"]


@pytest.mark.livechat_config(LIVECHAT_PAGE_VIEW_BATCH_SECONDS=0)  # the visit is aged in the database alone
def test_returning_visitors_are_marked(app: Flask, socketio: SocketIO, livechat: LiveChatState) -> None:
    http = app.test_client()
    http.get("/")
    http.get("/")  # the cookie came back: stored, with one visit
    with livechat.store.engine.begin() as connection:
        connection.execute(update(Visit).values(last_seen_at=utcnow() - timedelta(hours=2)))
    guest = visitor_client(app, socketio, "/", http=http)
    agent = agent_client(app, socketio, "ada")
    (listed,) = visitors(agent).values()
    assert listed["visit_count"] == 2 and listed["returning"] is True
    guest.disconnect(VISITOR_NS)


@pytest.mark.livechat_config(LIVECHAT_RECENT_VISITOR_SECONDS=60)
def test_only_connected_and_recent_visitors_are_listed(
    app: Flask, socketio: SocketIO, livechat: LiveChatState
) -> None:
    app.test_client().get("/")  # a visitor who left long ago
    with livechat.store.engine.begin() as connection:
        connection.execute(update(Visitor).values(last_seen_at=utcnow() - timedelta(minutes=5)))
    recent = visitor_client(app, socketio, "/page/now")
    recent.disconnect(VISITOR_NS)
    agent = agent_client(app, socketio, "ada")
    listed = visitors(agent)
    assert len(listed) == 1 and next(iter(listed.values()))["current_url"] == "http://localhost/page/now"


def test_visitor_details_and_bad_ids(app: Flask, socketio: SocketIO) -> None:
    guest = visitor_client(app, socketio, "/")
    agent = agent_client(app, socketio, "ada")
    (visitor_id,) = visitors(agent)
    ack = agent.emit("visitor_details", {"visitor_id": visitor_id}, namespace=AGENT_NS, callback=True)
    assert ack["ok"] and ack["visitor"]["id"] == visitor_id
    for payload in ({"visitor_id": "nope"}, {"visitor_id": "a" * 40}, {}):
        ack = agent.emit("visitor_details", payload, namespace=AGENT_NS, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] in {"not_found", "invalid"}
    guest.disconnect(VISITOR_NS)


def test_page_views_push_nothing_while_no_console_is_open(app: Flask, socketio: SocketIO) -> None:
    """Without a console anywhere a page view makes no ``visitor_updated`` (its query and emit went
    nowhere); a console opened in this process hears the next one at once."""
    livechat = app.extensions["livechat"]
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    http = app.test_client()
    http.get("/", headers={"User-Agent": CHROME})
    http.get("/page/pricing", headers={"User-Agent": CHROME})  # now a visitor row, a returning cookie
    engine = livechat.store.database.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        http.get("/page/help", headers={"User-Agent": CHROME})
        quiet = list(statements)
        agent = agent_client(app, socketio, "ada")
        agent.emit("hello", {}, namespace=AGENT_NS, callback=True)
        agent.get_received(AGENT_NS)
        statements.clear()
        http.get("/page/features", headers={"User-Agent": CHROME})
        livechat.visitors.page_views.flush()  # queued with the visit's others; written within a second
        heard = list(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    pushed = [e["args"][0] for e in agent.get_received(AGENT_NS) if e["name"] == "visitor_updated"]
    assert [p["current_url"].rsplit("/", 1)[-1] for p in pushed] == ["features"]
    # The live entry's read (its visitor connections) happens only when someone can hear it.
    assert not any("livechat_visitor_connections" in s for s in quiet)
    assert any("livechat_visitor_connections" in s for s in heard)
