"""Tables that make the privacy promises provable: consent choices, mail opt-outs, the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, utcnow


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


class MailOptOut(Base):
    __tablename__ = "livechat_mail_opt_outs"
    __table_args__ = (UniqueConstraint("email", "kind", name="uq_livechat_mail_opt_outs"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    opted_out_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Who looked at, exported or erased whose data. The subject is a keyed digest, never the raw id, so an
    erased person leaves no trace here while repeated actions on one subject still line up."""

    __tablename__ = "livechat_audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32), index=True)
    subject_digest: Mapped[str] = mapped_column(String(64), index=True)
    detail: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
