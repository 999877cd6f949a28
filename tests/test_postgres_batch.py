"""On PostgreSQL the usual batch of visitor messages is one autocommitted statement (store/postgres_batch.py):
one round trip instead of five, the same rows and records as the usual path, and everything unusual (a
visitor without an open conversation, a resend, an endpoint that wants messages) still stored by that path."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select, update

from flask_livechat.store import Store
from flask_livechat.store.models import Message, ReportChat, WebhookDelivery
from flask_livechat.store.records import StoredMessage, VisitorMessage
from tests.helpers import talking_visitors

pytestmark = pytest.mark.postgres


def _run(store: Store, batch: list[VisitorMessage]) -> tuple[list[Any], list[tuple[str, bool]]]:
    """The outcomes, and each statement sent with whether its connection was in autocommit (psycopg2 then
    sends no BEGIN before it and no COMMIT after it)."""
    seen: list[tuple[str, bool]] = []

    def record(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append((statement, bool(connection.connection.dbapi_connection.autocommit)))

    event.listen(store.database.engine, "before_cursor_execute", record)
    try:
        outcomes = store.conversations.add_visitor_messages(batch)
    finally:
        event.remove(store.database.engine, "before_cursor_execute", record)
    assert not any(isinstance(outcome, Exception) for outcome in outcomes), outcomes
    return outcomes, seen


def _writes(seen: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    return [(s, auto) for s, auto in seen if not s.lstrip().upper().startswith("SELECT")]


def _stored_rows(store: Store, conversation_id: str) -> list[tuple[int, str]]:
    return [(m.seq, m.body) for m in store.conversations.messages_of(conversation_id)]


def test_a_batch_of_visitors_with_open_conversations_is_one_autocommitted_statement(pg_store: Store) -> None:
    talking = talking_visitors(pg_store, 3)
    with pg_store.database.writing() as connection:  # so the statement's own timings update shows
        connection.execute(update(ReportChat).values(last_message=0))
    batch = [VisitorMessage(v, f"c-{v}", f"to {n}") for n, v in enumerate(talking)]
    outcomes, seen = _run(pg_store, batch)
    assert len(_writes(seen)) == 1 and all(auto for _, auto in seen), seen
    for n, (visitor_id, outcome) in enumerate(zip(talking, outcomes, strict=True)):
        assert isinstance(outcome, StoredMessage)
        assert outcome.conversation.visitor_id == visitor_id and outcome.conversation.last_seq == 2
        assert not outcome.opened_conversation and not outcome.duplicate
        assert outcome.message in pg_store.conversations.messages_of(
            outcome.conversation.id
        )  # field for field
        assert _stored_rows(pg_store, outcome.conversation.id) == [(1, "hi"), (2, f"to {n}")]
    with pg_store.database.reading() as connection:
        timings = dict(connection.execute(select(ReportChat.conversation_id, ReportChat.last_message)).all())
        started = connection.execute(select(func.count()).where(ReportChat.started.is_(None))).scalar_one()
    for outcome in outcomes:
        assert timings[outcome.conversation.id] == int(outcome.message.created_at.timestamp())
    assert started == 0  # the first message's start is kept (coalesce), not moved


def test_a_visitor_without_an_open_conversation_is_stored_by_the_usual_path_in_order(pg_store: Store) -> None:
    talking = talking_visitors(pg_store, 2)
    newcomer = pg_store.visitors.create_visitor(persistent=True).id
    batch = [
        VisitorMessage(talking[0], "a", "one"),
        VisitorMessage(newcomer, "n", "two"),
        VisitorMessage(talking[1], "b", "three"),
    ]
    outcomes, seen = _run(pg_store, batch)
    assert [outcome.message.client_id for outcome in outcomes] == ["a", "n", "b"]
    assert outcomes[1].opened_conversation and outcomes[1].message.seq == 1
    assert not outcomes[0].opened_conversation and outcomes[0].message.seq == 2
    assert any(not auto for _, auto in _writes(seen))  # the newcomer's conversation: a transaction
    assert _stored_rows(pg_store, outcomes[1].conversation.id) == [(1, "two")]


def test_a_resend_in_the_batch_stores_nothing_twice(pg_store: Store) -> None:
    talking = talking_visitors(pg_store, 2)
    batch = [
        VisitorMessage(talking[0], "new", "fresh"),
        VisitorMessage(talking[1], f"first-{talking[1]}", "hi"),  # stored by talking_visitors already
    ]
    outcomes, _ = _run(pg_store, batch)
    assert not outcomes[0].duplicate and outcomes[0].message.seq == 2
    assert outcomes[1].duplicate and outcomes[1].message.seq == 1 and outcomes[1].conversation.last_seq == 1
    assert _stored_rows(pg_store, outcomes[0].conversation.id) == [(1, "hi"), (2, "fresh")]
    assert _stored_rows(pg_store, outcomes[1].conversation.id) == [(1, "hi")]


def test_two_messages_of_one_visitor_are_numbered_in_order(pg_store: Store) -> None:
    (visitor_id,) = talking_visitors(pg_store, 1)
    batch = [VisitorMessage(visitor_id, "x", "second"), VisitorMessage(visitor_id, "y", "third")]
    outcomes, _ = _run(pg_store, batch)
    assert [outcome.message.seq for outcome in outcomes] == [2, 3]
    assert _stored_rows(pg_store, outcomes[0].conversation.id) == [(1, "hi"), (2, "second"), (3, "third")]


def test_an_endpoint_that_wants_messages_still_gets_each_in_its_outbox(pg_store: Store) -> None:
    talking = talking_visitors(pg_store, 2)
    pg_store.webhooks.create_endpoint("https://hooks.example.com/chat", ["message.created"], "s" * 32)
    batch = [VisitorMessage(v, f"c-{v}", "hello") for v in talking]
    _run(pg_store, batch)
    with pg_store.database.reading() as connection:
        queued = connection.execute(select(func.count()).select_from(WebhookDelivery)).scalar_one()
        stored = connection.execute(select(func.count()).select_from(Message)).scalar_one()
    assert queued == 2 and stored == 4


def test_times_are_stored_in_utc_whatever_the_server_s_time_zone(database: str) -> None:
    """The one statement's times go through the model's types as the usual path's do: stored as naive UTC
    under any session time zone, handed back as aware UTC (the conversation's too)."""
    store = Store(database, connect_args={"options": "-c timezone=Asia/Kolkata"})
    try:
        talking = talking_visitors(store, 2)
        outcomes, seen = _run(store, [VisitorMessage(v, f"c-{v}", "hello") for v in talking])
        assert len(_writes(seen)) == 1  # the one statement, not the usual path
        for outcome in outcomes:
            assert outcome.message in store.conversations.messages_of(outcome.conversation.id)
            assert outcome.conversation.updated_at.utcoffset() == timedelta(0)
            again = store.conversations.get_conversation(outcome.conversation.id)
            assert again is not None and again.updated_at == outcome.conversation.updated_at
    finally:
        store.dispose()
