"""Privacy queries: consent records, subject lookup, export, erasure, retention, the audit log."""

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
    AuditSubject,
    Block,
    Consent,
    Conversation,
    ConversationTag,
    MailLog,
    MailSuppression,
    Message,
    ModerationLog,
    Note,
    PageView,
    ReadMark,
    ReportChat,
    ReportView,
    ReportVisit,
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
        """Everything held about these visitors, as plain JSON-ready dictionaries: every row that names
        them or one of their conversations, whatever table it is in (the reports' facts included).

        Attachments carry their ``storage_key`` so the caller can add their bytes; it is not the person's
        data and the caller removes it before handing the document out."""
        with self._db.reading() as connection:
            return [
                entry
                for entry in (self._export_visitor(connection, visitor_id) for visitor_id in visitor_ids)
                if entry is not None
            ]

    @staticmethod
    def _export_visitor(connection: Any, visitor_id: str) -> dict[str, Any] | None:
        visitor = _rows(connection, select(Visitor).where(Visitor.id == visitor_id))
        if not visitor:
            return None
        conversations = _rows(
            connection,
            select(Conversation)
            .where(Conversation.visitor_id == visitor_id)
            .order_by(Conversation.created_at),
        )
        for conversation in conversations:
            of_this = conversation["id"]
            conversation["attachments"] = _rows(
                connection,
                select(
                    Attachment.id,
                    Attachment.filename,
                    Attachment.content_type,
                    Attachment.size,
                    Attachment.created_at,
                    Attachment.storage_key,
                )
                .where(Attachment.conversation_id == of_this)
                .order_by(Attachment.created_at),
            )
            conversation["messages"] = _rows(
                connection,
                select(
                    Message.seq,
                    Message.sender,
                    Message.author,
                    Message.body,
                    Message.created_at,
                    Message.attachment_id,
                    Message.deleted_at,
                )
                .where(Message.conversation_id == of_this)
                .order_by(Message.seq),
            )
            conversation["notes"] = _rows(
                connection,
                select(Note.author, Note.body, Note.created_at)
                .where(Note.conversation_id == of_this)
                .order_by(Note.created_at),
            )
            conversation["tags"] = sorted(
                connection.execute(
                    select(ConversationTag.tag).where(ConversationTag.conversation_id == of_this)
                ).scalars()
            )
            conversation["read_marks"] = _rows(
                connection, select(ReadMark.reader, ReadMark.seq).where(ReadMark.conversation_id == of_this)
            )
        conversation_ids = [conversation["id"] for conversation in conversations]
        profile = _rows(
            connection,
            select(VisitorProfile.fields, VisitorProfile.submitted_at).where(
                VisitorProfile.visitor_id == visitor_id
            ),
        )
        return {
            "visitor": visitor[0],
            "visits": _rows(
                connection, select(Visit).where(Visit.visitor_id == visitor_id).order_by(Visit.started_at)
            ),
            "page_views": _rows(
                connection,
                select(PageView.url, PageView.title, PageView.referrer, PageView.viewed_at)
                .where(PageView.visitor_id == visitor_id)
                .order_by(PageView.viewed_at, PageView.id),
            ),
            "conversations": conversations,
            "profile": profile[0]["fields"] if profile else None,
            "profile_submitted_at": profile[0]["submitted_at"] if profile else None,
            "consents": _rows(
                connection,
                select(Consent.choice, Consent.policy_version, Consent.mode, Consent.recorded_at)
                .where(Consent.visitor_id == visitor_id)
                .order_by(Consent.recorded_at),
            ),
            "connections": _rows(
                connection,
                select(
                    VisitorConnection.url,
                    VisitorConnection.title,
                    VisitorConnection.customer,
                    VisitorConnection.connected_at,
                    VisitorConnection.last_seen_at,
                ).where(VisitorConnection.visitor_id == visitor_id),
            ),
            "blocks": _rows(
                connection,
                select(
                    Block.network,
                    Block.reason,
                    Block.created_by,
                    Block.created_at,
                    Block.expires_at,
                    Block.lifted_at,
                    Block.lifted_by,
                ).where(Block.visitor_id == visitor_id),
            ),
            "moderation_log": _rows(
                connection,
                select(
                    ModerationLog.action,
                    ModerationLog.actor,
                    ModerationLog.network,
                    ModerationLog.conversation_id,
                    ModerationLog.detail,
                    ModerationLog.created_at,
                )
                .where(
                    or_(
                        ModerationLog.visitor_id == visitor_id,
                        ModerationLog.conversation_id.in_(conversation_ids),
                    )
                )
                .order_by(ModerationLog.created_at),
            ),
            # What the reports keep about them (derived from the rows above, deleted with them).
            "report_facts": {
                "chats": _rows(connection, select(ReportChat).where(ReportChat.visitor_id == visitor_id)),
                "visits": _rows(connection, select(ReportVisit).where(ReportVisit.visitor_id == visitor_id)),
                "page_views": _rows(
                    connection, select(ReportView).where(ReportView.visitor_id == visitor_id)
                ),
            },
        }

    def mail_of(self, conversation_ids: list[str], recipient_digests: list[str]) -> dict[str, Any]:
        """The mail log's entries about these conversations or sent to the addresses these digests stand
        for, and which kinds of mail those addresses refused (the suppressions hold nothing else)."""
        with self._db.reading() as connection:
            return {
                "mail_log": _rows(
                    connection,
                    select(
                        MailLog.kind,
                        MailLog.category,
                        MailLog.conversation_id,
                        MailLog.recipient,
                        MailLog.status,
                        MailLog.error,
                        MailLog.created_at,
                    )
                    .where(
                        or_(
                            MailLog.conversation_id.in_(conversation_ids or [""]),
                            MailLog.recipient_digest.in_(recipient_digests or [""]),
                        )
                    )
                    .order_by(MailLog.created_at, MailLog.id),
                ),
                "mail_opt_outs": _rows(
                    connection,
                    select(MailSuppression.kind)
                    .where(MailSuppression.digest.in_(recipient_digests or [""]))
                    .distinct()
                    .order_by(MailSuppression.kind),
                ),
            }

    def audit_entries_of(self, key_digests: list[str]) -> list[dict[str, Any]]:
        """The audit entries filed under the reference these key digests map to (the person's own requests,
        and staff's actions on them)."""
        refs = select(AuditSubject.ref).where(AuditSubject.key_digest.in_(key_digests or [""]))
        with self._db.reading() as connection:
            return _rows(
                connection,
                select(AuditEntry.actor, AuditEntry.action, AuditEntry.detail, AuditEntry.at)
                .where(AuditEntry.subject_ref.in_(refs))
                .order_by(AuditEntry.at, AuditEntry.id),
            )

    def emails_of(self, visitor_ids: list[str]) -> list[str]:
        with self._db.reading() as connection:
            emails = connection.execute(
                select(Visitor.email).where(Visitor.id.in_(visitor_ids), Visitor.email.is_not(None))
            ).scalars()
            return sorted({email for email in emails if email})

    def erase_visitors(self, visitor_ids: list[str]) -> tuple[int, list[str]]:
        """Deletes the visitors and everything that hangs off them (not their mail suppressions, kept by
        digest in ``store/mail.py`` so that mail they refused does not resume).

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
            connection.execute(delete(MailLog).where(MailLog.conversation_id.in_(conversation_ids)))
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
        self.correct_contact(visitor_ids, {"name": name, "email": email})

    def correct_contact(
        self,
        visitor_ids: list[str],
        changes: dict[str, str | None],
        *,
        profile_keys: dict[str, frozenset[str]] | None = None,
    ) -> None:
        """Rectification: every stored copy of the visitor's name and email takes the new value (``None``
        clears it), in one transaction. ``changes`` holds only what the person corrected (``name``,
        ``email``); what they left out keeps its value. ``profile_keys`` names, per change, the keys of the
        pre-chat / leave-a-message answers that hold the same value (say every field of type email)."""
        keys = profile_keys or {}
        with self._db.writing() as connection:
            if changes:
                connection.execute(update(Visitor).where(Visitor.id.in_(visitor_ids)).values(**changes))
            profiles = connection.execute(
                select(VisitorProfile.visitor_id, VisitorProfile.fields).where(
                    VisitorProfile.visitor_id.in_(visitor_ids)
                )
            ).all()
            for row in profiles:
                fields = dict(row.fields)
                for change, value in changes.items():
                    for key in keys.get(change, frozenset({change})) & set(fields):
                        if value is None:
                            del fields[key]
                        else:
                            fields[key] = value
                if fields != row.fields:
                    connection.execute(
                        update(VisitorProfile)
                        .where(VisitorProfile.visitor_id == row.visitor_id)
                        .values(fields=fields)
                    )

    def link_host_user(self, visitor_id: str, host_user_id: str) -> None:
        with self._db.writing() as connection:
            connection.execute(
                update(Visitor)
                .where(Visitor.id == visitor_id, Visitor.host_user_id.is_(None))
                .values(host_user_id=host_user_id)
            )

    # -- audit -----------------------------------------------------------------------------------------

    def audit(self, actor: str, action: str, subject_ref: str | None, detail: str | None = None) -> None:
        with self._db.writing() as connection:
            connection.execute(
                insert(AuditEntry).values(
                    actor=actor[:200],
                    action=action,
                    subject_ref=subject_ref,
                    detail=detail and detail[:500],
                    at=utcnow(),
                )
            )

    def audit_entries(self, limit: int = 200) -> list[dict[str, Any]]:
        with self._db.reading() as connection:
            return _rows(
                connection,
                select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit),
            )

    def audit_ref(self, key_digests: list[str], new_ref: str) -> str:
        """The reference of the subject named by any of these key digests; ``new_ref`` when none has one yet.
        Every key not mapped yet is mapped to it, so later actions under any of the keys line up."""
        try:
            return self._audit_ref(key_digests, new_ref)
        except IntegrityError:  # another request mapped one of the keys meanwhile: use theirs
            return self._audit_ref(key_digests, new_ref)

    def _audit_ref(self, key_digests: list[str], new_ref: str) -> str:
        with self._db.writing() as connection:
            found = connection.execute(
                select(AuditSubject.key_digest, AuditSubject.ref).where(
                    AuditSubject.key_digest.in_(key_digests)
                )
            ).all()
            ref = found[0].ref if found else new_ref
            known = {row.key_digest for row in found}
            for key_digest in key_digests:
                if key_digest not in known:
                    connection.execute(insert(AuditSubject).values(key_digest=key_digest, ref=ref))
        return ref

    def forget_audit_subjects(self, key_digests: list[str]) -> None:
        """Erasure: nothing maps these keys to a reference any more; their entries stay, unlinkable."""
        with self._db.writing() as connection:
            connection.execute(delete(AuditSubject).where(AuditSubject.key_digest.in_(key_digests)))

    def purge_audit_before(self, cutoff: datetime) -> int:
        """The audit log's own retention; a subject mapping no entry uses any more goes too."""
        with self._db.writing() as connection:
            purged = connection.execute(delete(AuditEntry).where(AuditEntry.at < cutoff)).rowcount or 0
            connection.execute(
                delete(AuditSubject).where(~exists().where(AuditEntry.subject_ref == AuditSubject.ref))
            )
        return purged
