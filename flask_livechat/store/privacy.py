"""Privacy queries: consent records, subject lookup, export, erasure, retention, mail opt-outs, audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from . import webhooks
from .database import Database
from .models import (
    AgentConnection,
    Attachment,
    AuditEntry,
    Block,
    Consent,
    Conversation,
    ConversationTag,
    MailLog,
    MailOptOut,
    Message,
    ModerationLog,
    Note,
    PageView,
    ReadMark,
    Visit,
    Visitor,
    VisitorConnection,
    VisitorProfile,
    utcnow,
)


def _rows(connection: Any, statement: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in connection.execute(statement)]


class PrivacyQueries:
    def __init__(self, database: Database) -> None:
        self._db = database

    def record_consent(self, visitor_id: str | None, choice: str, policy_version: str, mode: str) -> None:
        with self._db.writing() as connection:
            connection.execute(
                insert(Consent).values(
                    visitor_id=visitor_id,
                    choice=choice,
                    policy_version=policy_version,
                    mode=mode,
                    recorded_at=utcnow(),
                )
            )

    def find_visitor_ids(
        self, *, visitor_id: str | None = None, email: str | None = None, host_user_id: str | None = None
    ) -> list[str]:
        """Every visitor record that belongs to the subject named by any of the three keys."""
        conditions = []
        if visitor_id:
            conditions.append(Visitor.id == visitor_id)
        if email:
            conditions.append(func.lower(Visitor.email) == email.strip().lower())
        if host_user_id:
            conditions.append(Visitor.host_user_id == host_user_id)
        if not conditions:
            return []
        with self._db.reading() as connection:
            return list(connection.execute(select(Visitor.id).where(or_(*conditions))).scalars())

    def export_visitors(self, visitor_ids: list[str]) -> list[dict[str, Any]]:
        """Everything held about these visitors, as plain JSON-ready dictionaries."""
        exported = []
        with self._db.reading() as connection:
            for visitor_id in visitor_ids:
                visitor = _rows(connection, select(Visitor).where(Visitor.id == visitor_id))
                if not visitor:
                    continue
                conversations = _rows(
                    connection,
                    select(Conversation)
                    .where(Conversation.visitor_id == visitor_id)
                    .order_by(Conversation.created_at),
                )
                for conversation in conversations:
                    conversation["attachments"] = _rows(
                        connection,
                        select(
                            Attachment.filename,
                            Attachment.content_type,
                            Attachment.size,
                            Attachment.created_at,
                        )
                        .where(Attachment.conversation_id == conversation["id"])
                        .order_by(Attachment.created_at),
                    )
                    conversation["messages"] = _rows(
                        connection,
                        select(Message.seq, Message.sender, Message.author, Message.body, Message.created_at)
                        .where(Message.conversation_id == conversation["id"])
                        .order_by(Message.seq),
                    )
                exported.append(
                    {
                        "visitor": visitor[0],
                        "visits": _rows(
                            connection,
                            select(Visit).where(Visit.visitor_id == visitor_id).order_by(Visit.started_at),
                        ),
                        "page_views": _rows(
                            connection,
                            select(PageView.url, PageView.title, PageView.referrer, PageView.viewed_at)
                            .where(PageView.visitor_id == visitor_id)
                            .order_by(PageView.viewed_at, PageView.id),
                        ),
                        "conversations": conversations,
                        "profile": next(
                            iter(
                                connection.execute(
                                    select(VisitorProfile.fields).where(
                                        VisitorProfile.visitor_id == visitor_id
                                    )
                                ).scalars()
                            ),
                            None,
                        ),
                        "consents": _rows(
                            connection,
                            select(Consent.choice, Consent.policy_version, Consent.mode, Consent.recorded_at)
                            .where(Consent.visitor_id == visitor_id)
                            .order_by(Consent.recorded_at),
                        ),
                    }
                )
        return exported

    def emails_of(self, visitor_ids: list[str]) -> list[str]:
        with self._db.reading() as connection:
            emails = connection.execute(
                select(Visitor.email).where(Visitor.id.in_(visitor_ids), Visitor.email.is_not(None))
            ).scalars()
            return sorted({email for email in emails if email})

    def erase_visitors(self, visitor_ids: list[str], emails: list[str]) -> tuple[int, list[str]]:
        """Deletes the visitors and everything that hangs off them, and the emails' opt-out records.

        Returns how many visitors went and the storage keys of their attachments, whose bytes the caller
        deletes once this has committed.
        """
        with self._db.writing() as connection:
            conversation_ids = select(Conversation.id).where(Conversation.visitor_id.in_(visitor_ids))
            erased_conversations: dict[str, list[str]] = {
                visitor_id: []
                for visitor_id in connection.execute(
                    select(Visitor.id).where(Visitor.id.in_(visitor_ids))
                ).scalars()
            }
            for row in connection.execute(
                select(Conversation.visitor_id, Conversation.id).where(
                    Conversation.visitor_id.in_(visitor_ids)
                )
            ):
                erased_conversations.setdefault(row.visitor_id, []).append(row.id)
            webhooks.visitors_erased(connection, erased_conversations)
            keys = list(
                connection.execute(
                    select(Attachment.storage_key).where(Attachment.conversation_id.in_(conversation_ids))
                ).scalars()
            )
            connection.execute(delete(Attachment).where(Attachment.conversation_id.in_(conversation_ids)))
            connection.execute(delete(ReadMark).where(ReadMark.conversation_id.in_(conversation_ids)))
            connection.execute(delete(Note).where(Note.conversation_id.in_(conversation_ids)))
            connection.execute(
                delete(ConversationTag).where(ConversationTag.conversation_id.in_(conversation_ids))
            )
            connection.execute(
                delete(MailLog).where(
                    or_(MailLog.conversation_id.in_(conversation_ids), MailLog.recipient.in_(emails or [""]))
                )
            )
            # The moderation log keeps what happened, but not to whom: its references to them go.
            connection.execute(
                update(ModerationLog)
                .where(
                    or_(
                        ModerationLog.visitor_id.in_(visitor_ids),
                        ModerationLog.conversation_id.in_(conversation_ids),
                    )
                )
                .values(visitor_id=None, conversation_id=None, message_id=None, detail=None)
            )
            connection.execute(
                delete(Block).where(Block.visitor_id.in_(visitor_ids), Block.network.is_(None))
            )
            connection.execute(update(Block).where(Block.visitor_id.in_(visitor_ids)).values(visitor_id=None))
            connection.execute(delete(VisitorConnection).where(VisitorConnection.visitor_id.in_(visitor_ids)))
            connection.execute(
                update(AgentConnection)
                .where(AgentConnection.viewing_conversation_id.in_(conversation_ids))
                .values(viewing_conversation_id=None)
            )
            connection.execute(delete(VisitorProfile).where(VisitorProfile.visitor_id.in_(visitor_ids)))
            # Explicit deletes, not ON DELETE CASCADE: SQLite honours that only with foreign_keys on.
            connection.execute(delete(Message).where(Message.conversation_id.in_(conversation_ids)))
            connection.execute(delete(Conversation).where(Conversation.visitor_id.in_(visitor_ids)))
            connection.execute(delete(PageView).where(PageView.visitor_id.in_(visitor_ids)))
            connection.execute(delete(Visit).where(Visit.visitor_id.in_(visitor_ids)))
            connection.execute(delete(Consent).where(Consent.visitor_id.in_(visitor_ids)))
            if emails:
                connection.execute(delete(MailOptOut).where(MailOptOut.email.in_(emails)))
            erased = connection.execute(delete(Visitor).where(Visitor.id.in_(visitor_ids))).rowcount or 0
        return erased, keys

    def purge_before(self, cutoff: datetime) -> tuple[dict[str, int], list[str]]:
        """Retention: removes what is older than ``cutoff``. Running it twice removes nothing more.

        Returns the counts and the storage keys of purged attachments (the caller deletes their bytes).
        """
        with self._db.writing() as connection:
            stale = select(Conversation.id).where(Conversation.updated_at < cutoff)
            webhooks.forget_before(connection, cutoff)
            keys = list(
                connection.execute(
                    select(Attachment.storage_key).where(Attachment.conversation_id.in_(stale))
                ).scalars()
            )
            counts = {
                "attachments": connection.execute(
                    delete(Attachment).where(Attachment.conversation_id.in_(stale))
                ).rowcount,
                "read_marks": connection.execute(
                    delete(ReadMark).where(ReadMark.conversation_id.in_(stale))
                ).rowcount,
                "notes": connection.execute(delete(Note).where(Note.conversation_id.in_(stale))).rowcount,
                "tags": connection.execute(
                    delete(ConversationTag).where(ConversationTag.conversation_id.in_(stale))
                ).rowcount,
                "mail_log": connection.execute(delete(MailLog).where(MailLog.created_at < cutoff)).rowcount,
                "moderation_log": connection.execute(
                    delete(ModerationLog).where(ModerationLog.created_at < cutoff)
                ).rowcount,
                "blocks": connection.execute(delete(Block).where(Block.expires_at < cutoff)).rowcount,
                "messages": connection.execute(
                    delete(Message).where(Message.conversation_id.in_(stale))
                ).rowcount,
                "conversations": connection.execute(
                    delete(Conversation).where(Conversation.updated_at < cutoff)
                ).rowcount,
                "page_views": connection.execute(
                    delete(PageView).where(PageView.viewed_at < cutoff)
                ).rowcount,
            }
            counts["visits"] = connection.execute(
                delete(Visit).where(
                    Visit.last_seen_at < cutoff, ~exists().where(PageView.visit_id == Visit.id)
                )
            ).rowcount
            idle = (
                select(Visitor.id)
                .where(Visitor.last_seen_at < cutoff)
                .where(~exists().where(Conversation.visitor_id == Visitor.id))
                .where(~exists().where(Visit.visitor_id == Visitor.id))
            )
            idle_ids = list(connection.execute(idle).scalars())
            connection.execute(delete(Consent).where(Consent.visitor_id.in_(idle_ids)))
            connection.execute(delete(VisitorProfile).where(VisitorProfile.visitor_id.in_(idle_ids)))
            counts["visitors"] = connection.execute(delete(Visitor).where(Visitor.id.in_(idle_ids))).rowcount
            counts["consents"] = connection.execute(
                delete(Consent).where(Consent.visitor_id.is_(None), Consent.recorded_at < cutoff)
            ).rowcount
        return {name: count or 0 for name, count in counts.items()}, keys

    def set_profile(self, visitor_ids: list[str], *, name: str | None, email: str | None) -> None:
        with self._db.writing() as connection:
            connection.execute(
                update(Visitor).where(Visitor.id.in_(visitor_ids)).values(name=name, email=email)
            )

    def link_host_user(self, visitor_id: str, host_user_id: str) -> None:
        with self._db.writing() as connection:
            connection.execute(
                update(Visitor)
                .where(Visitor.id == visitor_id, Visitor.host_user_id.is_(None))
                .values(host_user_id=host_user_id)
            )

    # -- mail opt-outs --------------------------------------------------------------------------------

    def opt_out(self, email: str, kind: str) -> None:
        try:
            with self._db.writing() as connection:
                connection.execute(insert(MailOptOut).values(email=email, kind=kind, opted_out_at=utcnow()))
        except IntegrityError:
            pass  # already opted out: once is enough

    def is_opted_out(self, email: str, kind: str) -> bool:
        with self._db.reading() as connection:
            found = connection.execute(
                select(MailOptOut.id).where(MailOptOut.email == email, MailOptOut.kind == kind)
            ).first()
        return found is not None

    # -- audit -----------------------------------------------------------------------------------------

    def audit(self, actor: str, action: str, subject_digest: str, detail: str | None = None) -> None:
        with self._db.writing() as connection:
            connection.execute(
                insert(AuditEntry).values(
                    actor=actor[:200],
                    action=action,
                    subject_digest=subject_digest,
                    detail=detail,
                    at=utcnow(),
                )
            )

    def audit_entries(self, limit: int = 200) -> list[dict[str, Any]]:
        with self._db.reading() as connection:
            return _rows(
                connection,
                select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit),
            )
