"""Conversations and their messages: seq allocation, idempotent appends, agent lists, a visitor's earlier
messages."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Table, bindparam, insert, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import StoreUnavailable
from . import postgres_batch, reports, webhooks
from .database import Database
from .models import Conversation, ConversationTag, Message, Visitor, new_message_id, new_public_id, utcnow
from .records import (
    ConversationFilters,
    ConversationRecord,
    Departments,
    MessageRecord,
    StoredMessage,
    VisitorMessage,
    VisitorRecord,
    to_record,
)

T = TypeVar("T")


def in_departments(column: Any, departments: Departments) -> Any:
    """The SQL condition of a department scope: everything for ``None``, else only those departments."""
    return true() if departments is None else column.in_(sorted(departments))


# Statements of every hello, built once (store/visitors.py says why).
_OPEN_CONVERSATION_OF = (
    select(Conversation)
    .where(Conversation.visitor_id == bindparam("visitor_id"), Conversation.status == "open")
    .order_by(Conversation.created_at.desc())
    .limit(1)
)


def _closed_messages(linked: bool) -> Any:
    """The last ``limit`` messages of a visitor's closed conversations; ``linked``: and those of every
    visitor record of the same host user."""
    whose = Conversation.visitor_id == bindparam("visitor_id")
    if linked:
        others = select(Visitor.id).where(Visitor.host_user_id == bindparam("host_user_id"))
        whose = or_(whose, Conversation.visitor_id.in_(others))
    return (
        select(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(whose, Conversation.status == "closed")
        .order_by(Message.created_at.desc(), Message.seq.desc())
        .limit(bindparam("limit"))
    )


_CLOSED_MESSAGES = {False: _closed_messages(False), True: _closed_messages(True)}


class ConversationQueries:
    def __init__(self, database: Database) -> None:
        self._db = database

    def open_conversation_of(self, visitor_id: str) -> ConversationRecord | None:
        with self._db.reading() as connection:
            row = connection.execute(_OPEN_CONVERSATION_OF, {"visitor_id": visitor_id}).first()
        return to_record(ConversationRecord, row) if row else None

    def agent_answered(self, conversation_id: str) -> bool:
        """Whether an agent wrote in the conversation (a message of theirs moderation has not removed)."""
        with self._db.reading() as connection:
            return agent_wrote(connection, conversation_id)

    def get_conversation(
        self, conversation_id: str, *, departments: Departments = None
    ) -> ConversationRecord | None:
        """One conversation, if it exists and is in ``departments`` (``None``: any)."""
        with self._db.reading() as connection:
            found = summaries(
                connection,
                (Conversation.id == conversation_id) & in_departments(Conversation.department, departments),
                limit=1,
            )
        return found[0] if found else None

    def open_conversations(
        self, limit: int = 200, *, departments: Departments = None
    ) -> list[ConversationRecord]:
        """Open conversations with their visitor and last message, most recently active first."""
        with self._db.reading() as connection:
            return summaries(
                connection,
                (Conversation.status == "open") & in_departments(Conversation.department, departments),
                limit=limit,
            )

    def conversations_page(
        self,
        filters: ConversationFilters,
        *,
        departments: Departments,
        before: tuple[datetime, str] | None,
        limit: int,
    ) -> list[ConversationRecord]:
        """Conversations newest first (created_at, then id), those after the cursor ``before``: new ones
        arrive at the front, so paging on from a cursor never repeats or skips one."""
        condition = in_departments(Conversation.department, departments)
        if filters.status is not None:
            condition &= Conversation.status == filters.status
        if filters.department is not None:
            condition &= Conversation.department == filters.department
        if filters.assignee == "":
            condition &= Conversation.assigned_agent_id.is_(None)
        elif filters.assignee is not None:
            condition &= Conversation.assigned_agent_id == filters.assignee
        if filters.visitor_id is not None:
            condition &= Conversation.visitor_id == filters.visitor_id
        if filters.updated_since is not None:
            condition &= Conversation.updated_at >= filters.updated_since
        if before is not None:
            created, conversation_id = before
            condition &= (Conversation.created_at < created) | (
                (Conversation.created_at == created) & (Conversation.id < conversation_id)
            )
        with self._db.reading() as connection:
            return summaries(
                connection,
                condition,
                limit=limit,
                order_by=(Conversation.created_at.desc(), Conversation.id.desc()),
            )

    def messages_of(
        self, conversation_id: str, *, after_seq: int = 0, limit: int = 500
    ) -> list[MessageRecord]:
        with self._db.reading() as connection:
            rows = connection.execute(
                select(Message)
                .where(
                    Message.conversation_id == conversation_id,
                    Message.seq > after_seq,
                    Message.deleted_at.is_(None),
                )
                .order_by(Message.seq)
                .limit(limit)
            ).all()
        return [to_record(MessageRecord, row) for row in rows]

    def closed_messages_of(
        self, visitor_id: str, *, host_user_id: str | None = None, limit: int = 100
    ) -> list[MessageRecord]:
        """A returning visitor's history: the last ``limit`` messages of their closed conversations, oldest
        first; with ``host_user_id``, also those of every visitor record linked to that host user."""
        parameters = {"visitor_id": visitor_id, "host_user_id": host_user_id, "limit": limit}
        with self._db.reading() as connection:
            rows = connection.execute(_CLOSED_MESSAGES[host_user_id is not None], parameters).all()
        return [to_record(MessageRecord, row) for row in reversed(rows)]

    def add_visitor_message(self, visitor_id: str, *, client_id: str, body: str) -> StoredMessage:
        """Appends to the visitor's open conversation, opening one if there is none."""
        return self._add_alone(VisitorMessage(visitor_id, client_id, body))

    def add_visitor_messages(self, messages: Sequence[VisitorMessage]) -> list[StoredMessage | Exception]:
        """``add_visitor_message`` of each, all in one transaction (group commit: one commit for many
        senders); each outcome in order, a record or the error that message alone raises. When any of them
        fails, the transaction is rolled back and each is stored again on its own, so one bad message never
        costs the others theirs. On PostgreSQL the usual batch is one statement (postgres_batch.py)."""
        stored = self._in_one_statement(messages)
        if stored is None:
            return self._in_transactions(messages)
        rest = [message for message, outcome in zip(messages, stored, strict=True) if outcome is None]
        others = iter(self._in_transactions(rest) if rest else [])
        return [outcome if outcome is not None else next(others) for outcome in stored]

    def _in_one_statement(self, messages: Sequence[VisitorMessage]) -> list[StoredMessage | None] | None:
        """``postgres_batch.store``'s outcomes, or ``None`` when the batch is not for it or it failed (a
        resend, or the database's error, which the usual path then meets and reports message by message)."""
        if not self._db.single_statement_writes:
            return None
        try:
            with self._db.autocommitting() as connection:
                if not postgres_batch.applies(connection, messages):
                    return None
                return postgres_batch.store(connection, messages)
        except (IntegrityError, StoreUnavailable):  # nothing was stored: the statement is its own transaction
            return None

    def _in_transactions(self, messages: Sequence[VisitorMessage]) -> list[StoredMessage | Exception]:
        if len(messages) > 1:
            try:
                return self._writing_once(functools.partial(_add_visitor_messages, messages))
            except Exception:  # each alone, below, says whose it was
                pass
        outcomes: list[StoredMessage | Exception] = []
        for message in messages:
            try:
                outcomes.append(self._add_alone(message))
            except Exception as error:  # handed to that message's sender
                outcomes.append(error)
        return outcomes

    def _add_alone(self, message: VisitorMessage) -> StoredMessage:
        return self._writing_once(functools.partial(_add_visitor_message, message))

    def add_message(
        self, conversation_id: str, *, client_id: str, sender: str, author: str | None, body: str
    ) -> StoredMessage:
        """Appends to an existing conversation; ``LookupError`` when it does not exist."""

        def work(connection: Connection, look_first: bool) -> StoredMessage:
            message, conversation, duplicate = append_message(
                connection,
                conversation_id,
                client_id=client_id,
                sender=sender,
                author=author,
                body=body,
                look_first=look_first,
            )
            return StoredMessage(message, conversation, opened_conversation=False, duplicate=duplicate)

        return self._writing_once(work)

    def _writing_once(self, work: Callable[[Connection, bool], T]) -> T:
        """``work`` in a write transaction without looking for an earlier copy of its message first (one
        statement less for every message), then, if the unique client id refused the insert, once more
        looking first: the message is a resend (or a concurrent retry committed first, on PostgreSQL), and
        the second run answers it as the duplicate it is."""
        try:
            with self._db.writing() as connection:
                return work(connection, False)
        except IntegrityError:
            with self._db.writing() as connection:
                return work(connection, True)

    def set_status(
        self,
        conversation_id: str,
        status: str,
        *,
        notice: str,
        notice_id: str,
        by: str | None = None,
        author: str | None = None,
    ) -> StoredMessage | None:
        """Opens or closes a conversation and records why as a system message in its thread.

        ``LookupError`` when the conversation does not exist; ``ValueError`` when reopening would give the
        visitor two open conversations. Setting the status it already has changes nothing (``None``).
        """
        with self._db.writing() as connection:
            current = connection.execute(
                select(Conversation).where(Conversation.id == conversation_id).with_for_update()
            ).first()
            if current is None:
                raise LookupError(conversation_id)
            if current.status == status:
                return None
            if status == "open":
                other = connection.execute(
                    select(Conversation.id).where(
                        Conversation.visitor_id == current.visitor_id,
                        Conversation.status == "open",
                        Conversation.id != conversation_id,
                    )
                ).first()
                if other is not None:
                    raise ValueError("the visitor already has an open conversation")
            closed_at = utcnow() if status == "closed" else None
            connection.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id)
                .values(status=status, closed_at=closed_at)
            )
            if closed_at is not None:
                webhooks.conversation_closed(
                    connection, conversation_id, current.visitor_id, closed_at=closed_at, by=by
                )
            message, conversation, duplicate = append_message(
                connection, conversation_id, client_id=notice_id, sender="system", author=author, body=notice
            )
        return StoredMessage(message, conversation, opened_conversation=False, duplicate=duplicate)


