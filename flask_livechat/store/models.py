"""Tables of the chat store, as typed SQLAlchemy 2 models.

Ids that a client ever sees are random strings, never sequential integers, so they cannot be guessed.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, Dialect, ForeignKey, Index, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_public_id() -> str:
    """128 random bits, URL-safe: unguessable ids for anything a client may name."""
    return secrets.token_urlsafe(16)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC and always returns aware UTC, so SQLite and PostgreSQL answer the same."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("flask-livechat stores aware datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        return stored.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class Visitor(Base):
    __tablename__ = "livechat_visitors"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_public_id)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    visit_count: Mapped[int] = mapped_column(default=0)
    #: False for a visitor who has no cookie (declined, or cookies off): lives for one connection only.
    persistent: Mapped[bool] = mapped_column(default=True)
    host_user_id: Mapped[str | None] = mapped_column(String(128), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))


class Visit(Base):
    __tablename__ = "livechat_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    visitor_id: Mapped[str] = mapped_column(
        ForeignKey("livechat_visitors.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    browser: Mapped[str | None] = mapped_column(String(64))
    browser_version: Mapped[str | None] = mapped_column(String(32))
    os: Mapped[str | None] = mapped_column(String(64))
    os_version: Mapped[str | None] = mapped_column(String(32))
    device: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(64))
    referrer: Mapped[str | None] = mapped_column(String(2048))
    landing_url: Mapped[str | None] = mapped_column(String(2048))


class PageView(Base):
    __tablename__ = "livechat_page_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("livechat_visits.id", ondelete="CASCADE"), index=True)
    visitor_id: Mapped[str] = mapped_column(
        ForeignKey("livechat_visitors.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str | None] = mapped_column(String(512))
    referrer: Mapped[str | None] = mapped_column(String(2048))
    viewed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Conversation(Base):
    __tablename__ = "livechat_conversations"
    __table_args__ = (Index("ix_livechat_conversations_status_updated", "status", "updated_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_public_id)
    visitor_id: Mapped[str] = mapped_column(
        ForeignKey("livechat_visitors.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()
    #: The highest ``seq`` handed out; bumped in the same transaction as the insert, so seqs never repeat.
    last_seq: Mapped[int] = mapped_column(default=0)


class Message(Base):
    __tablename__ = "livechat_messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq", name="uq_livechat_messages_seq"),
        UniqueConstraint("conversation_id", "client_id", name="uq_livechat_messages_client_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_public_id)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("livechat_conversations.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column()
    client_id: Mapped[str] = mapped_column(String(64))
    sender: Mapped[str] = mapped_column(String(16))
    author: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: A file sent with the message (store/attachments.py); the body then holds its file name.
    attachment_id: Mapped[str | None] = mapped_column(String(32))
