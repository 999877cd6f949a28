"""Working a conversation: claim, assign, transfer with a note, tags, internal notes, invitations, ratings."""

from __future__ import annotations

import re
import uuid

from ..changes import ConversationAssigned, NoteAdded, VisitorInvited, publish
from ..errors import ConflictError, ForbiddenError, InvalidPayload, NotFoundError
from ..store import ConversationRecord, Store, StoredMessage
from ..store.records import NoteRecord
from .chat import Agent, ChatService
from .departments import in_scope
from .presence import PresenceService
from .redact import clean, clean_optional

_TAG = re.compile(r"^[\w][\w .-]{0,31}$")


class WorkflowService:
    def __init__(self, store: Store, chat: ChatService, presence: PresenceService) -> None:
        self._store = store
        self._chat = chat
        self._presence = presence

    def claim(self, agent: Agent, conversation_id: str) -> ConversationRecord:
        """Takes an unassigned conversation from the queue."""
        self._chat.conversation_for_agent(agent, conversation_id)
        if not self._store.workflow.assign(
            conversation_id, agent.user_id, agent.name, expected=(None, agent.user_id)
        ):
            raise ConflictError("Another agent has already claimed this conversation.")
        self._chat.changed(conversation_id)
        return self._chat.conversation_for_agent(agent, conversation_id)

    def assign(
        self, agent: Agent, conversation_id: str, target_id: str, note: str | None, *, transfer: bool
    ) -> tuple[ConversationRecord, NoteRecord | None]:
        """Gives a conversation to another agent who is online or away and may see it.

        A transfer moves a conversation the agent holds (admins may move any); the note, if any, is kept as an
        internal note so the next agent knows where things stand.
        """
        conversation = self._chat.conversation_for_agent(agent, conversation_id)
        if transfer and agent.role != "admin" and conversation.assigned_agent_id != agent.user_id:
            raise ForbiddenError("Only the assigned agent or an admin can transfer this conversation.")
        if (
            not transfer
            and conversation.assigned_agent_id not in (None, agent.user_id)
            and agent.role != "admin"
        ):
            raise ConflictError("This conversation is assigned to someone else; ask them to transfer it.")
        target = next((a for a in self._presence.agents() if a.agent_id == target_id), None)
        if target is None:
            raise NotFoundError("That agent is offline; pick someone who is online or away.")
        if not in_scope(target.departments, conversation.department):
            raise ConflictError(f"{target.name} does not work in this conversation's department.")
        if not self._store.workflow.assign(
            conversation_id, target.agent_id, target.name, expected=(conversation.assigned_agent_id,)
        ):
            raise ConflictError("Someone else has just reassigned this conversation; look again.")
        saved_note = None
        if note:
            verb = "Transferred" if transfer else "Assigned"
            saved_note = self.add_note(
                agent,
                conversation_id,
                client_id=f"assign-{uuid.uuid4().hex}",
                body=f"{verb} to {target.name}: {note}",  # masked by add_note
            )
        assigned = self._chat.conversation_for_agent(agent, conversation_id)
        publish(
            ConversationAssigned(
                assigned, agent_id=target.agent_id, by=agent.name, note=note, transfer=transfer
            )
        )
        return assigned, saved_note

    def set_tags(self, agent: Agent, conversation_id: str, tags: list[str]) -> ConversationRecord:
        cleaned = [tag.strip().lower() for tag in tags]
        bad = [tag for tag in cleaned if not _TAG.match(tag)]
        if bad:
            raise InvalidPayload(
                fields={"tags": ["Tags are 1 to 32 letters, digits, spaces, '.', '-' or '_'."]}
            )
        self._chat.conversation_for_agent(agent, conversation_id)
        self._store.workflow.set_tags(conversation_id, [clean(tag) for tag in cleaned])
        self._chat.changed(conversation_id)
        return self._chat.conversation_for_agent(agent, conversation_id)

    def add_note(self, agent: Agent, conversation_id: str, *, client_id: str, body: str) -> NoteRecord:
        self._chat.conversation_for_agent(agent, conversation_id)
        note, _ = self._store.workflow.add_note(
            conversation_id, client_id=client_id, author_id=agent.user_id, author=agent.name, body=clean(body)
        )
        publish(NoteAdded(note))  # again on a retry too: the first push may be what the retrier missed
        return note

    def notes(self, agent: Agent, conversation_id: str) -> list[NoteRecord]:
        self._chat.conversation_for_agent(agent, conversation_id)
        return self._store.workflow.notes_of(conversation_id)

    def invite(self, agent: Agent, visitor_id: str, *, client_id: str, body: str) -> StoredMessage:
        """Starts a conversation with a visitor who has not written yet; it is assigned to the agent."""
        visitor = self._store.visitors.get_visitor(visitor_id)
        if visitor is None or not in_scope(agent.departments, visitor.department):
            raise NotFoundError("No such visitor, or not in your departments.")
        try:
            stored = self._store.workflow.start_agent_conversation(
                visitor_id, agent_id=agent.user_id, author=agent.name, client_id=client_id, body=clean(body)
            )
        except LookupError:
            raise NotFoundError("No such visitor.") from None
        except ValueError:
            raise ConflictError(
                "This visitor is already chatting: open their conversation instead."
            ) from None
        if not stored.duplicate:
            publish(VisitorInvited(visitor_id, stored))
        self._chat.announce(stored)
        return stored

    def rate(
        self, visitor_id: str, conversation_id: str, rating: int, comment: str | None
    ) -> ConversationRecord:
        outcome = self._store.workflow.rate(conversation_id, visitor_id, rating, clean_optional(comment))
        if outcome == "not_found":
            raise NotFoundError()
        if outcome == "open":
            raise ConflictError("A chat can be rated once it is closed.")
        if outcome == "already":
            raise ConflictError("You have already rated this chat. Thank you!")
        if outcome == "unanswered":
            raise ConflictError("Only a chat someone answered can be rated.")
        conversation = self._store.conversations.get_conversation(conversation_id)
        assert conversation is not None
        self._chat.changed(conversation_id)
        return conversation