# --- in the caller's transaction: shared with the attachments, workflow and search queries -------------


def summaries(
    connection: Connection, condition: Any, *, limit: int, order_by: tuple[Any, ...] = ()
) -> list[ConversationRecord]:
    # An ORM session here only to split the three entities of the joined row; records leave, not objects.
    rows = (
        Session(connection)
        .execute(
            select(Conversation, Visitor, Message)
            .join(Visitor, Visitor.id == Conversation.visitor_id)
            .outerjoin(
                Message,
                (Message.conversation_id == Conversation.id)
                & (Message.seq == Conversation.last_seq)
                & Message.deleted_at.is_(None),
            )
            .where(condition)
            .order_by(*(order_by or (Conversation.updated_at.desc(),)))
            .limit(limit)
        )
        .all()
    )
    ids = [row.Conversation.id for row in rows]
    tags: dict[str, list[str]] = {}
    if ids:
        for tag_row in connection.execute(
            select(ConversationTag.conversation_id, ConversationTag.tag)
            .where(ConversationTag.conversation_id.in_(ids))
            .order_by(ConversationTag.tag)
        ):
            tags.setdefault(tag_row.conversation_id, []).append(tag_row.tag)
    numbers = chat_numbers(connection, {row.Conversation.visitor_id for row in rows})
    left = left_messages(connection, ids)
    return [
        to_record(
            ConversationRecord,
            row.Conversation,
            visitor=to_record(VisitorRecord, row.Visitor),
            last_message=to_record(MessageRecord, row.Message) if row.Message is not None else None,
            tags=tuple(tags.get(row.Conversation.id, ())),
            chat_number=numbers.get(row.Conversation.id, 1),
            left_message=row.Conversation.id in left,
        )
        for row in rows
    ]


