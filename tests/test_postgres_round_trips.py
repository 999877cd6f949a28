"""The round trips of a PostgreSQL transaction (store/database.py): a pooled connection is tested before use
only after sitting idle (one a server closed while idle is replaced unseen; one dropped while in steady use
fails that one call, and the pool replaces it for the next), an UPDATE of many rows is one round trip, a read
at READ COMMITTED sends no BEGIN or ROLLBACK, and an autocommitted write no reset of the isolation level."""

from __future__ import annotations

import time

import psycopg2.extensions
import pytest
from sqlalchemy import Connection, create_engine, event, select, text, update

from flask_livechat.errors import StoreUnavailable
from flask_livechat.store import Store
from flask_livechat.store import database as database_module
from flask_livechat.store.models import ReportChat, Visitor
from flask_livechat.store.records import VisitorMessage
from tests.helpers import POSTGRES_URL, talking_visitors

pytestmark = pytest.mark.postgres


def backend_pid(store: Store) -> int:
    with store.database.reading() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def terminate(pid: int) -> None:
    """What a server restart or a firewall does to a pooled connection, from outside the pool."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
        deadline = time.monotonic() + 5
        with admin.connect() as connection:
            while connection.execute(
                text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            ).first():
                assert time.monotonic() < deadline, "the backend did not go"
                time.sleep(0.02)
    finally:
        admin.dispose()


def test_an_idle_connection_the_server_closed_is_replaced_unseen(
    pg_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database_module, "IDLE_PING_SECONDS", 0.2)
    first = backend_pid(pg_store)
    terminate(first)
    time.sleep(0.3)  # idle for longer than the threshold: pinged at checkout, found dead, replaced
    assert backend_pid(pg_store) != first


def test_a_connection_in_steady_use_is_not_pinged(pg_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database_module, "IDLE_PING_SECONDS", 60.0)
    first = backend_pid(pg_store)
    terminate(first)
    # Checked out again at once: no ping (the round trip it saves), so this call meets the closed
    # connection and says so, promptly, as an outage.
    with pytest.raises(StoreUnavailable):
        backend_pid(pg_store)
    # The failure made the pool drop it (and anything as old): the next call gets a new connection.
    assert backend_pid(pg_store) != first


def test_a_host_asking_for_pool_pre_ping_gets_it(database: str) -> None:
    store = Store(database, pool_pre_ping=True)
    try:
        first = backend_pid(store)
        terminate(first)
        assert backend_pid(store) != first  # pinged on every checkout, however short the idle time
    finally:
        store.dispose()


def test_a_batch_s_report_timings_are_one_round_trip(pg_store: Store) -> None:
    talking = talking_visitors(pg_store, 3)
    with pg_store.database.writing() as connection:
        connection.execute(update(ReportChat).values(last_message=0))
    sent: list[bytes] = []

    def after_execute(connection: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE LIVECHAT_REPORT_CHATS"):
            sent.append(bytes(getattr(cursor, "query", b"") or b""))  # what psycopg2 last sent the server

    event.listen(pg_store.database.engine, "after_cursor_execute", after_execute)
    try:
        # Two of one visitor: the usual path, not the one statement of store/postgres_batch.py.
        pg_store.conversations.add_visitor_messages(
            [VisitorMessage(visitor_id, f"next-{visitor_id}", "again") for visitor_id in talking]
            + [VisitorMessage(talking[0], "once-more", "and again")]
        )
    finally:
        event.remove(pg_store.database.engine, "after_cursor_execute", after_execute)
    assert len(sent) == 1
    assert sent[0].upper().count(b"UPDATE LIVECHAT_REPORT_CHATS") == 4  # four rows' updates, sent at once
    with pg_store.database.reading() as connection:
        assert 0 not in connection.execute(select(ReportChat.last_message)).scalars().all()


def in_transaction(connection: Connection) -> bool:
    """Whether psycopg has a transaction open on the server (it sends BEGIN before a statement otherwise)."""
    status = connection.connection.driver_connection.info.transaction_status
    return bool(status != psycopg2.extensions.TRANSACTION_STATUS_IDLE)


def test_a_read_at_read_committed_opens_no_transaction(pg_store: Store) -> None:
    with pg_store.database.reading() as connection:
        assert connection.execute(select(Visitor.id)).all() == []
        assert connection.execute(select(Visitor.id)).all() == []
        assert not in_transaction(connection)  # no BEGIN was sent, so no ROLLBACK will be
    # The pooled connection goes back to transactions: a write that fails leaves nothing behind.
    with pytest.raises(RuntimeError), pg_store.database.writing() as connection:
        pg_store.visitors.create_visitor(persistent=True)  # its own transaction, committed
        connection.execute(text("DELETE FROM livechat_visitors"))
        assert in_transaction(connection)
        raise RuntimeError("the write fails after its first statement")
    assert len(_visitor_ids(pg_store)) == 1


def _visitor_ids(store: Store) -> list[str]:
    with store.database.reading() as connection:
        return list(connection.execute(select(Visitor.id)).scalars())


def test_a_host_s_stricter_isolation_keeps_reads_in_one_snapshot(database: str) -> None:
    store = Store(database, isolation_level="REPEATABLE READ")
    try:
        with store.database.reading() as connection:
            connection.execute(select(Visitor.id)).all()
            assert in_transaction(connection)  # several statements of a read see one snapshot
    finally:
        store.dispose()


def test_an_autocommitted_write_and_a_read_send_no_isolation_reset(
    pg_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    talking = talking_visitors(pg_store, 2)
    dialect = pg_store.database.engine.dialect
    resets: list[object] = []
    reset = dialect.reset_isolation_level
    monkeypatch.setattr(dialect, "reset_isolation_level", lambda dbapi: resets.append(dbapi) or reset(dbapi))
    outcomes = pg_store.conversations.add_visitor_messages(
        [VisitorMessage(visitor_id, f"again-{visitor_id}", "again") for visitor_id in talking]
    )
    assert not any(isinstance(outcome, Exception) for outcome in outcomes)
    assert len(_visitor_ids(pg_store)) == 2
    assert resets == []  # SQLAlchemy's AUTOCOMMIT option would reset it: a round trip per checkin
    with pg_store.database.writing() as connection:
        assert connection.connection.driver_connection.autocommit is False


def test_a_connection_pinged_after_idling_reads_and_writes_as_any_other(
    pg_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database_module, "IDLE_PING_SECONDS", 0.0)  # every checkout pings
    first = backend_pid(pg_store)
    # The ping's SELECT 1 began a transaction; it is ended, so the read may switch to autocommit.
    assert backend_pid(pg_store) == first
    visitor_id = pg_store.visitors.create_visitor(persistent=True).id
    assert _visitor_ids(pg_store) == [visitor_id]
