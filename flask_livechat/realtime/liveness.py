"""``typing`` and ``mark_read`` for both namespaces: the same rules and the same emits on either side."""

from __future__ import annotations

import time
from typing import Any

from flask_socketio import SocketIO

from ..services.liveness import LivenessService, ReadMove
from ..state import current_livechat
from ..store import ConversationRecord
from .rooms import AGENT_NAMESPACE, VISITOR_NAMESPACE, conversation_room, visitor_room

#: A client repeating the same typing state faster than this is not relayed (clients send every 2 s).
TYPING_REPEAT_SECONDS = 1.0


def liveness() -> LivenessService:
    state = current_livechat
    return LivenessService(state.store, state.chat)


def should_relay_typing(connection: dict[str, Any], conversation_id: str, typing: bool) -> bool:
    """Server-side throttle: a change is always relayed, a repeat only once per ``TYPING_REPEAT_SECONDS``."""
    now = time.monotonic()
    last = connection.get("typing")
    if last is not None and last[0] == (conversation_id, typing) and now - last[1] < TYPING_REPEAT_SECONDS:
        return False
    connection["typing"] = ((conversation_id, typing), now)
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
