"""Conversation history for agents: search with filters, and one transcript with its timeline and pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from ..store import ConversationRecord, MessageRecord, Store
from ..store.records import HistoryFilters, MailRecord, NoteRecord
from .chat import Agent, ChatService
from .prechat import labelled_answers


@dataclass(frozen=True)
class Transcript:
    conversation: ConversationRecord
    messages: list[MessageRecord]
    notes: list[NoteRecord]
    started_at: datetime
    #: ``None`` while the conversation is open.
    ended_at: datetime | None
    duration_seconds: int
    pages: list[tuple[str, str | None, datetime]]
    mail: list[MailRecord]
    #: The visitor's pre-chat answers as (label, value).
    answers: tuple[tuple[str, str], ...] = ()


class HistoryService:
    def __init__(self, store: Store, chat: ChatService) -> None:
        self._store = store
        self._chat = chat

    def search(self, agent: Agent, filters: HistoryFilters) -> list[ConversationRecord]:
        return self._store.search.search_history(filters, departments=agent.departments)

    def transcript(self, agent: Agent, conversation_id: str) -> Transcript:
        conversation = self._chat.conversation_for_agent(agent, conversation_id)
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        messages = self._store.conversations.messages_of(conversation_id, limit=5000)
        started = conversation.created_at
        ended = conversation.closed_at if conversation.status == "closed" else None
        last = ended or (messages[-1].created_at if messages else started)
        return Transcript(
            conversation=conversation,
            messages=messages,
            notes=self._store.workflow.notes_of(conversation_id),
            started_at=started,
            ended_at=ended,
            duration_seconds=max(0, int((last - started).total_seconds())),
            pages=self._store.search.pages_during(conversation.visitor_id, started, last),
            mail=self._store.moderation.mail_log(conversation_id),
            answers=labelled_answers(app, self._store.profiles.profile_of(conversation.visitor_id)),
        )
