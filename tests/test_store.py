"""The store on SQLite and PostgreSQL: seq allocation under concurrency, idempotency, outages."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from flask_livechat.errors import StoreUnavailable
from flask_livechat.store import Store
from flask_livechat.store.records import ConversationFilters
from tests.helpers import reads_of, statements_during


def test_concurrent_writers_get_distinct_consecutive_seqs(store: Store) -> None:
    visitor = store.visitors.create_visitor(persistent=True)
    opened = store.conversations.add_visitor_message(visitor.id, client_id="c-open-0001", body="open")
    conversation_id = opened.conversation.id
    errors: list[BaseException] = []

    def writer(index: int) -> None:
        try:
            for number in range(20):
                store.conversations.add_message(
                    conversation_id,
                    client_id=f"w{index}-{number:03d}",
                    sender="agent",
                    author=f"agent {index}",
                    body="x",
                )
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    messages = store.conversations.messages_of(conversation_id, limit=1000)
    assert [m.seq for m in messages] == list(range(1, 122))
    conversation = store.conversations.get_conversation(conversation_id)
    assert conversation is not None and conversation.last_seq == 121


def test_two_tabs_first_messages_open_one_conversation(store: Store) -> None:
    visitor = store.visitors.create_visitor(persistent=True)
    results = []

    def first_message(index: int) -> None:
        results.append(
            store.conversations.add_visitor_message(visitor.id, client_id=f"c-tab-{index:04d}", body="hi")
        )

    threads = [threading.Thread(target=first_message, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({stored.conversation.id for stored in results}) == 1
    assert sum(stored.opened_conversation for stored in results) == 1


def test_duplicate_client_id_is_answered_from_the_store(store: Store) -> None:
    visitor = store.visitors.create_visitor(persistent=True)
    first = store.conversations.add_visitor_message(visitor.id, client_id="c-same-0001", body="once")
    again = store.conversations.add_visitor_message(visitor.id, client_id="c-same-0001", body="once")
    assert again.duplicate and not first.duplicate
    assert again.message == first.message
    assert store.count_rows()["livechat_messages"] == 1


def test_a_message_is_stored_without_first_looking_for_an_earlier_copy(store: Store) -> None:
    visitor = store.visitors.create_visitor(persistent=True)
    first = store.conversations.add_visitor_message(visitor.id, client_id="c-look-0001", body="open")
    ran = statements_during(
        store.database.engine,
        lambda: store.conversations.add_visitor_message(visitor.id, client_id="c-look-0002", body="next"),
    )
    # The unique client id refuses a resend, so the usual send needs no check first.
    assert reads_of(ran, "livechat_messages") == []
    again = store.conversations.add_visitor_message(visitor.id, client_id="c-look-0001", body="open")
    assert again.duplicate and again.message == first.message
    assert again.conversation.last_seq == 2  # the refused attempt's seq bump was rolled back
    assert [m.client_id for m in store.conversations.messages_of(first.conversation.id)] == [
        "c-look-0001",
        "c-look-0002",
    ]


def test_concurrent_retries_of_one_message_store_it_once(store: Store) -> None:
    """A widget retrying while its first send is still in flight: on PostgreSQL both transactions pass the
    duplicate check before either commits; the later insert fails on the unique client id and is answered
    as the duplicate it is."""
    visitor = store.visitors.create_visitor(persistent=True)
    store.conversations.add_visitor_message(visitor.id, client_id="c-open-0002", body="open")
    start = threading.Barrier(6)
    results = []
    errors: list[BaseException] = []

    def retry() -> None:
        start.wait()
        try:
            results.append(
                store.conversations.add_visitor_message(visitor.id, client_id="c-race-0001", body="x")
            )
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=retry) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(stored.duplicate for stored in results) == [False] + [True] * 5
    assert len({stored.message.id for stored in results}) == 1
    assert store.count_rows()["livechat_messages"] == 2


def test_unknown_conversation_is_a_lookup_error(store: Store) -> None:
    with pytest.raises(LookupError):
        store.conversations.add_message(
            "missing", client_id="a-0000001", sender="agent", author="A", body="x"
        )
    assert store.count_rows()["livechat_messages"] == 0


def test_unreachable_database_is_store_unavailable(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/missing-dir/x.db")
    with pytest.raises(StoreUnavailable):
        store.visitors.create_visitor(persistent=True)
    with pytest.raises(StoreUnavailable):
        store.conversations.open_conversations()


def test_a_pool_with_every_connection_busy_is_store_unavailable(tmp_path: Path) -> None:
    """Under gevent many greenlets can wait for the pool at once: one that waits out ``pool_timeout`` gets
    an error ack like any outage, not a traceback."""
    store = Store(f"sqlite:///{tmp_path}/x.db", pool_size=1, max_overflow=0, pool_timeout=0.1)
    store.conversations.open_conversations()
    with store.database.engine.connect():  # the only connection, held
        with pytest.raises(StoreUnavailable):
            store.conversations.open_conversations()
    assert store.conversations.open_conversations() == []
    store.dispose()


def test_api_tokens_are_kept_as_digests_and_revoked_once(store: Store) -> None:
    made = store.tokens.create_token(
        public_id="0123456789abcdef",
        secret_hash="d" * 64,
        name="crm",
        scope="read",
        agent_id="7",
        agent_name="Ada",
        role="agent",
        departments=["sales"],
        created_by="Bob (user 2)",
    )
    assert made.departments == ("sales",) and made.revoked_at is None
    found = store.tokens.token_by_public_id("0123456789abcdef")
    assert found is not None and found[1] == "d" * 64
    assert store.tokens.revoke_token(made.id) is not None
    assert store.tokens.revoke_token(made.id) is None  # already revoked
    assert store.tokens.revoke_tokens_of("7") == []
    assert store.tokens.tokens()[0].revoked_at is not None


def test_the_conversation_page_goes_newest_first_from_its_cursor(store: Store) -> None:
    opened = []
    for index in range(3):
        visitor = store.visitors.create_visitor(persistent=True)
        stored = store.conversations.add_visitor_message(visitor.id, client_id=f"page-{index:04d}", body="hi")
        opened.append(stored.conversation)
    everything = ConversationFilters()
    first = store.conversations.conversations_page(everything, departments=None, before=None, limit=2)
    assert [c.id for c in first] == [opened[2].id, opened[1].id]
    after = (first[-1].created_at, first[-1].id)
    rest = store.conversations.conversations_page(everything, departments=None, before=after, limit=2)
    assert [c.id for c in rest] == [opened[0].id]
    assert (
        store.conversations.conversations_page(
            ConversationFilters(assignee=""), departments=frozenset({"sales"}), before=None, limit=5
        )
        == []
    )
