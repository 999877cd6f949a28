"""``typing`` and ``mark_read`` for both namespaces: the same rules and the same emits on either side."""

from __future__ import annotations

import math
import time
from typing import Any

from flask_socketio import SocketIO

from ..errors import RateLimited
from ..services.liveness import LivenessService, ReadMove
from ..state import current_livechat
from ..store import ConversationRecord
from .rooms import AGENT_NAMESPACE, VISITOR_NAMESPACE, conversation_room, visitor_room

#: A connection's ``typing: true`` is relayed at most once per this many seconds and conversation (clients
#: repeat it every 2 s while typing; a little less absorbs network jitter).
TYPING_INTERVAL_SECONDS = 1.5
#: Conversations whose typing state one connection keeps (agents type in several).
_TYPING_MARKS = 64


def liveness() -> LivenessService:
    state = current_livechat
    return LivenessService(state.store, state.chat)


def should_relay_typing(connection: dict[str, Any], conversation_id: str, typing: bool) -> bool:
    """Server-side throttle, per connection and conversation: a start is relayed at most once per
    ``TYPING_INTERVAL_SECONDS`` (a faster one is ``RateLimited``, not relayed), a stop only when it ends a
    relayed start (otherwise it is a no-op). So a client flipping true/false relays at most two events per
    interval."""
    now = time.monotonic()
    marks: dict[str, tuple[bool, float]] = connection.setdefault("typing", {})
    relayed, started = marks.get(conversation_id, (False, -math.inf))
    if not typing:
        if not relayed:
            return False
        marks[conversation_id] = (False, started)
        return True
    waited = now - started
    if waited < TYPING_INTERVAL_SECONDS:
        raise RateLimited(retry_after=max(1, math.ceil(TYPING_INTERVAL_SECONDS - waited)))
    if conversation_id not in marks and len(marks) >= _TYPING_MARKS:
        marks.clear()
    marks[conversation_id] = (True, now)
    return True


def relay_visitor_typing(socketio: SocketIO, conversation: ConversationRecord, typing: bool) -> None:
    socketio.emit(
        "typing",
        {"conversation_id": conversation.id, "typing": typing},
        to=conversation_room(conversation.id),
        namespace=AGENT_NAMESPACE,
    )


def relay_agent_typing(
    socketio: SocketIO, conversation: ConversationRecord, author: str, typing: bool
) -> None:
    socketio.emit(
        "typing",
        {"conversation_id": conversation.id, "author": author, "typing": typing},
        to=visitor_room(conversation.visitor_id),
        namespace=VISITOR_NAMESPACE,
    )


def announce_read(socketio: SocketIO, move: ReadMove, reader: str) -> None:
    """Both sides hear of a moved mark: the other side shows "Seen", the reader's other tabs clear unread."""
    if move.seq is None:
        return
    conversation = move.conversation
    payload = {"conversation_id": conversation.id, "reader": reader, "seq": move.seq}
    socketio.emit("read", payload, to=visitor_room(conversation.visitor_id), namespace=VISITOR_NAMESPACE)
    socketio.emit("read", payload, to=conversation_room(conversation.id), namespace=AGENT_NAMESPACE)
