"""Group commit: visitor messages that arrive together share one transaction, and fail alone."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event, select, update

from flask_livechat.services.group_commit import GroupCommit
from flask_livechat.store import Store
from flask_livechat.store.records import VisitorMessage
from tests.helpers import reads_of, statements_during, talking_visitors

Group = GroupCommit[VisitorMessage, object]


def _commits(store: Store) -> list[int]:
    """Counts the write transactions the store commits (their sizes are what group commit changes)."""
    committed: list[int] = []
    event.listen(store.database.engine, "commit", lambda _connection: committed.append(1))
    return committed


def _group(store: Store, max_batch: int = 64) -> Group:
    return GroupCommit(
        store.conversations.add_visitor_messages,
        new_event=threading.Event,
        sleep=lambda seconds: time.sleep(max(seconds, 0.05)),  # long enough for every thread to join
        max_batch=max_batch,
    )


def _send_together(
    group: GroupCommit[VisitorMessage, object], messages: list[VisitorMessage]
) -> list[object]:
    outcomes: list[object] = [None] * len(messages)

    def send(index: int) -> None:
        try:
            outcomes[index] = group.submit(messages[index])
        except Exception as error:  # the sender's own outcome
            outcomes[index] = error

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(messages))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return outcomes


def test_messages_sent_together_are_committed_together_and_each_is_stored(store: Store) -> None:
    visitors = [store.visitors.create_visitor(persistent=True).id for _ in range(8)]
    committed = _commits(store)
    group = _group(store)
    outcomes = _send_together(group, [VisitorMessage(v, f"c-{v}", "hello") for v in visitors])
    assert [outcome.message.body for outcome in outcomes] == ["hello"] * 8  # type: ignore[attr-defined]
    assert group.batches < 8 and group.batched == 8
    assert len(committed) == group.batches  # one commit per batch, not per message
    for visitor_id, outcome in zip(visitors, outcomes, strict=True):
        assert outcome.conversation.visitor_id == visitor_id  # type: ignore[attr-defined]
        assert [m.body for m in store.conversations.messages_of(outcome.conversation.id)] == ["hello"]  # type: ignore[attr-defined]


def test_one_failing_message_fails_alone(store: Store) -> None:
    visitors = [store.visitors.create_visitor(persistent=True).id for _ in range(4)]
    messages = [VisitorMessage(v, f"c-{v}", "hi") for v in visitors]
    messages.insert(2, VisitorMessage("no-such-visitor", "c-x", "hi"))
    outcomes = _send_together(_group(store), messages)
    assert isinstance(outcomes[2], Exception)
    stored = [outcome for index, outcome in enumerate(outcomes) if index != 2]
    assert all(not isinstance(outcome, Exception) for outcome in stored)
    assert store.database.count_rows()["livechat_messages"] == 4


def test_a_resent_message_in_the_same_batch_is_stored_once(store: Store) -> None:
    visitor_id = store.visitors.create_visitor(persistent=True).id
    store.conversations.add_visitor_message(visitor_id, client_id="first", body="one")
    again = VisitorMessage(visitor_id, "first", "one")
    outcomes = _send_together(_group(store), [again, VisitorMessage(visitor_id, "second", "two"), again])
    assert [outcome.duplicate for outcome in outcomes] == [True, False, True]  # type: ignore[attr-defined]
    conversation_id = outcomes[1].conversation.id  # type: ignore[attr-defined]
    assert [m.seq for m in store.conversations.messages_of(conversation_id)] == [1, 2]


def test_a_batch_holding_a_message_stored_earlier_answers_it_as_a_duplicate(store: Store) -> None:
    talking = [store.visitors.create_visitor(persistent=True).id for _ in range(3)]
    firsts = [
        store.conversations.add_visitor_message(visitor_id, client_id=f"first-{visitor_id}", body="hi")
        for visitor_id in talking
    ]
    batch = [
        VisitorMessage(talking[0], "next-a", "a"),
        VisitorMessage(talking[1], f"first-{talking[1]}", "hi"),  # resent: stored before, in another batch
        VisitorMessage(talking[2], "next-c", "c"),
    ]
    outcomes = store.conversations.add_visitor_messages(batch)
    assert [outcome.duplicate for outcome in outcomes] == [False, True, False]  # type: ignore[union-attr]
    assert outcomes[1].message == firsts[1].message  # type: ignore[union-attr]
    for first, expected in zip(firsts, (["hi", "a"], ["hi"], ["hi", "c"]), strict=True):
        in_store = store.conversations.messages_of(first.conversation.id)
        assert [(m.seq, m.body) for m in in_store] == list(enumerate(expected, start=1))


def test_a_batch_without_resends_reads_no_messages_first(store: Store) -> None:
    talking = talking_visitors(store, 3)
    batch = [VisitorMessage(visitor_id, f"next-{visitor_id}", "again") for visitor_id in talking]
    ran = statements_during(store.database.engine, lambda: store.conversations.add_visitor_messages(batch))
    assert reads_of(ran, "livechat_messages") == []
    # One insert (on PostgreSQL a part of the batch's one statement, store/postgres_batch.py).
    assert sum("INSERT INTO LIVECHAT_MESSAGES" in " ".join(s.upper().split()) for s in ran) == 1


def test_batches_are_bounded(store: Store) -> None:
    visitors = [store.visitors.create_visitor(persistent=True).id for _ in range(6)]
    group = _group(store, max_batch=2)
    outcomes = _send_together(group, [VisitorMessage(v, f"c-{v}", "hello") for v in visitors])
    assert all(not isinstance(outcome, Exception) for outcome in outcomes)
    assert group.batches >= 3


def test_a_batch_stores_what_one_message_at_a_time_would(store: Store) -> None:
    """The batch's own statements (one bump for many visitors, one insert, one timings update) leave the
    same rows and return the same records as the one-message path."""
    from flask_livechat.store.models import ReportChat

    talking = talking_visitors(store, 3)
    with store.database.writing() as connection:  # so the batch's own timings update shows
        connection.execute(update(ReportChat).values(last_message=0))
    newcomer = store.visitors.create_visitor(persistent=True).id
    batch = [
        VisitorMessage(talking[0], "a1", "one"),
        VisitorMessage(talking[1], "b1", "two"),
        VisitorMessage(talking[0], "a2", "three"),  # two of one visitor: bumped by two
        VisitorMessage(newcomer, "n1", "four"),  # no open conversation: opened in the same transaction
        VisitorMessage(talking[2], "c1", "five"),
    ]
    outcomes = store.conversations.add_visitor_messages(batch)
    assert not any(isinstance(outcome, Exception) for outcome in outcomes)
    stored = {outcome.message.client_id: outcome for outcome in outcomes}  # type: ignore[union-attr]
    assert stored["a1"].message.seq == 2 and stored["a2"].message.seq == 3
    assert stored["a2"].conversation.last_seq == 3 and stored["a1"].conversation.last_seq == 2
    assert stored["n1"].opened_conversation and stored["n1"].message.seq == 1
    for outcome in stored.values():
        assert outcome.message.conversation_id == outcome.conversation.id
        assert outcome.conversation.status == "open" and not outcome.duplicate
        in_store = store.conversations.messages_of(outcome.conversation.id)
        assert outcome.message in in_store  # the returned record is the stored row, field for field
    with store.database.reading() as connection:
        timings = {
            row.conversation_id: row.last_message
            for row in connection.execute(select(ReportChat.conversation_id, ReportChat.last_message))
        }
    for outcome in stored.values():
        assert timings[outcome.conversation.id] == int(outcome.message.created_at.timestamp())


def test_a_batch_of_one_visitor_s_messages_is_numbered_in_order(store: Store) -> None:
    visitor_id = store.visitors.create_visitor(persistent=True).id
    store.conversations.add_visitor_message(visitor_id, client_id="first", body="one")
    batch = [VisitorMessage(visitor_id, f"next-{n}", f"message {n}") for n in range(3)]
    outcomes = store.conversations.add_visitor_messages(batch)
    assert [outcome.message.seq for outcome in outcomes] == [2, 3, 4]  # type: ignore[union-attr]
    conversation_id = outcomes[0].conversation.id  # type: ignore[union-attr]
    bodies = [m.body for m in store.conversations.messages_of(conversation_id)]
    assert bodies == ["one", "message 0", "message 1", "message 2"]


def test_batches_run_side_by_side_only_where_the_database_takes_several_writers(store: Store) -> None:
    """One batch at a time on SQLite (one writer); on PostgreSQL up to ``concurrent_writers``, and each
    visitor's messages still numbered in the order they were sent."""
    writers = store.database.concurrent_writers
    assert writers == (1 if store.database.engine.dialect.name == "sqlite" else 4)
    active, most = [0], [0]
    lock = threading.Lock()

    def store_batch(batch: list[VisitorMessage]) -> list[object]:
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        time.sleep(0.05)  # long enough for every leader that may run to be running
        try:
            return store.conversations.add_visitor_messages(batch)  # type: ignore[return-value]
        finally:
            with lock:
                active[0] -= 1

    group: Group = GroupCommit(
        store_batch, new_event=threading.Event, sleep=time.sleep, max_batch=64, writers=writers
    )
    visitors = [store.visitors.create_visitor(persistent=True).id for _ in range(12)]
    outcomes: dict[str, list[object]] = {visitor_id: [] for visitor_id in visitors}

    def connection(visitor_id: str) -> None:  # one connection's sends: each after the previous is acked
        for n in range(3):
            message = VisitorMessage(visitor_id, f"{visitor_id}-{n}", f"m{n}")
            outcomes[visitor_id].append(group.submit(message))

    threads = [threading.Thread(target=connection, args=(visitor_id,)) for visitor_id in visitors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert most[0] == writers
    assert group.batched == 36
    for visitor_id, sent in outcomes.items():
        assert [outcome.message.body for outcome in sent] == ["m0", "m1", "m2"]  # type: ignore[attr-defined]
        in_store = store.conversations.messages_of(sent[0].conversation.id)  # type: ignore[attr-defined]
        assert [(m.seq, m.client_id) for m in in_store] == [(n + 1, f"{visitor_id}-{n}") for n in range(3)]


@pytest.mark.postgres
def test_a_small_pool_keeps_a_connection_free_of_batches(database: str) -> None:
    from sqlalchemy.pool import NullPool

    for options, writers in (({"pool_size": 2}, 1), ({"pool_size": 3}, 2), ({"poolclass": NullPool}, 4)):
        small = Store(database, **options)
        try:
            assert small.database.concurrent_writers == writers, options
        finally:
            small.dispose()
