"""The engine and its transactions, shared by the query objects of every aggregate in this package.

Commit contract: each public store method is one transaction and commits before it returns (or rolls back and
raises), so a caller that got a record back knows it is durable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import QueuePool

from ..errors import StoreUnavailable
from .green_driver import make_psycopg2_green
from .models import Base

_WRITE = "livechat_write"


def _tune_sqlite(engine: Engine) -> None:
    """WAL for concurrent readers; BEGIN IMMEDIATE for writers so two writers queue instead of deadlocking."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, to_record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        # Deleted rows are overwritten with zeros, not left in free pages for anyone reading the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


#: A pooled connection unused for this long is tested before it is handed out (see ``_ping_when_idle``).
IDLE_PING_SECONDS = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """A connection that sat in the pool for ``IDLE_PING_SECONDS`` is pinged when checked out, and replaced if
    the server closed it (a restart, a firewall's idle timeout): what ``pool_pre_ping`` does for every
    checkout, whose extra round trip was one of the seven of a message's transaction on PostgreSQL. A
    connection in steady use is not pinged: if the server dropped it meanwhile, that one statement fails (a
    ``StoreUnavailable`` ack, which the widget's outbox retries) and the pool replaces every connection
    older than the failure. ``pool_pre_ping`` passed to the store (either way) replaces this."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        record.info["livechat_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.pop("livechat_idle_since", None)
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.rollback()  # psycopg began a transaction for it; reads may switch to autocommit
        except Exception as error:  # any failure: this connection is not to be trusted
            raise DisconnectionError("idle connection closed by the server") from error


#: libpq settings for PostgreSQL (a ``connect_args`` passed to the store replaces them): give up
#: connecting after 3 s, on a statement or lock after 5 s, on a silent network after about 5 s.
POSTGRES_TIMEOUTS: dict[str, Any] = {
    "connect_timeout": 3,
    "options": "-c statement_timeout=5000 -c lock_timeout=5000",
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 2,
    "tcp_user_timeout": 5000,
}


@contextmanager
def _driver_autocommit(connection: Connection) -> Iterator[None]:
    """The pooled connection in the driver's autocommit mode for this block, then back, set on the driver
    itself: psycopg sends nothing for either switch, where SQLAlchemy's ``isolation_level="AUTOCOMMIT"``
    option costs a round trip as the connection goes back to the pool (its reset of the isolation level).
    SQLite's connections are left alone (they have their own BEGIN, ``_tune_sqlite``)."""
    if connection.dialect.name != "postgresql":
        yield
        return
    driver: Any = connection.connection.driver_connection
    driver.autocommit = True
    try:
        yield
    finally:
        if not connection.invalidated:  # one a failure closed is dropped by the pool, not reused
            try:
                driver.autocommit = False
            except connection.dialect.loaded_dbapi.Error:
                connection.invalidate()  # in no known state: closed rather than handed to the next caller


#: Serialises schema changes of processes starting together on PostgreSQL (``pg_advisory_xact_lock``).
_SCHEMA_LOCK = 0x6C697665  # "live"


