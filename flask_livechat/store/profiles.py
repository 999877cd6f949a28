"""What a visitor told us about themselves: the pre-chat form and the leave-a-message form."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, select, update

from .database import Database
from .models import Visitor, VisitorProfile, utcnow

# Read by every hello, built once (store/visitors.py says why).
_PROFILE_OF = select(VisitorProfile.fields).where(VisitorProfile.visitor_id == bindparam("visitor_id"))


class ProfileQueries:
    def __init__(self, database: Database) -> None:
        self._db = database

    def save_profile(self, visitor_id: str, fields: dict[str, Any]) -> None:
        """Stores the form; ``name`` and ``email`` also go on the visitor. ``LookupError`` if no visitor."""
        with self._db.writing() as connection:
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
        with self._db.reading() as connection:
            row = connection.execute(_PROFILE_OF, {"visitor_id": visitor_id}).first()
        return dict(row.fields) if row else None
