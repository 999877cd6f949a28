"""A returning visitor's earlier conversations."""

from __future__ import annotations

from sqlalchemy import select

from .database import Database
from .models import Conversation, Message
from .records import MessageRecord, to_record


class HistoryQueries(Database):
    def closed_messages_of(self, visitor_id: str, *, limit: int = 100) -> list[MessageRecord]:
        """The last ``limit`` messages of the visitor's closed conversations, oldest first."""
        with self.reading() as connection:
            rows = connection.execute(
                select(Message)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Conversation.visitor_id == visitor_id, Conversation.status == "closed")
                .order_by(Message.created_at.desc(), Message.seq.desc())
                .limit(limit)
            ).all()
        return [to_record(MessageRecord, row) for row in reversed(rows)]