def lock_schema(connection: Connection) -> None:
    """Within ``connection``'s transaction: the only one changing the chat's schema (until it ends), so two
    processes starting on one fresh PostgreSQL database do not both create it. SQLite's ``BEGIN IMMEDIATE``
    does this already."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_SCHEMA_LOCK})")


class Database:
    """Owns the engine; safe to share between threads and greenlets (one pooled connection per call)."""

    def __init__(self, url: str, **engine_options: Any) -> None:
        is_sqlite = url.startswith("sqlite")
        ping_when_idle = "pool_pre_ping" not in engine_options
        if is_sqlite:
            engine_options.setdefault("connect_args", {"check_same_thread": False, "timeout": 10})
        elif url.startswith("postgresql"):
            # A database that is down or unreachable must give a prompt error ack, never a hang.
            engine_options.setdefault("connect_args", POSTGRES_TIMEOUTS)
            if url.startswith(("postgresql://", "postgresql+psycopg2://")):
                # An UPDATE with many parameter sets (a group commit's report timings, a batch of page
                # views) in one round trip, not one per row: psycopg2's executemany loops. INSERTs are
                # batched by SQLAlchemy itself either way.
                engine_options.setdefault("executemany_mode", "values_plus_batch")
        self.engine: Engine = create_engine(url, **engine_options)
        if is_sqlite:
            _tune_sqlite(self.engine)
        elif ping_when_idle:
            _ping_when_idle(self.engine)
        if self.engine.dialect.driver == "psycopg2":
            make_psycopg2_green()  # under gevent a query must not hold the whole process
        #: Execution options of a writing transaction (``BEGIN IMMEDIATE`` on SQLite).
        self.write_options: dict[str, Any] = {_WRITE: True}
        self._writer = self.engine.execution_options(**self.write_options)
        #: PostgreSQL: a write that is one statement, sent without BEGIN and COMMIT (``autocommitting``).
        self.single_statement_writes = self.engine.dialect.name == "postgresql"
        #: Write transactions worth running at once (group commit's batches): SQLite has one writer; on
        #: PostgreSQL a few, each on a pooled connection, leaving the pool room for everything else.
        pool = self.engine.pool
        pool_size = pool.size() if isinstance(pool, QueuePool) else 5  # NullPool: one per checkout anyway
        self.concurrent_writers = 1 if is_sqlite else max(1, min(4, pool_size - 1))
        #: PostgreSQL at READ COMMITTED (its default, unless the host's engine options name another level):
        #: each statement sees its own snapshot even inside a transaction, so a read needs none, and
        #: ``reading`` sends neither BEGIN nor ROLLBACK (two round trips of its three, for a one-query read).
        self._reads_autocommit = self.single_statement_writes and engine_options.get(
            "isolation_level", "READ COMMITTED"
        ) in ("READ COMMITTED", "AUTOCOMMIT")
        #: Brings the schema to head (``Store.prepare``) before the first statement: an app that is only
        #: built (a host's factory test, a CLI command of the host's) writes no database file at all.
        self.prepare: Callable[[], None] = lambda: None
        self._prepared = False
        self._preparing = False
        # Reentrant: prepare() itself reads and writes through this object; other threads wait for it.
        self._prepare_lock = threading.RLock()

    def ensure_prepared(self) -> None:
        if self._prepared:
            return
        with self._prepare_lock:
            if self._prepared or self._preparing:
                return
            self._preparing = True
            try:
                self.prepare()
                self._prepared = True
            finally:
                self._preparing = False

    def dispose(self) -> None:
        self.engine.dispose()

    def release_deleted(self, tables: list[str]) -> bool:
        """After an erasure or a purge: make the deleted rows' bytes unrecoverable from the files.

        SQLite (with ``secure_delete`` on) copies the zeroed pages from the WAL into the database file and
        truncates the WAL, so old page images go too. PostgreSQL vacuums ``tables``, removing the dead row
        versions and their index entries (the full-text expression index included). Returns ``False`` when a
        reader kept SQLite from truncating the WAL (the next checkpoint finishes it)."""
        with self.guard(), self.engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
                return busy is None or not busy[0]
            if connection.dialect.name == "postgresql":
                vacuuming = connection.execution_options(isolation_level="AUTOCOMMIT")
                for table in tables:
                    vacuuming.exec_driver_sql(f'VACUUM "{table}"')
        return True

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Database outages become ``StoreUnavailable`` (an error ack), never a hang or a traceback."""
        try:
            yield
        except IntegrityError:
            raise
        except (DBAPIError, PoolTimeout) as exc:  # the pool's: every connection busy for pool_timeout
            raise StoreUnavailable() from exc

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        self.ensure_prepared()
        with self.guard(), self._writer.begin() as connection:
            yield connection

    @contextmanager
    def autocommitting(self) -> Iterator[Connection]:
        """A connection whose each statement is its own transaction: for a write made of one statement, two
        round trips fewer than ``writing`` (PostgreSQL's BEGIN and COMMIT)."""
        self.ensure_prepared()
        with self.guard(), self.engine.connect() as connection, _driver_autocommit(connection):
            yield connection

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        self.ensure_prepared()
        with (
            self.guard(),
            self.engine.connect() as connection,
            _driver_autocommit(connection) if self._reads_autocommit else nullcontext(),
        ):
            yield connection

    def count_rows(self) -> dict[str, int]:
        """Row counts per table; used by tests and the CLI to show what the store holds."""
        with self.reading() as connection:
            return {
                table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in Base.metadata.sorted_tables
            }
