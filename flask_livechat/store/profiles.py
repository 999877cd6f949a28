"""What a visitor told us about themselves: the pre-chat form and the leave-a-message form."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .database import Database
from .models import Base, Visitor, utcnow


class VisitorProfile(Base):
    __tablename__ = "livechat_visitor_profiles"

    visitor_id: Mapped[str] = mapped_column(
        ForeignKey("livechat_visitors.id", ondelete="CASCADE"), primary_key=True
    )
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Every field of the form as submitted, custom ones included (name and email also go on the visitor).
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ProfileQueries(Database):
    def save_profile(self, visitor_id: str, fields: dict[str, Any]) -> None:
        """Stores the form; ``name`` and ``email`` also go on the visitor. ``LookupError`` if no visitor."""
        with self.writing() as connection:
            found = connection.execute(select(Visitor.id).where(Visitor.id == visitor_id)).first()
            if found is None:
                raise LookupError(visitor_id)
            contact = {key: fields[key] for key in ("name", "email") if fields.get(key)}
            if contact:
                connection.execute(update(Visitor).where(Visitor.id == visitor_id).values(**contact))
            existing = connection.execute(
                select(VisitorProfile.fields).where(VisitorProfile.visitor_id == visitor_id)
            ).first()
            if existing is None:
                connection.execute(
                    insert(VisitorProfile).values(visitor_id=visitor_id, submitted_at=utcnow(), fields=fields)
                )
            else:
                connection.execute(
                    update(VisitorProfile)
                    .where(VisitorProfile.visitor_id == visitor_id)
                    .values(submitted_at=utcnow(), fields={**existing.fields, **fields})
                )

    def profile_of(self, visitor_id: str) -> dict[str, Any] | None:
        with self.reading() as connection:
            row = connection.execute(
                select(VisitorProfile.fields).where(VisitorProfile.visitor_id == visitor_id)
            ).first()
        return dict(row.fields) if row else None
