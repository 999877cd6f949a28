"""Conversation history for agents: search with filters, and one transcript with its timeline and pages.

Both are audited (services/audit.py): a search as one entry naming no subject, with its filters but not its
text; a transcript view as an entry about the conversation's visitor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from ..store import ConversationRecord, MessageRecord, Store
from ..store.records import HistoryFilters, MailRecord, NoteRecord
from .audit import AuditLog, describe_search, subject_keys
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
    def __init__(self, store: Store, chat: ChatService, audit: AuditLog) -> None:
        self._store = store
        self._chat = chat
        self._audit = audit

    def search(self, agent: Agent, filters: HistoryFilters) -> list[ConversationRecord]:
        found = self._store.search.search_history(filters, departments=agent.departments)
        self._audit.record(agent.label, "history_search", [], describe_search(filters, len(found)))
        return found

    def transcript(self, agent: Agent, conversation_id: str) -> Transcript:
        """The transcript an agent opens in the history: audited as a view of the visitor's data."""
        transcript = self.build(agent, conversation_id)
        self._audit.record(
            agent.label,
            "view",
            subject_keys(visitor_ids=[transcript.conversation.visitor_id]),
            "history transcript",
        )
        return transcript

    def build(self, agent: Agent, conversation_id: str) -> Transcript:
        """The transcript without an audit entry: for mailing it to the visitor, who is not looked up."""
        return self._build(self._chat.conversation_for_agent(agent, conversation_id))

    def build_for_visitor(self, visitor_id: str, conversation_id: str | None) -> Transcript:
        """The visitor's own conversation (``conversation_id``, else their open one), for their own email."""
        return self._build(self._chat.visitor_conversation(visitor_id, conversation_id))

    def _build(self, conversation: ConversationRecord) -> Transcript:
        conversation_id = conversation.id
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
            mail=self._store.mail.mail_log(conversation_id),
            answers=labelled_answers(app, self._store.profiles.profile_of(conversation.visitor_id)),
        )
