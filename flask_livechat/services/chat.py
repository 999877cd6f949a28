"""Conversations and messages: who may read and write what, and the message lifecycle."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ..errors import NotFoundError
from ..host import Role
from ..signals import conversation_started, message_stored
from ..store import ConversationRecord, MessageRecord, Store
from ..store.repository import StoredMessage


@dataclass(frozen=True)
class Agent:
    """A staff member as the chat knows them: enough to authorise and to sign messages."""

    user_id: str
    name: str
    role: Role


class ChatService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def visitor_state(self, visitor_id: str) -> tuple[ConversationRecord | None, list[MessageRecord]]:
        conversation = self._store.open_conversation_of(visitor_id)
        if conversation is None:
            return None, []
        return conversation, self._store.messages_of(conversation.id)

    def send_visitor_message(self, visitor_id: str, *, client_id: str, body: str) -> StoredMessage:
        try:
            stored = self._store.add_visitor_message(visitor_id, client_id=client_id, body=body)
        except LookupError:
            raise NotFoundError("Your visitor record is gone; reload the page to start again.") from None
        self._announce(stored)
        return stored

    def open_conversations(self, agent: Agent) -> list[ConversationRecord]:
        return self._store.open_conversations()

    def conversation_for_agent(self, agent: Agent, conversation_id: str) -> ConversationRecord:
        conversation = self._store.get_conversation(conversation_id)
        if conversation is None:
            raise NotFoundError()
        return conversation

    def join(self, agent: Agent, conversation_id: str) -> tuple[ConversationRecord, list[MessageRecord]]:
        conversation = self.conversation_for_agent(agent, conversation_id)
        return conversation, self._store.messages_of(conversation.id)

    def send_agent_message(
        self, agent: Agent, conversation_id: str, *, client_id: str, body: str
    ) -> StoredMessage:
        self.conversation_for_agent(agent, conversation_id)
        try:
            stored = self._store.add_message(
                conversation_id, client_id=client_id, sender="agent", author=agent.name, body=body
            )
        except LookupError:
            raise NotFoundError() from None
        self._announce(stored)
        return stored

    def summary(self, conversation_id: str) -> ConversationRecord | None:
        return self._store.get_conversation(conversation_id)

    def _announce(self, stored: StoredMessage) -> None:
        if stored.duplicate:
            return
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        if stored.opened_conversation:
            conversation_started.send(app, conversation=stored.conversation)
        message_stored.send(app, message=stored.message)
