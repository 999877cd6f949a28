"""Conversation history: full-text search over messages (SQLite FTS5, PostgreSQL full text) and filters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exists, select, text

from .conversations import in_departments, summaries
from .database import Database, lock_schema
from .models import Conversation, ConversationTag, Message, PageView, Visit
from .records import ConversationRecord, Departments, HistoryFilters

# SQLite: a standalone FTS5 index kept in step with livechat_messages by triggers (deleted messages leave it).
_SQLITE_FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS livechat_messages_fts USING fts5("
    "body, message_id UNINDEXED, conversation_id UNINDEXED, tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS livechat_messages_fts_insert AFTER INSERT ON livechat_messages "
    "WHEN new.deleted_at IS NULL BEGIN "
    "INSERT INTO livechat_messages_fts(body, message_id, conversation_id) "
    "VALUES (new.body, new.id, new.conversation_id); END",
    "CREATE TRIGGER IF NOT EXISTS livechat_messages_fts_update AFTER UPDATE ON livechat_messages BEGIN "
    "DELETE FROM livechat_messages_fts WHERE message_id = old.id; "
    "INSERT INTO livechat_messages_fts(body, message_id, conversation_id) "
    "SELECT new.body, new.id, new.conversation_id WHERE new.deleted_at IS NULL; END",
    "CREATE TRIGGER IF NOT EXISTS livechat_messages_fts_delete AFTER DELETE ON livechat_messages BEGIN "
    "DELETE FROM livechat_messages_fts WHERE message_id = old.id; END",
)
_SQLITE_BACKFILL = (
    "INSERT INTO livechat_messages_fts(body, message_id, conversation_id) "
    "SELECT body, id, conversation_id FROM livechat_messages WHERE deleted_at IS NULL"
)
# PostgreSQL: an expression index, so the tsvector is never stored twice.
_POSTGRES_INDEX = (
    "CREATE INDEX IF NOT EXISTS ix_livechat_messages_fts ON livechat_messages "
    "USING gin (to_tsvector('simple', body))"
)


def fts5_query(words: str) -> str:
    """User text as an FTS5 query: every word must match (as a prefix), and no word is FTS5 syntax."""
    return " ".join('"' + word.replace('"', '""') + '"*' for word in words.split())


class SearchQueries:
    def __init__(self, database: Database) -> None:
        self._db = database

    def create_index(self) -> None:
        """The full-text index beside the tables (``Store.create_all`` calls it after the schema check);
        idempotent. The revisions make it too; this builds it on a fresh database and puts the SQLite
        triggers back should a batch-mode revision have copied ``livechat_messages`` without them."""
        with (
            self._db.guard(),
            self._db.engine.connect() as connection,
            # A write transaction from the start (BEGIN IMMEDIATE on SQLite): one that began reading would
            # fail at once with "database is locked" when another process committed in the meantime.
            connection.execution_options(**self._db.write_options).begin(),
        ):
            if connection.dialect.name == "sqlite":
                fresh = (
                    connection.execute(
                        text("SELECT 1 FROM sqlite_master WHERE name = 'livechat_messages_fts'")
                    ).first()
                    is None
                )
                for statement in _SQLITE_FTS:
                    connection.execute(text(statement))
                if fresh:
                    connection.execute(text(_SQLITE_BACKFILL))
            elif connection.dialect.name == "postgresql":
                lock_schema(connection)
                connection.execute(text(_POSTGRES_INDEX))

    def drop_deleted(self) -> None:
        """Rewrites the SQLite index without the deleted messages' words.

        An FTS5 delete only adds a tombstone; the words stay in the shadow table
        ``livechat_messages_fts_data`` until its segments are merged, which ``optimize`` does now (with
        ``secure_delete`` the old segments' pages are zeroed). PostgreSQL's expression index is cleaned by
        the vacuum in ``Database.release_deleted``."""
        with self._db.writing() as connection:
            if connection.dialect.name == "sqlite":
                connection.execute(
                    text("INSERT INTO livechat_messages_fts(livechat_messages_fts) VALUES ('optimize')")
                )

    def _matches(self, connection: Connection, words: str) -> Any:
        if connection.dialect.name == "sqlite":
            return Conversation.id.in_(
                select(text("conversation_id"))
                .select_from(text("livechat_messages_fts"))
                .where(text("livechat_messages_fts MATCH :q").bindparams(q=fts5_query(words)))
            )
        if connection.dialect.name == "postgresql":
            matching = select(Message.conversation_id).where(
                Message.deleted_at.is_(None),
                text(
                    "to_tsvector('simple', livechat_messages.body) @@ websearch_to_tsquery('simple', :q)"
                ).bindparams(q=words),
            )
            return Conversation.id.in_(matching)
        like = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return Conversation.id.in_(
            select(Message.conversation_id).where(Message.body.like(like, escape="\\"))
        )

    def search_history(
        self, filters: HistoryFilters, *, departments: Departments = None, limit: int = 100
    ) -> list[ConversationRecord]:
        """Conversations matching every given filter, most recently active first."""
        with self._db.reading() as connection:
            conditions: list[Any] = [in_departments(Conversation.department, departments)]
            if filters.query and filters.query.strip():
                conditions.append(self._matches(connection, filters.query.strip()))
            if filters.since is not None:
                conditions.append(Conversation.created_at >= filters.since)
            if filters.until is not None:
                conditions.append(Conversation.created_at < filters.until)
            if filters.agent_id:
                conditions.append(Conversation.assigned_agent_id == filters.agent_id)
            if filters.tag:
                conditions.append(
                    exists().where(
                        ConversationTag.conversation_id == Conversation.id, ConversationTag.tag == filters.tag
                    )
                )
            if filters.status:
                conditions.append(Conversation.status == filters.status)
            condition = conditions[0]
            for extra in conditions[1:]:
                condition = condition & extra
            return summaries(connection, condition, limit=limit)

    def pages_during(
        self, visitor_id: str, start: datetime, end: datetime
    ) -> list[tuple[str, str | None, datetime]]:
        """The pages of the visits a conversation overlapped (from ``start`` to ``end``), in order."""
        with self._db.reading() as connection:
            # The visit the conversation started in, and any visit that started while it went on.
            started_in = (
                select(Visit.id)
                .where(Visit.visitor_id == visitor_id, Visit.started_at <= start)
                .order_by(Visit.started_at.desc())
                .limit(1)
                .scalar_subquery()
            )
            visits = select(Visit.id).where(
                Visit.visitor_id == visitor_id,
                (Visit.id == started_in) | ((Visit.started_at > start) & (Visit.started_at <= end)),
            )
            rows = connection.execute(
                select(PageView.url, PageView.title, PageView.viewed_at)
                .where(PageView.visit_id.in_(visits), PageView.viewed_at <= end)
                .order_by(PageView.viewed_at, PageView.id)
                .limit(500)
            ).all()
        return [(row.url, row.title, row.viewed_at) for row in rows]
