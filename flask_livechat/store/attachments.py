"""Files sent in a conversation: their metadata here, their bytes in an ``AttachmentStorage``."""

from __future__ import annotations

import dataclasses

from sqlalchemy import Connection, insert, select, update

from .conversations import append_message, visitor_conversation
from .database import Database
from .models import Attachment, Message, new_public_id, utcnow
from .records import AttachmentRecord, MessageRecord, StoredMessage


class AttachmentQueries:
    def __init__(self, database: Database) -> None:
        self._db = database

    def add_visitor_attachment(
        self,
        visitor_id: str,
        *,
        client_id: str,
        filename: str,
        content_type: str,
        size: int,
        storage_key: str,
    ) -> StoredMessage:
        """A visitor's message carrying a file, in their open conversation (opened if needed)."""
        with self._db.writing() as connection:
            conversation_id, opened = visitor_conversation(connection, visitor_id)
            message, conversation, duplicate = append_message(
                connection, conversation_id, client_id=client_id, sender="visitor", author=None, body=filename
            )
            if not duplicate:
                message = _attach(connection, message, filename, content_type, size, storage_key)
        return StoredMessage(message, conversation, opened_conversation=opened, duplicate=duplicate)

    def add_agent_attachment(
        self,
        conversation_id: str,
        *,
        client_id: str,
        author: str,
        filename: str,
        content_type: str,
        size: int,
        storage_key: str,
    ) -> StoredMessage:
        """An agent's message carrying a file, in an existing conversation (``LookupError``: it is gone)."""
        with self._db.writing() as connection:
            message, conversation, duplicate = append_message(
                connection, conversation_id, client_id=client_id, sender="agent", author=author, body=filename
            )
            if not duplicate:
                message = _attach(connection, message, filename, content_type, size, storage_key)
        return StoredMessage(message, conversation, opened_conversation=False, duplicate=duplicate)

    def get_attachment(self, attachment_id: str) -> AttachmentRecord | None:
        with self._db.reading() as connection:
            row = connection.execute(select(Attachment).where(Attachment.id == attachment_id)).first()
        return AttachmentRecord(**row._mapping) if row else None


def _attach(
    connection: Connection, message: MessageRecord, filename: str, content_type: str, size: int, key: str
) -> MessageRecord:
    """The file's row, pointed at by its message (in the message's transaction)."""
    attachment_id = new_public_id()
    connection.execute(
        insert(Attachment).values(
            id=attachment_id,
            conversation_id=message.conversation_id,
            filename=filename,
            content_type=content_type,
            size=size,
            storage_key=key,
            created_at=utcnow(),
        )
    )
    connection.execute(update(Message).where(Message.id == message.id).values(attachment_id=attachment_id))
    return dataclasses.replace(message, attachment_id=attachment_id)
