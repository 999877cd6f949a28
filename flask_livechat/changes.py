"""What changed, as values: services publish one after they commit, and ``realtime/push.py`` alone turns each
into Socket.IO emits.

This keeps "persist, then emit" in one place: a message stored by any route (a socket event, an upload, the
offline form, a system line, the CLI) reaches its rooms because the service that stored it published
``MessageStored``, not because every call site remembered to broadcast. The signal is internal; hosts use the
documented signals in ``signals.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from blinker import Namespace
from flask import current_app

if TYPE_CHECKING:
    from .store import ConversationRecord, StoredMessage
    from .store.records import NoteRecord

_internal = Namespace()

#: Sent with ``change=<Change>``; sender: the Flask app. Only ``realtime.push`` listens.
changed = _internal.signal("livechat.internal.changed")


class Change:
    """Base of every change value."""


@dataclass(frozen=True)
class MessageStored(Change):
    """A new message (not a retried duplicate) is committed: both rooms get it, agents a new summary."""

    stored: StoredMessage


@dataclass(frozen=True)
class StatusChanged(Change):
    """A conversation was opened or closed; ``stored`` is its system line. ``ask_rating``: the visitor is
    asked to rate it (closed, and an agent answered: a chat nobody answered has nothing to rate)."""

    stored: StoredMessage
    by: str
    ask_rating: bool = False


@dataclass(frozen=True)
class ConversationChanged(Change):
    """A conversation's summary changed (claimed, assigned, tagged, rated, a message deleted)."""

    conversation_id: str


@dataclass(frozen=True)
class ConversationAssigned(Change):
    conversation: ConversationRecord
    agent_id: str
    by: str
    note: str | None
    transfer: bool


@dataclass(frozen=True)
class NoteAdded(Change):
    note: NoteRecord


@dataclass(frozen=True)
class VisitorInvited(Change):
    """An agent invited a visitor; the invitation's message is published as ``MessageStored`` after this."""

    visitor_id: str
    stored: StoredMessage


@dataclass(frozen=True)
class MessageDeleted(Change):
    conversation_id: str
    message_id: str
    visitor_id: str | None


@dataclass(frozen=True)
class VisitorChanged(Change):
    """A visitor's live state (pages, connections, details) changed: their agents get a fresh entry."""

    visitor_id: str


@dataclass(frozen=True)
class VisitorLeftDepartment(Change):
    visitor_id: str
    department: str


@dataclass(frozen=True)
class ViewersChanged(Change):
    """Who is looking at a conversation changed."""

    conversation_id: str


@dataclass(frozen=True)
class ReadMoved(Change):
    conversation: ConversationRecord
    reader: str
    seq: int


@dataclass(frozen=True)
class PresenceChanged(Change):
    """An agent connected, went away or left: agents get the list, widgets the availability if it moved."""


@dataclass(frozen=True)
class VisitorBlocked(Change):
    """A visitor was blocked: their open widgets are cut off."""

    visitor_id: str


def publish(change: Change) -> None:
    """Hands a committed change to the push path of the current app."""
    changed.send(current_app._get_current_object(), change=change)  # type: ignore[attr-defined]
