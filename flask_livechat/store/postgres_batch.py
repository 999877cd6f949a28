"""A batch of visitor messages in one PostgreSQL statement, which is its own transaction.

The usual batch (one message from each of several visitors who each have an open conversation) takes five
round trips in a transaction: BEGIN, the seq bump, the insert, the report timings, COMMIT. Each is a wait for
the server and, under gevent, for the event loop's next turn; at equal load that made PostgreSQL's messages
slower than SQLite's, whose calls never leave the process (bench/README.md, "PostgreSQL at equal load").
Here the same three writes are data-modifying parts of one statement, sent in autocommit: one round trip,
atomic as a transaction is.

Anything else takes the usual path (``conversations._add_visitor_messages``): a visitor with no open
conversation (not bumped here, so left for it), a visitor with two messages in the batch, a resend (the
unique client id refuses the whole statement), or a webhook endpoint that wants messages (its outbox rows
are written by that path).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Connection, String, Table, bindparam, column, text

from . import reports, webhooks
from .models import Conversation, Message, ReportChat, UTCDateTime, new_message_id, utcnow
from .records import (
    ConversationRecord,
    MessageRecord,
    StoredMessage,
    VisitorMessage,
    from_offline_form,
    to_record,
)

_CONVERSATIONS = cast(Table, Conversation.__table__)
#: The conversation's columns by name, in the model's order (the table's own order may differ after
#: migrations), so that the result is read with the model's types: aware UTC datetimes, as everywhere.
_NAMES = [column.name for column in _CONVERSATIONS.c]

_STORE = (
    text(
        f"""
        WITH incoming AS (
            SELECT * FROM unnest(
                CAST(:visitor_ids AS text[]), CAST(:message_ids AS text[]),
                CAST(:client_ids AS text[]), CAST(:bodies AS text[]), CAST(:offline AS boolean[])
            ) AS m(visitor_id, message_id, message_client_id, message_body, message_offline)
        ), bumped AS (
            UPDATE {_CONVERSATIONS.name} AS c
            SET last_seq = c.last_seq + 1, updated_at = :now
            FROM incoming
            WHERE c.visitor_id = incoming.visitor_id AND c.status = 'open'
            RETURNING {", ".join(f"c.{name}" for name in _NAMES)},
                incoming.message_id, incoming.message_client_id, incoming.message_body,
                incoming.message_offline
        ), stored AS (
            INSERT INTO {Message.__tablename__}
                (id, conversation_id, seq, client_id, sender, author, body, created_at)
            SELECT message_id, id, last_seq, message_client_id, 'visitor', NULL, message_body, :now
            FROM bumped
        ), timed AS (
            UPDATE {ReportChat.__tablename__} AS r
            SET first_message = coalesce(r.first_message, :ts), last_message = :ts,
                started = coalesce(r.started, :ts),
                left_message = CASE WHEN r.started IS NULL THEN bumped.message_offline ELSE r.left_message END
            FROM bumped
            WHERE r.conversation_id = bumped.id
        )
        SELECT {", ".join(_NAMES)}, message_id FROM bumped
        """
    )
    .bindparams(bindparam("now", type_=UTCDateTime()))
    .columns(*_CONVERSATIONS.c, column("message_id", String()))
)


def applies(connection: Connection, messages: Sequence[VisitorMessage]) -> bool:
    """Whether this batch may take the one statement: one message per visitor, and no endpoint wants them."""
    if len({message.visitor_id for message in messages}) < len(messages):
        return False
    return not webhooks.wants(connection, webhooks.MESSAGE_EVENTS)


def store(connection: Connection, messages: Sequence[VisitorMessage]) -> list[StoredMessage | None]:
    """Stores those of ``messages`` whose visitor has an open conversation, in one autocommitted statement;
    ``None`` in place of each of the others. Raises ``IntegrityError`` (nothing stored) on a resend."""
    now = utcnow()
    ids = [new_message_id() for _ in messages]
    parameters: dict[str, Any] = {
        "visitor_ids": [message.visitor_id for message in messages],
        "message_ids": ids,
        "client_ids": [message.client_id for message in messages],
        "bodies": [message.body for message in messages],
        "offline": [from_offline_form(message.client_id) for message in messages],
        "now": now,
        "ts": reports.epoch(now),
    }
    bumped = {row.message_id: row for row in connection.execute(_STORE, parameters)}
    outcomes: list[StoredMessage | None] = []
    for message_id, message in zip(ids, messages, strict=True):
        row = bumped.get(message_id)
        if row is None:
            outcomes.append(None)
            continue
        record = MessageRecord(
            id=message_id,
            conversation_id=row.id,
            seq=row.last_seq,
            client_id=message.client_id,
            sender="visitor",
            author=None,
            body=message.body,
            created_at=now,
            attachment_id=None,
        )
        conversation = to_record(ConversationRecord, row)
        outcomes.append(StoredMessage(record, conversation, opened_conversation=False, duplicate=False))
    return outcomes
