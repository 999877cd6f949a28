"""Conversations and messages: who may read and write what, and the message lifecycle."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from .. import i18n
from ..changes import ConversationChanged, MessageStored, StatusChanged, publish
from ..errors import ConflictError, NotFoundError
from ..host import Role
from ..signals import conversation_closed, conversation_reopened, conversation_started, message_stored
from ..store import ConversationRecord, MessageRecord, Store, StoredMessage
from ..store.records import AttachmentRecord, ConversationFilters, Departments, VisitorMessage
from .group_commit import GroupCommit
from .redact import mask_card_numbers


@dataclass(frozen=True)
class Agent:
    """A staff member as the chat knows them: enough to authorise and to sign messages."""

    user_id: str
    name: str
    role: Role
    #: The departments whose conversations and visitors this agent sees; ``None``: all of them.
    departments: Departments = None

    @property
    def label(self) -> str:
        """How the audit log names them: name and host user id, since names are not unique."""
        return f"{self.name} (user {self.user_id})"


class ChatService:
    def __init__(
        self,
        store: Store,
        *,
        mask_card_numbers: bool = True,
        group_commit: GroupCommit[VisitorMessage, StoredMessage] | None = None,
    ) -> None:
        self._store = store
        self._mask = mask_card_numbers
        #: Visitors' messages that arrive together share a transaction (group_commit.py, made by the extension
        #: with the server's event type). ``None``: each message is its own transaction.
        self._group_commit = group_commit

    def _clean(self, body: str) -> str:
        """What may be stored and broadcast: card numbers masked first, so they never reach the database."""
        return mask_card_numbers(body) if self._mask else body

    def send_visitor_message(self, visitor_id: str, *, client_id: str, body: str) -> StoredMessage:
        message = VisitorMessage(visitor_id, client_id, self._clean(body))
        try:
            if self._group_commit is not None:
                stored = self._group_commit.submit(message)
            else:
                stored = self._store.conversations.add_visitor_message(
                    visitor_id, client_id=client_id, body=message.body
                )
        except LookupError:
            raise NotFoundError("Your visitor record is gone; reload the page to start again.") from None
        self.announce(stored)
        return stored

    def open_conversations(self, agent: Agent) -> list[ConversationRecord]:
        return self._store.conversations.open_conversations(departments=agent.departments)

    def conversation_for_agent(self, agent: Agent, conversation_id: str) -> ConversationRecord:
        conversation = self._store.conversations.get_conversation(
            conversation_id, departments=agent.departments
        )
        if conversation is None:
            raise NotFoundError()
        return conversation

    def conversations_page(
        self, agent: Agent, filters: ConversationFilters, *, before: tuple[datetime, str] | None, size: int
    ) -> tuple[list[ConversationRecord], bool]:
        """The conversations ``agent`` may see, newest first, after the cursor ``before``; and whether there
        are more (the REST API's list)."""
        found = self._store.conversations.conversations_page(
            filters, departments=agent.departments, before=before, limit=size + 1
        )
        return found[:size], len(found) > size

    def agent_messages_page(
        self, agent: Agent, conversation_id: str, after_seq: int, size: int
    ) -> tuple[list[MessageRecord], bool]:
        """``messages_page`` of a conversation ``agent`` may see (``not_found`` otherwise)."""
        self.conversation_for_agent(agent, conversation_id)
        return self.messages_page(conversation_id, after_seq, size)

    def join(self, agent: Agent, conversation_id: str) -> tuple[ConversationRecord, list[MessageRecord]]:
        conversation = self.conversation_for_agent(agent, conversation_id)
        return conversation, self._store.conversations.messages_of(conversation.id)

    def send_agent_message(
        self, agent: Agent, conversation_id: str, *, client_id: str, body: str
    ) -> StoredMessage:
        self.conversation_for_agent(agent, conversation_id)
        try:
            stored = self._store.conversations.add_message(
                conversation_id,
                client_id=client_id,
                sender="agent",
                author=agent.name,
                body=self._clean(body),
            )
        except LookupError:
            raise NotFoundError() from None
        self.announce(stored)
        return stored

    def end_for_visitor(self, visitor_id: str) -> StoredMessage | None:
        """The visitor ends their open conversation; their next message starts a new one."""
        conversation = self._store.conversations.open_conversation_of(visitor_id)
        if conversation is None:
            raise NotFoundError("You have no open conversation.")
        return self._set_status(conversation.id, "closed", "ended", None)

    def close(self, agent: Agent, conversation_id: str) -> StoredMessage | None:
        self.conversation_for_agent(agent, conversation_id)
        return self._set_status(conversation_id, "closed", "closed", agent.name)

    def reopen(self, agent: Agent, conversation_id: str) -> StoredMessage | None:
        self.conversation_for_agent(agent, conversation_id)
        try:
            return self._set_status(conversation_id, "open", "reopened", agent.name)
        except ValueError:
            raise ConflictError(
                "The visitor has started another conversation since; answer them there."
            ) from None

    def _set_status(
        self, conversation_id: str, status: str, event: str, agent_name: str | None
    ) -> StoredMessage | None:
        """The system line is stored with its event in ``client_id`` and the agent as ``author``, so each
        reader sees it in their own language (``i18n.system_event``); the body is the English line, for
        search, exports and webhooks."""
        by = "visitor" if agent_name is None else "agent"
        notice = i18n.system_line(i18n.DEFAULT_LANGUAGE, {"type": event, "name": agent_name})
        try:
            stored = self._store.conversations.set_status(
                conversation_id,
                status,
                notice=notice,
                notice_id=f"status-{event}-{uuid.uuid4().hex}",
                by=by,
                author=agent_name,
            )
        except LookupError:
            raise NotFoundError() from None
        if stored is not None:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            signal = conversation_closed if status == "closed" else conversation_reopened
            signal.send(app, conversation=stored.conversation, by=by)
            message_stored.send(app, message=stored.message)
            publish(StatusChanged(stored, by, ask_rating=self.asks_rating(stored.conversation)))
        return stored

    def asks_rating(self, conversation: ConversationRecord) -> bool:
        """The one rule for the rating request: a closed conversation an agent answered, not rated yet."""
        return (
            conversation.status == "closed"
            and conversation.rating is None
            and self._store.conversations.agent_answered(conversation.id)
        )

    # --- reading, for both sides ---------------------------------------------------------------

    def open_conversation_of(self, visitor_id: str) -> ConversationRecord | None:
        return self._store.conversations.open_conversation_of(visitor_id)

    def visitor_conversation(self, visitor_id: str, conversation_id: str | None) -> ConversationRecord:
        """The visitor's own conversation ``conversation_id``, or their open one; ``not_found`` otherwise
        (another visitor's conversation is indistinguishable from none)."""
        if conversation_id is None:
            conversation = self._store.conversations.open_conversation_of(visitor_id)
        else:
            conversation = self._store.conversations.get_conversation(conversation_id)
        if conversation is None or conversation.visitor_id != visitor_id:
            raise NotFoundError("You have no such conversation.")
        return conversation

    def messages_page(
        self, conversation_id: str, after_seq: int, size: int
    ) -> tuple[list[MessageRecord], bool]:
        """At most ``size`` messages after ``after_seq``, and whether there are more."""
        messages = self._store.conversations.messages_of(conversation_id, after_seq=after_seq, limit=size + 1)
        return messages[:size], len(messages) > size

    def recent_messages(self, conversation_id: str, limit: int) -> list[MessageRecord]:
        return self._store.conversations.messages_of(conversation_id, limit=limit)

    def earlier_messages(self, visitor_id: str, host_user_id: str | None = None) -> list[MessageRecord]:
        """A returning visitor's messages from closed conversations (their history in the widget); with the
        host's logged-in user, also those of every visitor record linked to that user (their other devices
        and browsers), and never another user's."""
        return self._store.conversations.closed_messages_of(visitor_id, host_user_id=host_user_id)

    def shares_host_user(self, conversation: ConversationRecord, host_user_id: str | None) -> bool:
        """Whether the conversation's visitor is the logged-in host user ``host_user_id`` (on any device)."""
        if host_user_id is None:
            return False
        visitor = self._store.visitors.get_visitor(conversation.visitor_id)
        return visitor is not None and visitor.host_user_id == host_user_id

    def read_marks(self, conversation_id: str) -> dict[str, int]:
        return self._store.reads.read_marks(conversation_id)

    def invited(self, visitor_id: str) -> bool:
        """Whether an agent invited this visitor: an open conversation in which only agents wrote."""
        conversation = self._store.conversations.open_conversation_of(visitor_id)
        if conversation is None:
            return False
        messages = self._store.conversations.messages_of(conversation.id, limit=50)
        return bool(messages) and all(message.sender != "visitor" for message in messages)

    def attachment(self, attachment_id: str) -> AttachmentRecord | None:
        return self._store.attachments.get_attachment(attachment_id)

    def summary(self, conversation_id: str) -> ConversationRecord | None:
        return self._store.conversations.get_conversation(conversation_id)

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
        """Stores an uploaded file's message (the bytes are already saved under ``storage_key``)."""
        try:
            stored = self._store.attachments.add_visitor_attachment(
                visitor_id,
                client_id=client_id,
                filename=filename,
                content_type=content_type,
                size=size,
                storage_key=storage_key,
            )
        except LookupError:
            raise NotFoundError("Your visitor record is gone; reload the page to start again.") from None
        self.announce(stored)
        return stored

    def add_agent_attachment(
        self,
        agent: Agent,
        conversation_id: str,
        *,
        client_id: str,
        filename: str,
        content_type: str,
        size: int,
        storage_key: str,
    ) -> StoredMessage:
        """An agent's file for the visitor, in a conversation the agent may see (the same rule as a reply)."""
        self.conversation_for_agent(agent, conversation_id)
        try:
            stored = self._store.attachments.add_agent_attachment(
                conversation_id,
                client_id=client_id,
                author=agent.name,
                filename=filename,
                content_type=content_type,
                size=size,
                storage_key=storage_key,
            )
        except LookupError:
            raise NotFoundError() from None
        self.announce(stored)
        return stored

    def announce(self, stored: StoredMessage) -> None:
        """After any new message is committed: the host's signals, then the push to both rooms. Every route
        that stores a message (here, uploads, the offline form, invitations) ends here."""
        if stored.duplicate:
            return  # already announced when it was first stored
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        if stored.opened_conversation:
            conversation_started.send(app, conversation=stored.conversation)
        message_stored.send(app, message=stored.message)
        publish(MessageStored(stored))

    def changed(self, conversation_id: str) -> None:
        """A conversation's summary changed (tags, assignment, rating): its agents hear of it."""
        publish(ConversationChanged(conversation_id))
