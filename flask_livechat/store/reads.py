"""Read receipts: the highest ``seq`` each side has seen, per conversation."""

from __future__ import annotations

from sqlalchemy import insert, select, update

from .database import Database
from .models import Conversation, ReadMark


class ReadQueries:
    def __init__(self, database: Database) -> None:
        self._db = database

    def mark_read(self, conversation_id: str, reader: str, seq: int) -> int | None:
        """Moves ``reader``'s mark forward to ``seq`` (capped at the last message).

        Returns the new mark, or ``None`` when it did not move (already read, or nothing to read).
        ``LookupError`` when the conversation does not exist.
        """
        with self._db.writing() as connection:
            last_seq = connection.execute(
                select(Conversation.last_seq).where(Conversation.id == conversation_id).with_for_update()
            ).scalar()
            if last_seq is None:
                raise LookupError(conversation_id)
            seq = min(seq, last_seq)
            current = connection.execute(
                select(ReadMark.seq).where(
                    ReadMark.conversation_id == conversation_id, ReadMark.reader == reader
                )
            ).scalar()
            if current is None:
                if seq <= 0:
                    return None
                connection.execute(
                    insert(ReadMark).values(conversation_id=conversation_id, reader=reader, seq=seq)
                )
                return seq
            if seq <= current:
                return None
            connection.execute(
                update(ReadMark)
                .where(ReadMark.conversation_id == conversation_id, ReadMark.reader == reader)
                .values(seq=seq)
            )
        return seq

    def read_marks(self, conversation_id: str) -> dict[str, int]:
        """``{"visitor": seq, "agent": seq}``, 0 for a side that has read nothing."""
        with self._db.reading() as connection:
            rows = connection.execute(
                select(ReadMark.reader, ReadMark.seq).where(ReadMark.conversation_id == conversation_id)
            ).all()
        marks = {"visitor": 0, "agent": 0}
        marks.update({row.reader: row.seq for row in rows})
        return marks
