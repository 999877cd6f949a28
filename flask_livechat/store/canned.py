"""Canned responses: replies admins prepare, typed with a "/" shortcut in the console."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from .database import Database
from .models import CannedResponse, utcnow
from .records import CannedRecord


class CannedQueries:
    def __init__(self, database: Database) -> None:
        self._db = database

    def canned_responses(self) -> list[CannedRecord]:
        with self._db.reading() as connection:
            rows = connection.execute(select(CannedResponse).order_by(CannedResponse.shortcut)).all()
        return [CannedRecord(row.id, row.shortcut, row.body) for row in rows]

    def save_canned(self, canned_id: int | None, shortcut: str, body: str) -> bool:
        """Creates (``canned_id`` None) or updates one.

        ``False`` if the shortcut is taken or the id is gone."""
        try:
            with self._db.writing() as connection:
                if canned_id is None:
                    connection.execute(
                        insert(CannedResponse).values(shortcut=shortcut, body=body, updated_at=utcnow())
                    )
                    return True
                result = connection.execute(
                    update(CannedResponse)
                    .where(CannedResponse.id == canned_id)
                    .values(shortcut=shortcut, body=body, updated_at=utcnow())
                )
                return bool(result.rowcount)
        except IntegrityError:
            return False

    def delete_canned(self, canned_id: int) -> bool:
        with self._db.writing() as connection:
            result = connection.execute(delete(CannedResponse).where(CannedResponse.id == canned_id))
        return bool(result.rowcount)