def left_messages(connection: Connection, conversation_ids: list[str]) -> set[str]:
    """The ids among ``conversation_ids`` whose first message came from the leave-a-message form (its
    ``offline-`` client id, as the reports and the reply-by-mail count them), so agents see who is not on the
    page waiting but expects an answer by email."""
    if not conversation_ids:
        return set()
    return set(
        connection.execute(
            select(Message.conversation_id).where(
                Message.conversation_id.in_(conversation_ids),
                Message.seq == 1,
                Message.sender == "visitor",
                Message.client_id.startswith("offline-"),
            )
        ).scalars()
    )


def chat_numbers(connection: Connection, visitor_ids: set[str]) -> dict[str, int]:
    """Conversation id -> its place among its visitor's conversations (1 = first), so the console can say
    "2nd chat" for a returning visitor's new conversation."""
    numbers: dict[str, int] = {}
    if not visitor_ids:
        return numbers
    counts: dict[str, int] = {}
    for row in connection.execute(
        select(Conversation.visitor_id, Conversation.id)
        .where(Conversation.visitor_id.in_(visitor_ids))
        .order_by(Conversation.visitor_id, Conversation.created_at, Conversation.id)
    ):
        counts[row.visitor_id] = counts.get(row.visitor_id, 0) + 1
        numbers[row.id] = counts[row.visitor_id]
    return numbers


