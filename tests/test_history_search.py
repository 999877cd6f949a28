"""History: full-text search (SQLite FTS5, PostgreSQL full text), filters, and one transcript's timeline."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIO
from sqlalchemy import create_engine, text

from flask_livechat.store import Store
from flask_livechat.store.models import utcnow
from flask_livechat.store.records import HistoryFilters
from flask_livechat.store.search import fts5_query
from tests.conftest import agent_client, say, visitor_client
from tests.helpers import POSTGRES_URL, postgres_reachable

AGENT_NS = "/livechat-agent"
VISITOR_NS = "/livechat"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        store = Store(f"sqlite:///{tmp_path}/history.db")
        store.create_all()
        yield store
        store.dispose()
        return
    from tests.conftest import need

    need(postgres_reachable(), f"PostgreSQL at {POSTGRES_URL}")
    # A schema of our own: other test runs may use the same database at the same time.
    schema = "lc_history_" + secrets.token_hex(4)
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    store = Store(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    store.create_all()
    yield store
    store.dispose()
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def conversation(store: Store, body: str, *replies: str) -> str:
    visitor = store.visitors.create_visitor(persistent=True)
    stored = store.conversations.add_visitor_message(visitor.id, client_id=secrets.token_hex(8), body=body)
    for reply in replies:
        store.conversations.add_message(
            stored.conversation.id, client_id=secrets.token_hex(8), sender="agent", author="Ada", body=reply
        )
    return stored.conversation.id


def found(store: Store, **filters: Any) -> list[str]:
    return [c.id for c in store.search.search_history(HistoryFilters(**filters))]


def test_full_text_search(store: Store) -> None:
    refund = conversation(store, "I would like a refund for my order", "Refunds take five days.")
    login = conversation(store, "I cannot log in to my account")
    both = conversation(store, "Refund? Also the login page is broken")
    assert set(found(store, query="refund")) == {refund, both}
    assert set(found(store, query="refunds")) == {refund}  # the agent's word
    assert found(store, query="account log") == [login]  # every word, any order
    assert found(store, query="order refund") == [refund]
    assert found(store, query="parrot") == []
    # Syntax characters are words, not operators; nothing breaks.
    for hostile in ('"', "refund OR", "NEAR(", "*", "a:b", "-refund", "login)", "'; DROP TABLE x; --"):
        store.search.search_history(HistoryFilters(query=hostile))
    # Deleted messages are no longer found.
    (message, *_) = store.conversations.messages_of(refund)
    assert store.workflow.delete_message(refund, message.id)
    assert found(store, query="order") == []


def test_filters(store: Store) -> None:
    early = conversation(store, "early question")
    late = conversation(store, "late question")
    store.workflow.assign(late, "7", "Ada", expected=(None,))
    store.workflow.set_tags(early, ["billing"])
    store.conversations.set_status(early, "closed", notice="closed", notice_id="status-closed-1")
    assert found(store, agent_id="7") == [late]
    assert found(store, tag="billing") == [early]
    assert found(store, status="closed") == [early]
    assert found(store, status="open", query="question") == [late]
    now = utcnow()
    assert set(found(store, since=now - timedelta(hours=1), until=now + timedelta(hours=1))) == {early, late}
    assert found(store, since=now + timedelta(hours=1)) == []
    assert found(store, until=now - timedelta(hours=1)) == []


def test_fts5_query_quotes_every_word() -> None:
    assert fts5_query('say "hi" OR') == '"say"* """hi"""* "OR"*'


def test_search_and_transcript_over_the_socket(app: Flask, socketio: SocketIO) -> None:
    http = app.test_client()
    http.get("/page/pricing")
    guest = visitor_client(app, socketio, "/page/checkout", http=http)
    conversation_id = say(guest, "Does the Pro plan include invoices?", "c-hist-0001")["conversation_id"]
    ada = agent_client(app, socketio, "ada")
    ada.emit(
        "set_tags", {"conversation_id": conversation_id, "tags": ["sales"]}, namespace=AGENT_NS, callback=True
    )
    ada.emit("claim_conversation", {"conversation_id": conversation_id}, namespace=AGENT_NS, callback=True)
    ada.emit("close_conversation", {"conversation_id": conversation_id}, namespace=AGENT_NS, callback=True)
    query = {
        "query": "invoices",
        "tag": "sales",
        "agent_id": "1",
        "status": "closed",
        "since": "2020-01-01T00:00:00Z",
    }
    ack = ada.emit("search_history", query, namespace=AGENT_NS, callback=True)
    assert [c["id"] for c in ack["conversations"]] == [conversation_id]

    transcript = ada.emit(
        "transcript", {"conversation_id": conversation_id}, namespace=AGENT_NS, callback=True
    )["transcript"]
    assert transcript["started_at"] and transcript["ended_at"] and transcript["duration_seconds"] >= 0
    assert [p["url"] for p in transcript["pages"]] == [
        "http://localhost/page/pricing",
        "http://localhost/page/checkout",
    ]
    assert [m["sender"] for m in transcript["messages"]] == ["visitor", "system"]
    for bad in ({"since": "yesterday"}, {"status": "archived"}, {"query": "x" * 201}, {"unknown": 1}):
        result = ada.emit("search_history", bad, namespace=AGENT_NS, callback=True)
        assert result["ok"] is False and result["error"]["code"] == "invalid", bad
    guest.disconnect(VISITOR_NS)


def test_erased_words_leave_the_index(store: Store) -> None:
    gone = conversation(store, "the zebrafish escaped")
    kept = conversation(store, "the otter stayed")
    assert found(store, query="zebrafish") == [gone]
    [visitor_id] = [c.visitor_id for c in store.conversations.open_conversations() if c.id == gone]
    store.privacy.erase_visitors([visitor_id])
    assert store.scrub() is True  # the WAL truncated (SQLite), the tables vacuumed (PostgreSQL)
    assert found(store, query="zebrafish") == [] and found(store, query="otter") == [kept]
    with store.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            blobs = connection.exec_driver_sql("SELECT block FROM livechat_messages_fts_data").scalars()
            assert not [blob for blob in blobs if b"zebrafish" in bytes(blob)]
