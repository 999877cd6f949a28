"""Typing indicators and read receipts: who may signal them, and the read marks that outlive a page."""

from __future__ import annotations

from dataclasses import dataclass

from ..changes import ReadMoved, publish
from ..errors import NotFoundError
from ..store import ConversationRecord, Store
from .chat import Agent, ChatService


@dataclass(frozen=True)
class ReadMove:
    conversation: ConversationRecord
    #: The reader's new mark, or ``None`` when it did not move (nothing to announce).
    seq: int | None


class TypingReadsService:
    def __init__(self, store: Store, chat: ChatService) -> None:
        self._store = store
        self._chat = chat

    def visitor_conversation(self, visitor_id: str) -> ConversationRecord:
        conversation = self._store.conversations.open_conversation_of(visitor_id)
        if conversation is None:
            raise NotFoundError("You have no open conversation.")
        return conversation

    def agent_conversation(self, agent: Agent, conversation_id: str) -> ConversationRecord:
        return self._chat.conversation_for_agent(agent, conversation_id)

    def mark_read(self, conversation: ConversationRecord, reader: str, seq: int) -> ReadMove:
        try:
            moved = self._store.reads.mark_read(conversation.id, reader, seq)
        except LookupError:
            raise NotFoundError() from None
        if moved is not None:
            publish(ReadMoved(conversation, reader, moved))
        return ReadMove(conversation=conversation, seq=moved)

    def read_marks(self, conversation_id: str) -> dict[str, int]:
        return self._store.reads.read_marks(conversation_id)