def visitor_conversation(connection: Connection, visitor_id: str) -> tuple[str, bool]:
    """The visitor's open conversation inside a write transaction, opened now (in their current
    department) if there is none; ``LookupError`` when the visitor is gone."""
    department, open_id = lock_visitor(connection, visitor_id)
    if open_id is not None:
        return open_id, False
    return insert_conversation(connection, visitor_id, department), True


def lock_visitor(connection: Connection, visitor_id: str) -> tuple[str | None, str | None]:
    """Locks the visitor; returns their department and open conversation id. ``LookupError`` if gone.

    The lock (PostgreSQL) stops two tabs' first messages from opening two conversations; SQLite's BEGIN
    IMMEDIATE already serialises writers.
    """
    visitor = connection.execute(
        select(Visitor.id, Visitor.department).where(Visitor.id == visitor_id).with_for_update()
    ).first()
    if visitor is None:
        raise LookupError(visitor_id)
    open_id = connection.execute(
        select(Conversation.id)
        .where(Conversation.visitor_id == visitor_id, Conversation.status == "open")
        .order_by(Conversation.created_at.desc())
        .limit(1)
    ).scalar()
    return visitor.department, open_id


def insert_conversation(
    connection: Connection, visitor_id: str, department: str | None, **assignment: str
) -> str:
    """Inserts an open, empty conversation (in the caller's transaction); returns its id."""
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
            department=department,
            **assignment,
        )
    )
    reports.chat_opened(connection, conversation_id, visitor_id, department)
    webhooks.conversation_started(
        connection, conversation_id, visitor_id, department=department, created_at=now
    )
    return conversation_id


def agent_wrote(connection: Connection, conversation_id: str) -> bool:
    """In the caller's transaction: whether an agent message (not removed by moderation) is in it."""
    row = connection.execute(
        select(Message.id)
        .where(
            Message.conversation_id == conversation_id,
            Message.sender == "agent",
            Message.deleted_at.is_(None),
        )
        .limit(1)
    ).first()
    return row is not None


def append_message(
    connection: Connection,
    conversation_id: str,
    *,
    client_id: str,
    sender: str,
    author: str | None,
    body: str,
    look_first: bool = True,
) -> tuple[MessageRecord, ConversationRecord, bool]:
    """Appends a message to ``conversation_id`` in the caller's transaction: (message, conversation as it is
    now, whether ``client_id`` was already stored there). ``LookupError`` when the conversation is gone.
    ``look_first=False`` skips the duplicate check: a resend then fails on the unique client id instead."""
    appended = _append(
        connection,
        _BY_ID,
        conversation_id,
        client_id=client_id,
        sender=sender,
        author=author,
        body=body,
        look_first=look_first,
    )
    if appended is None:
        raise LookupError(conversation_id)
    return appended


