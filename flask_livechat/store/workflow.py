"""Work on a conversation besides messages: assignment, tags, internal notes, ratings, message deletion,
and proactive invitations (a conversation an agent opens)."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update

from . import reports, webhooks
from .conversations import agent_wrote, append_message, insert_conversation, lock_visitor
from .database import Database
from .models import Conversation, ConversationTag, Message, Note, new_public_id, utcnow
from .records import NoteRecord, StoredMessage


class WorkflowQueries:
    def __init__(self, database: Database) -> None:
        self._db = database

    def assign(
        self,
        conversation_id: str,
        agent_id: str | None,
        agent_name: str | None,
        *,
        expected: tuple[str | None, ...] | None = None,
    ) -> bool:
        """Sets the assignee if the current one is in ``expected`` (``None``: whoever it is), checked under
        the row lock so two agents cannot both win. ``LookupError`` if there is no such conversation,
        ``False`` if someone else changed it first."""
        with self._db.writing() as connection:
            current = connection.execute(
                select(Conversation.assigned_agent_id)
                .where(Conversation.id == conversation_id)
                .with_for_update()
            ).first()
            if current is None:
                raise LookupError(conversation_id)
            if expected is not None and current.assigned_agent_id not in expected:
                return False
            connection.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id)
                .values(assigned_agent_id=agent_id, assigned_agent_name=agent_name, updated_at=utcnow())
            )
        return True

    def set_tags(self, conversation_id: str, tags: list[str]) -> None:
        with self._db.writing() as connection:
            connection.execute(
                delete(ConversationTag).where(ConversationTag.conversation_id == conversation_id)
            )
            for tag in sorted(set(tags)):
                connection.execute(insert(ConversationTag).values(conversation_id=conversation_id, tag=tag))
            connection.execute(
                update(Conversation).where(Conversation.id == conversation_id).values(updated_at=utcnow())
            )

    def add_note(
        self, conversation_id: str, *, client_id: str, author_id: str, author: str, body: str
    ) -> tuple[NoteRecord, bool]:
        """Stores an internal note once per ``client_id``; returns it and whether it was already stored."""
        with self._db.writing() as connection:
            existing = connection.execute(
                select(Note).where(Note.conversation_id == conversation_id, Note.client_id == client_id)
            ).first()
            if existing is not None:
                return _note(existing), True
            row = connection.execute(
                insert(Note)
                .values(
                    id=new_public_id(),
                    conversation_id=conversation_id,
                    client_id=client_id,
                    author_id=author_id,
                    author=author,
                    body=body,
                    created_at=utcnow(),
                )
                .returning(*Note.__table__.columns)
            ).one()
        return _note(row), False

    def notes_of(self, conversation_id: str) -> list[NoteRecord]:
        with self._db.reading() as connection:
            rows = connection.execute(
                select(Note).where(Note.conversation_id == conversation_id).order_by(Note.created_at, Note.id)
            ).all()
        return [_note(row) for row in rows]

    def rate(self, conversation_id: str, visitor_id: str, rating: int, comment: str | None) -> str:
        """Records the visitor's rating of their closed conversation.

        Returns ``"rated"``, or why not: ``"not_found"`` (not theirs), ``"open"`` (not closed yet),
        ``"unanswered"`` (no agent wrote in it: there is no service to rate) or ``"already"`` (rated before).
        """
        with self._db.writing() as connection:
            row = connection.execute(
                select(Conversation.status, Conversation.rating)
                .where(Conversation.id == conversation_id, Conversation.visitor_id == visitor_id)
                .with_for_update()
            ).first()
            if row is None:
                return "not_found"
            if row.status != "closed":
                return "open"
            if row.rating is not None:
                return "already"
            if not agent_wrote(connection, conversation_id):
                return "unanswered"
            rated_at = utcnow()
            connection.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id)
                .values(rating=rating, rating_comment=comment, rated_at=rated_at)
            )
            reports.chat_rated(connection, conversation_id, rating)
            webhooks.conversation_rated(
                connection, conversation_id, visitor_id, rating=rating, comment=comment, rated_at=rated_at
            )
        return "rated"

    def delete_message(self, conversation_id: str, message_id: str) -> bool:
        """Marks a visitor or agent message deleted; ``False`` when there is no such (undeleted) message."""
        with self._db.writing() as connection:
            result = connection.execute(
                update(Message)
                .where(
                    Message.id == message_id,
                    Message.conversation_id == conversation_id,
                    Message.sender != "system",
                    Message.deleted_at.is_(None),
                )
                .values(deleted_at=utcnow(), body="")
            )
        return bool(result.rowcount)

    def start_agent_conversation(
        self, visitor_id: str, *, agent_id: str, author: str, client_id: str, body: str
    ) -> StoredMessage:
        """Opens a conversation with an agent's first message (a proactive invitation), assigned to them.

        ``LookupError`` when the visitor does not exist; ``ValueError`` when they already have an open one.
        """
        with self._db.writing() as connection:
            department, open_id = lock_visitor(connection, visitor_id)
            if open_id is not None:
                raise ValueError("the visitor already has an open conversation")
            conversation_id = insert_conversation(
                connection,
                visitor_id,
                department,
                assigned_agent_id=agent_id,
                assigned_agent_name=author,
            )
            message, conversation, duplicate = append_message(
                connection, conversation_id, client_id=client_id, sender="agent", author=author, body=body
            )
        return StoredMessage(message, conversation, opened_conversation=True, duplicate=duplicate)


def _note(row: object) -> NoteRecord:
    return NoteRecord(**{name: getattr(row, name) for name in NoteRecord.__dataclass_fields__})
