"""The chat store: every read and write of the database, one transaction per public method.

Commit contract: each public method commits before it returns (or rolls back and raises), so a caller that got
a record back knows it is durable. Methods return frozen records, never ORM objects, so nothing outside this
package can lazy-load or write by accident.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import MISSING, dataclass, fields
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from ..errors import StoreUnavailable
from .models import Base, Conversation, Message, PageView, Visit, Visitor, new_public_id, utcnow

_WRITE = "livechat_write"


@dataclass(frozen=True)
class MessageRecord:
    id: str
    conversation_id: str
    seq: int
    client_id: str
    sender: str
    author: str | None
    body: str
    created_at: datetime


@dataclass(frozen=True)
class VisitorRecord:
    id: str
    first_seen_at: datetime
    last_seen_at: datetime
    visit_count: int
    persistent: bool
    name: str | None
    email: str | None


@dataclass(frozen=True)
class ConversationRecord:
    id: str
    visitor_id: str
    status: str
    created_at: datetime
    updated_at: datetime
    last_seq: int
    visitor: VisitorRecord | None = None
    last_message: MessageRecord | None = None


@dataclass(frozen=True)
class VisitRecord:
    visitor_id: str
    visit_id: int
    #: True when the visitor row was created now: the caller must issue the cookie.
    new_visitor: bool
    #: True when this page view started a visit.
    new_visit: bool


@dataclass(frozen=True)
class StoredMessage:
    message: MessageRecord
    conversation: ConversationRecord
    #: True when this message opened the conversation.
    opened_conversation: bool
    #: True when the client_id was already stored: nothing new was written.
    duplicate: bool


@dataclass(frozen=True)
class PageInfo:
    url: str
    title: str | None = None
    referrer: str | None = None


@dataclass(frozen=True)
class ClientInfo:
    ip: str | None
    user_agent: str | None
    browser: str | None
    browser_version: str | None
    os: str | None
    os_version: str | None
    device: str | None
    language: str | None


Record = TypeVar("Record", MessageRecord, VisitorRecord, ConversationRecord)


def _record(record_class: type[Record], row: Any, **related: Any) -> Record:
    """Copies a row's (or ORM object's) columns into a frozen record; ``related`` fills the rest."""
    columns = {f.name: getattr(row, f.name) for f in fields(record_class) if f.default is MISSING}
    return record_class(**columns, **related)


def _tune_sqlite(engine: Engine) -> None:
    """WAL for concurrent readers; BEGIN IMMEDIATE for writers so two writers queue instead of deadlocking."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Store:
    """Owns the engine; safe to share between threads and greenlets (one pooled connection per call)."""

    def __init__(self, url: str, **engine_options: Any) -> None:
        is_sqlite = url.startswith("sqlite")
        if is_sqlite:
            engine_options.setdefault("connect_args", {"check_same_thread": False, "timeout": 10})
        else:
            engine_options.setdefault("pool_pre_ping", True)
        self.engine: Engine = create_engine(url, **engine_options)
        if is_sqlite:
            _tune_sqlite(self.engine)
        self._writer = self.engine.execution_options(**{_WRITE: True})

    def create_all(self) -> None:
        with self._guard():
            Base.metadata.create_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Database outages become ``StoreUnavailable`` (an error ack), never a hang or a traceback."""
        try:
            yield
        except IntegrityError:
            raise
        except DBAPIError as exc:
            raise StoreUnavailable() from exc

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._guard(), self._writer.begin() as connection:
            yield connection

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._guard(), self.engine.connect() as connection:
            yield connection

    # -- visitors and visits -------------------------------------------------------------------------

    def get_visitor(self, visitor_id: str) -> VisitorRecord | None:
        with self._read() as connection:
            row = connection.execute(select(Visitor).where(Visitor.id == visitor_id)).first()
        return _record(VisitorRecord, row) if row else None

    def create_visitor(self, *, persistent: bool) -> VisitorRecord:
        now = utcnow()
        visitor_id = new_public_id()
        with self._write() as connection:
            connection.execute(
                insert(Visitor).values(
                    id=visitor_id, first_seen_at=now, last_seen_at=now, visit_count=0, persistent=persistent
                )
            )
            row = connection.execute(select(Visitor).where(Visitor.id == visitor_id)).one()
        return _record(VisitorRecord, row)

    def record_page_view(
        self,
        visitor_id: str | None,
        page: PageInfo,
        client: ClientInfo,
        *,
        visit_timeout: timedelta,
    ) -> VisitRecord:
        """Counts a page view, starting a visit after ``visit_timeout`` of silence.

        An unknown ``visitor_id`` (erased, purged, or never issued) gets a fresh visitor with a new id.
        """
        now = utcnow()
        with self._write() as connection:
            new_visitor = (
                visitor_id is None
                or connection.execute(select(Visitor.id).where(Visitor.id == visitor_id)).first() is None
            )
            if new_visitor:
                visitor_id = new_public_id()
                connection.execute(
                    insert(Visitor).values(
                        id=visitor_id, first_seen_at=now, last_seen_at=now, visit_count=0, persistent=True
                    )
                )
            assert visitor_id is not None
            visit = connection.execute(
                select(Visit.id, Visit.last_seen_at)
                .where(Visit.visitor_id == visitor_id)
                .order_by(Visit.last_seen_at.desc())
                .limit(1)
            ).first()
            new_visit = visit is None or now - visit.last_seen_at > visit_timeout
            if visit is not None and not new_visit:
                visit_id = visit.id
                connection.execute(update(Visit).where(Visit.id == visit_id).values(last_seen_at=now))
                connection.execute(update(Visitor).where(Visitor.id == visitor_id).values(last_seen_at=now))
            else:
                visit_id = connection.execute(
                    insert(Visit)
                    .values(
                        visitor_id=visitor_id,
                        started_at=now,
                        last_seen_at=now,
                        referrer=page.referrer,
                        landing_url=page.url,
                        **client.__dict__,
                    )
                    .returning(Visit.id)
                ).scalar_one()
                connection.execute(
                    update(Visitor)
                    .where(Visitor.id == visitor_id)
                    .values(last_seen_at=now, visit_count=Visitor.visit_count + 1)
                )
            connection.execute(
                insert(PageView).values(
                    visit_id=visit_id,
                    visitor_id=visitor_id,
                    url=page.url,
                    title=page.title,
                    referrer=page.referrer,
                    viewed_at=now,
                )
            )
        return VisitRecord(
            visitor_id=visitor_id, visit_id=visit_id, new_visitor=new_visitor, new_visit=new_visit
        )

    def page_views_of(self, visitor_id: str) -> list[PageInfo]:
        with self._read() as connection:
            rows = connection.execute(
                select(PageView.url, PageView.title, PageView.referrer)
                .where(PageView.visitor_id == visitor_id)
                .order_by(PageView.viewed_at, PageView.id)
            ).all()
        return [PageInfo(url=row.url, title=row.title, referrer=row.referrer) for row in rows]

    def visits_of(self, visitor_id: str) -> list[dict[str, Any]]:
        with self._read() as connection:
            rows = connection.execute(
                select(Visit).where(Visit.visitor_id == visitor_id).order_by(Visit.started_at)
            ).all()
        return [dict(row._mapping) for row in rows]

    # -- conversations and messages ------------------------------------------------------------------

    def open_conversation_of(self, visitor_id: str) -> ConversationRecord | None:
        with self._read() as connection:
            row = connection.execute(
                select(Conversation)
                .where(Conversation.visitor_id == visitor_id, Conversation.status == "open")
                .order_by(Conversation.created_at.desc())
                .limit(1)
            ).first()
        return _record(ConversationRecord, row) if row else None

    def get_conversation(self, conversation_id: str) -> ConversationRecord | None:
        with self._read() as connection:
            found = self._summaries(connection, Conversation.id == conversation_id, limit=1)
        return found[0] if found else None

    def open_conversations(self, limit: int = 200) -> list[ConversationRecord]:
        """Open conversations with their visitor and last message, most recently active first."""
        with self._read() as connection:
            return self._summaries(connection, Conversation.status == "open", limit=limit)

    def _summaries(self, connection: Connection, condition: Any, *, limit: int) -> list[ConversationRecord]:
        # An ORM session here only to split the three entities of the joined row; records leave, not objects.
        rows = (
            Session(connection)
            .execute(
                select(Conversation, Visitor, Message)
                .join(Visitor, Visitor.id == Conversation.visitor_id)
                .outerjoin(
                    Message,
                    (Message.conversation_id == Conversation.id) & (Message.seq == Conversation.last_seq),
                )
                .where(condition)
                .order_by(Conversation.updated_at.desc())
                .limit(limit)
            )
            .all()
        )
        return [
            _record(
                ConversationRecord,
                row.Conversation,
                visitor=_record(VisitorRecord, row.Visitor),
                last_message=_record(MessageRecord, row.Message) if row.Message is not None else None,
            )
            for row in rows
        ]

    def messages_of(
        self, conversation_id: str, *, after_seq: int = 0, limit: int = 500
    ) -> list[MessageRecord]:
        with self._read() as connection:
            rows = connection.execute(
                select(Message)
                .where(Message.conversation_id == conversation_id, Message.seq > after_seq)
                .order_by(Message.seq)
                .limit(limit)
            ).all()
        return [_record(MessageRecord, row) for row in rows]

    def add_visitor_message(self, visitor_id: str, *, client_id: str, body: str) -> StoredMessage:
        """Appends to the visitor's open conversation, opening one if there is none."""
        with self._write() as connection:
            # Locks the visitor (PostgreSQL) so two tabs' first messages cannot open two conversations;
            # SQLite's BEGIN IMMEDIATE already serialises writers.
            exists = connection.execute(
                select(Visitor.id).where(Visitor.id == visitor_id).with_for_update()
            ).first()
            if exists is None:
                raise LookupError(visitor_id)
            row = connection.execute(
                select(Conversation.id)
                .where(Conversation.visitor_id == visitor_id, Conversation.status == "open")
                .order_by(Conversation.created_at.desc())
                .limit(1)
            ).first()
            opened = row is None
            if row is None:
                now = utcnow()
                conversation_id = new_public_id()
                connection.execute(
                    insert(Conversation).values(
                        id=conversation_id,
                        visitor_id=visitor_id,
                        status="open",
                        created_at=now,
                        updated_at=now,
                        last_seq=0,
                    )
                )
            else:
                conversation_id = row.id
            message, conversation, duplicate = self._append(
                connection, conversation_id, client_id=client_id, sender="visitor", author=None, body=body
            )
        return StoredMessage(message, conversation, opened_conversation=opened, duplicate=duplicate)

    def add_message(
        self, conversation_id: str, *, client_id: str, sender: str, author: str | None, body: str
    ) -> StoredMessage:
        """Appends to an existing conversation; ``LookupError`` when it does not exist."""
        with self._write() as connection:
            message, conversation, duplicate = self._append(
                connection, conversation_id, client_id=client_id, sender=sender, author=author, body=body
            )
        return StoredMessage(message, conversation, opened_conversation=False, duplicate=duplicate)

    def _append(
        self,
        connection: Connection,
        conversation_id: str,
        *,
        client_id: str,
        sender: str,
        author: str | None,
        body: str,
    ) -> tuple[MessageRecord, ConversationRecord, bool]:
        # Lock the conversation first (PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers anyway), so
        # the duplicate check and the seq bump below see every committed message.
        locked = connection.execute(
            select(Conversation.id).where(Conversation.id == conversation_id).with_for_update()
        ).first()
        if locked is None:
            raise LookupError(conversation_id)
        existing = connection.execute(
            select(Message).where(Message.conversation_id == conversation_id, Message.client_id == client_id)
        ).first()
        if existing is not None:
            conversation = connection.execute(
                select(Conversation).where(Conversation.id == conversation_id)
            ).one()
            return _record(MessageRecord, existing), _record(ConversationRecord, conversation), True
        now = utcnow()
        bumped = connection.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(last_seq=Conversation.last_seq + 1, updated_at=now)
            .returning(Conversation.last_seq)
        ).one()
        inserted = connection.execute(
            insert(Message)
            .values(
                id=new_public_id(),
                conversation_id=conversation_id,
                seq=bumped.last_seq,
                client_id=client_id,
                sender=sender,
                author=author,
                body=body,
                created_at=now,
            )
            .returning(*Message.__table__.columns)
        ).one()
        conversation = connection.execute(
            select(Conversation).where(Conversation.id == conversation_id)
        ).one()
        message = _record(MessageRecord, inserted)
        return message, _record(ConversationRecord, conversation), False

    def count_rows(self) -> dict[str, int]:
        """Row counts per table; used by tests and the CLI to show what the store holds."""
        with self._read() as connection:
            return {
                table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in Base.metadata.sorted_tables
            }