def _add_visitor_message(message: VisitorMessage, connection: Connection, look_first: bool) -> StoredMessage:
    # The usual case, one conversation already open: found, locked and bumped by one UPDATE.
    appended = append_to_open(
        connection,
        message.visitor_id,
        client_id=message.client_id,
        sender="visitor",
        body=message.body,
        look_first=look_first,
    )
    if appended is not None:
        stored, conversation, duplicate = appended
        return StoredMessage(stored, conversation, opened_conversation=False, duplicate=duplicate)
    conversation_id, opened = visitor_conversation(connection, message.visitor_id)
    stored, conversation, duplicate = append_message(
        connection,
        conversation_id,
        client_id=message.client_id,
        sender="visitor",
        author=None,
        body=message.body,
        look_first=look_first,
    )
    return StoredMessage(stored, conversation, opened_conversation=opened, duplicate=duplicate)


def _add_visitor_messages(
    messages: Sequence[VisitorMessage], connection: Connection, look_first: bool
) -> list[StoredMessage | Exception]:
    """Many visitors' messages in a few statements whatever their number: one seq bump per visitor (by their
    number of messages), one insert, one update of the report timings; with ``look_first``, one duplicate
    check before them. Anything unusual (a resend, a visitor without an open conversation) takes the
    one-message path, in this transaction."""
    keys = {(message.visitor_id, message.client_id) for message in messages}
    resent = len(keys) < len(messages) or (
        look_first
        and connection.execute(
            _RESENT_IN_OPEN,
            {
                "visitor_ids": list({message.visitor_id for message in messages}),
                "client_ids": list({message.client_id for message in messages}),
            },
        ).first()
    )
    if resent:
        return [_add_visitor_message(message, connection, True) for message in messages]
    by_visitor: dict[str, list[int]] = {}
    for index, message in enumerate(messages):
        by_visitor.setdefault(message.visitor_id, []).append(index)
    outcomes: list[StoredMessage | None] = [None] * len(messages)
    rows: list[dict[str, Any]] = []
    now = utcnow()
    # The usual case, one message per visitor: every such visitor's open conversation bumped by one UPDATE.
    singles = [visitor_id for visitor_id, indexes in by_visitor.items() if len(indexes) == 1]
    bumped_of = (
        {
            row.visitor_id: row
            for row in connection.execute(
                _OPEN_OF_VISITORS.bump, {"visitor_ids": singles, "bumped_at": now, "bump_by": 1}
            )
        }
        if singles
        else {}
    )
    for visitor_id, indexes in by_visitor.items():
        if len(indexes) == 1:
            bumped = bumped_of.get(visitor_id)
        else:
            bumped = connection.execute(
                _OPEN_OF_VISITOR.bump,
                {"conversation_key": visitor_id, "bumped_at": now, "bump_by": len(indexes)},
            ).first()
        if bumped is None:
            continue  # no open conversation: opened below, under the visitor's lock
        conversation = to_record(ConversationRecord, bumped)
        first_seq = bumped.last_seq - len(indexes) + 1
        for seq, index in enumerate(indexes, start=first_seq):
            message = messages[index]
            row = {
                "id": new_message_id(),
                "conversation_id": bumped.id,
                "seq": seq,
                "client_id": message.client_id,
                "sender": "visitor",
                "author": None,
                "body": message.body,
                "created_at": now,
            }
            rows.append(row)
            record = MessageRecord(**row, attachment_id=None)
            outcomes[index] = StoredMessage(
                record,
                replace(conversation, last_seq=seq),
                opened_conversation=False,
                duplicate=False,
            )
    if rows:
        connection.execute(_INSERT_MESSAGES, rows)
        stored = [outcome.message for outcome in outcomes if outcome is not None]
        reports.visitor_messages_stored(connection, stored)
        for message, outcome in zip(messages, outcomes, strict=True):
            if outcome is not None:
                webhooks.message_appended(connection, outcome.message, message.visitor_id)
    return [
        outcome if outcome is not None else _add_visitor_message(message, connection, look_first)
        for message, outcome in zip(messages, outcomes, strict=True)
    ]


def append_to_open(
    connection: Connection,
    visitor_id: str,
    *,
    client_id: str,
    sender: str,
    body: str,
    look_first: bool = True,
) -> tuple[MessageRecord, ConversationRecord, bool] | None:
    """``append_message`` to the visitor's open conversation; ``None`` when they have none (the caller opens
    one, under the visitor's lock)."""
    return _append(
        connection,
        _OPEN_OF_VISITOR,
        visitor_id,
        client_id=client_id,
        sender=sender,
        author=None,
        body=body,
        look_first=look_first,
    )


