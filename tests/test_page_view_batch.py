"""Page views of a visit under way: queued on the request, written together (services/page_view_batch.py)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from flask_livechat.services.privacy import Subject
from flask_livechat.services.visitors import describe_client
from flask_livechat.state import LiveChatState
from flask_livechat.store import PageInfo, Store
from flask_livechat.store.models import PageView, ReportView, Visit, utcnow
from flask_livechat.store.records import QueuedPageView
from tests.helpers import statements_during

WRITES = ("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE")


def urls(livechat: LiveChatState) -> list[str]:
    with livechat.store.engine.connect() as connection:
        return list(connection.execute(select(PageView.url).order_by(PageView.id)).scalars())


def test_a_returning_visitors_page_views_write_nothing_on_the_request(
    app: Flask, livechat: LiveChatState
) -> None:
    http = app.test_client()
    http.get("/")
    http.get("/page/pricing")  # the cookie came back: a visitor, a visit, both views (on the request)
    assert urls(livechat) == ["http://localhost/", "http://localhost/page/pricing"]

    during = statements_during(livechat.store.database.engine, lambda: http.get("/page/help?token=secret"))
    assert not [s for s in during if s.lstrip().upper().startswith(WRITES)], during
    assert len(urls(livechat)) == 2  # queued, not yet written

    livechat.visitors.page_views.flush()
    assert urls(livechat)[1:] == ["http://localhost/page/pricing", "http://localhost/page/help"]  # cleaned
    with livechat.store.engine.connect() as connection:
        paths = list(connection.execute(select(ReportView.path).order_by(ReportView.page_view_id)).scalars())
        seen = connection.execute(select(Visit.last_seen_at)).scalar_one()
    assert paths == ["/", "/page/pricing", "/page/help"]
    assert utcnow() - seen.replace(tzinfo=utcnow().tzinfo) < timedelta(seconds=5)


def test_the_writer_runs_by_itself_within_the_interval(app: Flask, livechat: LiveChatState) -> None:
    http = app.test_client()
    http.get("/")
    http.get("/")
    for name in ("a", "b", "c"):
        http.get(f"/page/{name}")
    deadline = time.monotonic() + 5
    while len(urls(livechat)) < 5:
        assert time.monotonic() < deadline, urls(livechat)
        time.sleep(0.05)
    assert urls(livechat)[2:] == [f"http://localhost/page/{name}" for name in ("a", "b", "c")]


def test_views_queued_for_an_erased_visitor_are_never_written(app: Flask, livechat: LiveChatState) -> None:
    http = app.test_client()
    http.get("/")
    http.get("/")
    with livechat.store.engine.connect() as connection:
        visitor_id = connection.execute(select(Visit.visitor_id)).scalar_one()
    http.get("/page/after")  # queued
    livechat.privacy.erase(Subject(visitor_id=visitor_id), actor="test")
    livechat.visitors.page_views.flush()
    assert urls(livechat) == []
    # The browser still sends the old cookie: its next view makes a new visitor, on the request.
    http.get("/page/later")
    assert urls(livechat) == ["http://localhost/page/later"]


@pytest.mark.livechat_config(LIVECHAT_PAGE_VIEW_BATCH_SECONDS=0)
def test_zero_writes_every_page_view_on_its_request(app: Flask, livechat: LiveChatState) -> None:
    assert livechat.visitors.page_views is None
    http = app.test_client()
    for _ in range(3):
        http.get("/")
    assert len(urls(livechat)) == 3


def test_the_store_writes_a_batch_and_drops_views_of_visits_gone(store: Store) -> None:
    page = PageInfo(url="https://shop.example/a", title="A")
    visits = [
        store.visitors.record_page_view(None, page, client, visit_timeout=timedelta(minutes=30))
        for client in (_client(), _client())
    ]
    kept, gone = visits
    store.privacy.erase_visitors([gone.visitor_id])
    now = utcnow()
    written = store.visitors.write_page_views(
        [
            QueuedPageView(
                kept.visitor_id, kept.visit_id, PageInfo(url="https://shop.example/b"), now, False
            ),
            QueuedPageView(
                gone.visitor_id, gone.visit_id, PageInfo(url="https://shop.example/c"), now, False
            ),
            QueuedPageView(kept.visitor_id, kept.visit_id, PageInfo(url="https://shop.example/d"), now, True),
        ]
    )
    assert written == {kept.visitor_id}
    with store.engine.connect() as connection:
        rows = connection.execute(select(PageView.visitor_id, PageView.url).order_by(PageView.id)).all()
        reported = (
            connection.execute(select(ReportView.path).order_by(ReportView.page_view_id)).scalars().all()
        )
    assert [row.url for row in rows] == [
        "https://shop.example/a",
        "https://shop.example/b",
        "https://shop.example/d",
    ]
    assert {row.visitor_id for row in rows} == {kept.visitor_id}
    assert reported == ["/a", "/b"]  # a staff member's view is not in the reports


def _client() -> Any:
    return describe_client("Mozilla/5.0", "127.0.0.1", "en", keep_network_data=False)
