"""Every table of the chat store, as typed SQLAlchemy 2 models: importing this module registers them all.

Ids that a client ever sees are random strings, never sequential integers, so they cannot be guessed
(a message's starts with its time, then 80 random bits: ``new_message_id``).
"""

from __future__ import annotations

import base64
import secrets
import time
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_public_id() -> str:
    """128 random bits, URL-safe: unguessable ids for anything a client may name."""
    return secrets.token_urlsafe(16)


_BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#: base64url's characters mapped onto themselves in ASCII order: a text spelled so sorts as its bytes do.
_IN_ORDER = str.maketrans(_BASE64URL, "".join(sorted(_BASE64URL)))


def new_message_id() -> str:
    """A message's id: 22 URL-safe characters like ``new_public_id``, the first 48 bits the time in
    milliseconds (with the top bit set, so it starts with a letter) and 80 random bits. Ids made together
    sort together, so a new row's key goes into the primary key's last page instead of a random one: a page
    write fewer per message (bench/README.md). Messages carry their time anyway; 80 bits stay unguessable."""
    stamp = (time.time_ns() // 1_000_000 | 1 << 47).to_bytes(6, "big")
    return base64.urlsafe_b64encode(stamp + secrets.token_bytes(10)).decode()[:22].translate(_IN_ORDER)


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
    #: With LIVECHAT_DEPARTMENTS: the department of the page the visitor last viewed.
    department: Mapped[str | None] = mapped_column(String(64), index=True)
    #: The host user is an agent or admin browsing their own site: kept out of the visitor list.
    staff: Mapped[bool] = mapped_column(default=False)
    #: IANA time zone the widget reported, for the visitor's local time in the console.
    timezone: Mapped[str | None] = mapped_column(String(64))


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
    #: With LIVECHAT_DEPARTMENTS: who may see it (agents of this department, and admins).
    department: Mapped[str | None] = mapped_column(String(64), index=True)
    assigned_agent_id: Mapped[str | None] = mapped_column(String(128), index=True)
    assigned_agent_name: Mapped[str | None] = mapped_column(String(200))
    rating: Mapped[int | None] = mapped_column()
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column()


class Message(Base):
    __tablename__ = "livechat_messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq", name="uq_livechat_messages_seq"),
        UniqueConstraint("conversation_id", "client_id", name="uq_livechat_messages_client_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_message_id)
    #: No index of its own: both unique constraints lead with it, and every message written updates each
    #: index (a page of its own in SQLite's WAL).
    conversation_id: Mapped[str] = mapped_column(ForeignKey("livechat_conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column()
    client_id: Mapped[str] = mapped_column(String(64))
    sender: Mapped[str] = mapped_column(String(16))
    author: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: A file sent with the message (``Attachment``); the body then holds its file name.
    attachment_id: Mapped[str | None] = mapped_column(String(32))
    #: Set when moderation removed the message: it is no longer shown or searched.
    deleted_at: Mapped[datetime | None] = mapped_column()


class Attachment(Base):
    __tablename__ = "livechat_attachments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_public_id)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("livechat_conversations.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column()
    #: Where the bytes are in the storage; never shown to clients.
    storage_key: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReadMark(Base):
    __tablename__ = "livechat_read_marks"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("livechat_conversations.id", ondelete="CASCADE"), primary_key=True
    )
    reader: Mapped[str] = mapped_column(String(16), primary_key=True)  # "visitor" or "agent"
    seq: Mapped[int] = mapped_column(default=0)


class VisitorProfile(Base):
    __tablename__ = "livechat_visitor_profiles"

    visitor_id: Mapped[str] = mapped_column(
        ForeignKey("livechat_visitors.id", ondelete="CASCADE"), primary_key=True
    )
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Every field of the form as submitted, custom ones included (name and email also go on the visitor).
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# --- agent console (issue 4): presence, assignment, notes, tags, canned responses, mail, moderation ---------


class AgentConnection(Base):
    """One open console tab of an agent: presence is the union of an agent's fresh rows, in every process."""

    __tablename__ = "livechat_agent_connections"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(128), index=True)
    agent_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    #: The departments this agent works in, space-separated; NULL for all (admins, or none configured).
    departments: Mapped[str | None] = mapped_column(String(1000))
    #: "online" or "away": what this tab's agent chose; an agent with no fresh row is offline.
    status: Mapped[str] = mapped_column(String(16), default="online")
    #: The conversation this tab has open, for "who else is viewing".
    viewing_conversation_id: Mapped[str | None] = mapped_column(String(32), index=True)
    connected_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Refreshed by the console's heartbeat; a row older than LIVECHAT_PRESENCE_TIMEOUT is a dead connection.
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class VisitorConnection(Base):
    """One open widget connection of a visitor, for the live list of who is on the site."""

    __tablename__ = "livechat_visitor_connections"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    visitor_id: Mapped[str] = mapped_column(
        ForeignKey("livechat_visitors.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str | None] = mapped_column(String(2048))
    title: Mapped[str | None] = mapped_column(String(512))
    #: JSON: the host user and billing summary of a visitor logged in to the host, while connected.
    customer: Mapped[str | None] = mapped_column(Text)
    connected_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ConversationTag(Base):
    __tablename__ = "livechat_conversation_tags"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("livechat_conversations.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class Note(Base):
    """An internal note on a conversation: agents only, never sent to the visitor."""

    __tablename__ = "livechat_notes"
    __table_args__ = (UniqueConstraint("conversation_id", "client_id", name="uq_livechat_notes_client_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_public_id)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("livechat_conversations.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[str] = mapped_column(String(128))
    author: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CannedResponse(Base):
    __tablename__ = "livechat_canned_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Typed after "/" in the reply box.
    shortcut: Mapped[str] = mapped_column(String(32), unique=True)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MailLog(Base):
    """Every email the chat tried to send, of every kind, and how it went: what an admin needs to answer "did
    it go out?" and no more. No subject or body (an offline notice's subject carries the visitor's name); the
    recipient as a masked reference (``a•••@example.com``) for the console, and a keyed digest so an erasure
    finds the person's rows."""

    __tablename__ = "livechat_mail_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the mail was: ``transcript``, ``offline_notice`` (to ``LIVECHAT_MAIL_TO``), ``offline_reply``,
    #: ``host_mail`` (the host's ``livechat.send_mail``).
    kind: Mapped[str] = mapped_column(String(32))
    #: ``transactional`` or ``promotional`` (the opt-out it falls under).
    category: Mapped[str] = mapped_column(String(16), default="transactional")
    conversation_id: Mapped[str | None] = mapped_column(String(32), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    recipient_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    #: The failure's class and SMTP code, never the server's text (which can quote the address).
    error: Mapped[str | None] = mapped_column(String(500))
    requested_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Block(Base):
    """A visitor id and/or an IP network that gets no widget and cannot chat until ``expires_at``."""

    __tablename__ = "livechat_blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    visitor_id: Mapped[str | None] = mapped_column(String(32), index=True)
    network: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    lifted_at: Mapped[datetime | None] = mapped_column()
    lifted_by: Mapped[str | None] = mapped_column(String(200))


class ModerationLog(Base):
    """Every moderation action (block, unblock, message deletion), for review."""

    __tablename__ = "livechat_moderation_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    visitor_id: Mapped[str | None] = mapped_column(String(32))
    network: Mapped[str | None] = mapped_column(String(64))
    conversation_id: Mapped[str | None] = mapped_column(String(32))
    message_id: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


# --- privacy: the tables that make its promises provable -------------------------------------------------


class Consent(Base):
    """One choice a visitor made (or their browser made for them through GPC/DNT)."""

    __tablename__ = "livechat_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``None`` for a decline: a visitor who declined has no id, and we keep none.
    visitor_id: Mapped[str | None] = mapped_column(
        ForeignKey("livechat_visitors.id", ondelete="CASCADE"), index=True
    )
    choice: Mapped[str] = mapped_column(String(16))
    policy_version: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class MailSuppression(Base):
    """An opt-out: a keyed digest of the normalised address (``services/mail.py``) and the kind of mail,
    nothing else. Kept through erasure, so erasing someone's chat data never resumes mail they refused."""

    __tablename__ = "livechat_mail_suppressions"
    __table_args__ = (UniqueConstraint("digest", "kind", name="uq_livechat_mail_suppressions"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))


class UnsubscribeLink(Base):
    """The opaque id in an email's unsubscribe link, standing for one recipient (by digest) and one kind of
    mail. Every mail to them reuses it and refreshes ``sent_at``; erasure and retention delete it."""

    __tablename__ = "livechat_unsubscribe_links"
    __table_args__ = (UniqueConstraint("digest", "kind", name="uq_livechat_unsubscribe_links"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AuditEntry(Base):
    """Who looked at, searched, exported or erased whose data. The subject is a random reference
    (``AuditSubject``), never the raw id or a digest anyone holding the key could recompute, so entries line
    up per subject while the subject exists and cannot be linked to them once they are erased."""

    __tablename__ = "livechat_audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32), index=True)
    #: ``None`` for an action about no one subject (a history search).
    subject_ref: Mapped[str | None] = mapped_column(String(32), index=True)
    detail: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AuditSubject(Base):
    """Which audit reference stands for a subject key (``email=…``, ``visitor_id=…``, ``host_user_id=…``),
    by a keyed digest of that key. Erasure deletes these rows: the entries keep their reference, and nothing
    maps it back to the person any more."""

    __tablename__ = "livechat_audit_subjects"

    key_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), index=True)


# --- reports: facts kept as rows are stored, so an admin's report never scans the messages ----------------
# Times are whole seconds since the epoch (UTC): grouping by the admin's local day or hour is then integer
# arithmetic that SQLite and PostgreSQL compute alike. A fact row goes when its source row goes (FK cascade),
# so erasure and retention need no step of their own. store/reports.py keeps them and reads them.


class ReportChat(Base):
    """One conversation's timings, kept as its messages are stored."""

    __tablename__ = "livechat_report_chats"
    __table_args__ = (Index("ix_livechat_report_chats_started", "started", "visitor_id"),)

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("livechat_conversations.id", ondelete="CASCADE"), primary_key=True
    )
    visitor_id: Mapped[str] = mapped_column(String(32))
    #: The visitor's first message: a conversation without one (an unanswered invitation) is not a chat.
    started: Mapped[int | None] = mapped_column()
    #: The first agent message after ``started``.
    first_reply: Mapped[int | None] = mapped_column()
    #: The first and last visitor or agent message (system lines do not count).
    first_message: Mapped[int | None] = mapped_column()
    last_message: Mapped[int | None] = mapped_column()
    #: Who sent that first reply (the agent's display name).
    agent: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(64))
    #: The host customer's plan (``billing_loader``) when the chat started, if they were logged in.
    plan: Mapped[str | None] = mapped_column(String(64))
    #: Started from the leave-a-message form (no agent was online).
    left_message: Mapped[bool] = mapped_column(default=False)
    rating: Mapped[int | None] = mapped_column()


class ReportVisit(Base):
    """One visit: when, which browser and system, the external origin it came from, first visit or not."""

    __tablename__ = "livechat_report_visits"
    __table_args__ = (Index("ix_livechat_report_visits_started", "started", "visitor_id"),)

    visit_id: Mapped[int] = mapped_column(
        ForeignKey("livechat_visits.id", ondelete="CASCADE"), primary_key=True
    )
    visitor_id: Mapped[str] = mapped_column(String(32))
    started: Mapped[int] = mapped_column()
    browser: Mapped[str | None] = mapped_column(String(64))
    os: Mapped[str | None] = mapped_column(String(64))
    #: ``scheme://host`` of a referrer on another site; ``None`` for direct and internal navigation.
    referrer_origin: Mapped[str | None] = mapped_column(String(300))
    came_before: Mapped[bool] = mapped_column(default=False)


class ReportView(Base):
    """One page view: when, and the page's path without its query string or fragment."""

    __tablename__ = "livechat_report_views"
    __table_args__ = (
        Index("ix_livechat_report_views_viewed", "viewed", "visitor_id"),
        # A window's distinct visitors, and its top pages with theirs, read in index order instead of being
        # sorted: on a year's 625,000 views 447 ms -> 49 ms and 334 ms -> 160 ms (SQLite).
        Index("ix_livechat_report_views_visitor", "visitor_id", "viewed"),
        Index("ix_livechat_report_views_path", "path", "visitor_id", "viewed"),
    )

    page_view_id: Mapped[int] = mapped_column(
        ForeignKey("livechat_page_views.id", ondelete="CASCADE"), primary_key=True
    )
    visitor_id: Mapped[str] = mapped_column(String(32))
    viewed: Mapped[int] = mapped_column()
    path: Mapped[str] = mapped_column(String(512))


class WebhookEndpoint(Base):
    """A URL an admin registered for some events, with the secret its deliveries are signed with."""

    __tablename__ = "livechat_webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(2000))
    #: The event types it receives, space-separated (``message.created conversation.closed``).
    events: Mapped[str] = mapped_column(String(500))
    #: ``whsec_<base64>``: kept as is because signing needs it (HMAC is symmetric).
    secret: Mapped[str] = mapped_column(String(200))
    #: After a rotation, the old secret also signs until ``previous_until``, so receivers can switch over.
    previous_secret: Mapped[str | None] = mapped_column(String(200))
    previous_until: Mapped[datetime | None] = mapped_column()
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """The outbox: one event for one endpoint, written in the transaction of the change it reports, then
    delivered (and retried) by the webhook worker. Kept as the delivery log for LIVECHAT_WEBHOOK_LOG_DAYS."""

    __tablename__ = "livechat_webhook_deliveries"
    __table_args__ = (Index("ix_livechat_webhook_deliveries_due", "status", "next_attempt_at"),)

    #: The ``webhook-id`` header: the same on every attempt and replay, so receivers can drop duplicates.
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("livechat_webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(String(40))
    #: The JSON body exactly as signed and sent.
    payload: Mapped[str] = mapped_column(Text)
    #: Whose data the payload carries, so erasing the visitor deletes it too (``None``: nobody's).
    visitor_id: Mapped[str | None] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: ``pending`` (due at ``next_attempt_at``), ``delivered`` or ``failed`` (retries used up).
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: A worker claimed it until then; after that (the worker died) another may take it.
    claimed_until: Mapped[datetime | None] = mapped_column()


class WebhookAttempt(Base):
    """One try at a delivery: what the receiver answered, or why there was no answer."""

    __tablename__ = "livechat_webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("livechat_webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(String(300))
    duration_ms: Mapped[int] = mapped_column(default=0)


# --- the REST API ----------------------------------------------------------------------------------------


class ApiToken(Base):
    """A personal access token for the REST API. Only a SHA-256 digest of its secret is kept; ``public_id``
    (also in the token's text) finds the row, so a lookup never compares secrets in SQL. The token acts as
    the staff member it was made for, with the role and departments it was made with."""

    __tablename__ = "livechat_api_tokens"
    __table_args__ = (UniqueConstraint("public_id", name="uq_livechat_api_tokens_public_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    #: ``read`` or ``write`` (write includes read).
    scope: Mapped[str] = mapped_column(String(8))
    agent_id: Mapped[str] = mapped_column(String(128), index=True)
    agent_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(8))
    #: The departments it works in (a list of names); an admin's token sees them all anyway.
    departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