class _AppendStatements:
    """The statements of the hot path, built once per way of naming the conversation: SQLAlchemy then finds
    each compiled in its cache by a key it has already computed, instead of building and hashing a new
    statement for every message (that was two thirds of a message's CPU in the store)."""

    def __init__(self, conversation: Any) -> None:
        table = cast(Table, Conversation.__table__)  # Core: 2.0.16's ORM UPDATE cannot return plain columns
        self.existing = (
            select(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(conversation, Message.client_id == bindparam("message_client_id"))
        )
        self.bump = (
            update(table)
            .where(conversation)
            .values(last_seq=table.c.last_seq + bindparam("bump_by"), updated_at=bindparam("bumped_at"))
            .returning(*table.c)
        )


_BY_ID = _AppendStatements(Conversation.id == bindparam("conversation_key"))
_OPEN_OF_VISITOR = _AppendStatements(
    (Conversation.visitor_id == bindparam("conversation_key")) & (Conversation.status == "open")
)
_INSERT_MESSAGE = insert(Message).returning(*Message.__table__.columns)
#: A batch's messages (many parameter sets; their records are built from the rows given).
_INSERT_MESSAGES = insert(Message)
#: The open conversations of many visitors at once (a batch of one message per visitor).
_OPEN_OF_VISITORS = _AppendStatements(
    Conversation.visitor_id.in_(bindparam("visitor_ids", expanding=True)) & (Conversation.status == "open")
)
#: Whether any of a batch's client ids is already stored in its visitors' open conversations (a resend).
_RESENT_IN_OPEN = (
    select(Message.id)
    .join(Conversation, Conversation.id == Message.conversation_id)
    .where(
        Conversation.visitor_id.in_(bindparam("visitor_ids", expanding=True)),
        Conversation.status == "open",
        Message.client_id.in_(bindparam("client_ids", expanding=True)),
    )
    .limit(1)
)
_CONVERSATION_BY_ID = select(Conversation).where(Conversation.id == bindparam("conversation_key"))


def _append(
    connection: Connection,
    statements: _AppendStatements,
    key: str,
    *,
    client_id: str,
    sender: str,
    author: str | None,
    body: str,
    look_first: bool,
) -> tuple[MessageRecord, ConversationRecord, bool] | None:
    """The hot path of every message, in three statements: the seq bump that also locks the conversation row
    and returns it, the insert, the report's timings (plus the webhook outbox when an endpoint is enabled);
    with ``look_first``, the duplicate check before them. ``key`` names the one conversation, as
    ``statements`` read it."""
    existing = (
        connection.execute(
            statements.existing, {"conversation_key": key, "message_client_id": client_id}
        ).first()
        if look_first
        else None
    )
    if existing is not None:  # a retry: what was stored then, and the conversation as it is now
        current = connection.execute(
            _CONVERSATION_BY_ID, {"conversation_key": existing.conversation_id}
        ).one()
        return to_record(MessageRecord, existing), to_record(ConversationRecord, current), True
    now = utcnow()
    # Locks the row (PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers anyway): seqs never repeat, and
    # a concurrent retry of this message fails on the unique client id (``_writing_once`` retries it).
    bumped = connection.execute(
        statements.bump, {"conversation_key": key, "bumped_at": now, "bump_by": 1}
    ).first()
    if bumped is None:
        return None
    inserted = connection.execute(
        _INSERT_MESSAGE,
        {
            "id": new_message_id(),
            "conversation_id": bumped.id,
            "seq": bumped.last_seq,
            "client_id": client_id,
            "sender": sender,
            "author": author,
            "body": body,
            "created_at": now,
        },
    ).one()
    reports.message_stored(connection, bumped.id, sender=sender, author=author, client_id=client_id, at=now)
    webhooks.message_appended(connection, inserted, bumped.visitor_id)
    return to_record(MessageRecord, inserted), to_record(ConversationRecord, bumped), False
