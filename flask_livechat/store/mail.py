"""Mail records: the log of every mail sent, opt-outs kept as suppressions, and unsubscribe link ids.

Nothing here holds an address: recipients are keyed digests (computed by services/mail.py, which holds the
key) and, in the log, a masked reference for staff.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from .database import Database
from .models import MailLog, MailSuppression, UnsubscribeLink, utcnow
from .records import MailRecord


class MailQueries:
    def __init__(self, database: Database) -> None:
        self._db = database

    # --- the mail log -----------------------------------------------------------------------------

    def log_mail(
        self,
        *,
        kind: str,
        category: str,
        conversation_id: str | None,
        recipient: str,
        recipient_digest: str | None,
        status: str,
        error: str | None,
        requested_by: str | None,
    ) -> None:
        with self._db.writing() as connection:
            connection.execute(
                insert(MailLog).values(
                    kind=kind,
                    category=category,
                    conversation_id=conversation_id,
                    recipient=recipient[:320],
                    recipient_digest=recipient_digest,
                    status=status,
                    error=(error or None) and error[:500],
                    requested_by=requested_by and requested_by[:200],
                    created_at=utcnow(),
                )
            )

    def mail_log(self, conversation_id: str | None = None, limit: int = 200) -> list[MailRecord]:
        with self._db.reading() as connection:
            query = select(MailLog).order_by(MailLog.created_at.desc(), MailLog.id.desc()).limit(limit)
            if conversation_id is not None:
                query = query.where(MailLog.conversation_id == conversation_id)
            rows = connection.execute(query).all()
        names = MailRecord.__dataclass_fields__
        return [MailRecord(**{name: getattr(row, name) for name in names}) for row in rows]

    # --- suppressions (opt-outs) ------------------------------------------------------------------

    def suppress(self, digest: str, kind: str) -> None:
        """Idempotent: a second opt-out of the same kind changes nothing."""
        try:
            with self._db.writing() as connection:
                connection.execute(insert(MailSuppression).values(digest=digest, kind=kind))
        except IntegrityError:
            pass

    def is_suppressed(self, digests: list[str], kind: str) -> bool:
        with self._db.reading() as connection:
            found = connection.execute(
                select(MailSuppression.id).where(
                    MailSuppression.digest.in_(digests), MailSuppression.kind == kind
                )
            ).first()
        return found is not None

    # --- unsubscribe links ------------------------------------------------------------------------

    def unsubscribe_link(self, digest: str, kind: str) -> str:
        """The link id for this recipient and kind, made on first use; each use refreshes ``sent_at``."""
        with self._db.writing() as connection:
            found = connection.execute(
                select(UnsubscribeLink.id).where(
                    UnsubscribeLink.digest == digest, UnsubscribeLink.kind == kind
                )
            ).scalar()
            if found is not None:
                connection.execute(
                    update(UnsubscribeLink).where(UnsubscribeLink.id == found).values(sent_at=utcnow())
                )
                return str(found)
        link_id = secrets.token_urlsafe(16)
        try:
            with self._db.writing() as connection:
                connection.execute(
                    insert(UnsubscribeLink).values(id=link_id, digest=digest, kind=kind, sent_at=utcnow())
                )
        except IntegrityError:  # another sender made it meanwhile
            return self.unsubscribe_link(digest, kind)
        return link_id

    def link(self, link_id: str) -> tuple[str, str] | None:
        """(digest, kind) behind a link id, or ``None``."""
        with self._db.reading() as connection:
            row = connection.execute(
                select(UnsubscribeLink.digest, UnsubscribeLink.kind).where(UnsubscribeLink.id == link_id)
            ).first()
        return (row.digest, row.kind) if row is not None else None

    # --- erasure and retention ----------------------------------------------------------------------

    def forget_recipients(self, digests: list[str]) -> None:
        """Erasure: the log rows and links of these recipients go; their suppressions stay (the rows of
        their conversations went with the conversations, ``PrivacyQueries.erase_visitors``)."""
        with self._db.writing() as connection:
            connection.execute(delete(MailLog).where(MailLog.recipient_digest.in_(digests)))
            connection.execute(delete(UnsubscribeLink).where(UnsubscribeLink.digest.in_(digests)))

    def purge_before(self, cutoff: datetime) -> dict[str, int]:
        with self._db.writing() as connection:
            logged = connection.execute(delete(MailLog).where(MailLog.created_at < cutoff)).rowcount
            links = connection.execute(
                delete(UnsubscribeLink).where(UnsubscribeLink.sent_at < cutoff)
            ).rowcount
        return {"mail_log": logged or 0, "unsubscribe_links": links or 0}
