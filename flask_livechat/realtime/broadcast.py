"""Pushes stored messages to everyone who may see them. Called only after the store has committed."""

from __future__ import annotations

from flask_socketio import SocketIO

from ..schemas import conversation_schema, message_schema
from ..services.attachments import links_for_visitor
from ..services.chat import ChatService
from ..services.departments import audience
from ..store import StoredMessage
from .rooms import AGENT_NAMESPACE, VISITOR_NAMESPACE, conversation_room, visitor_room


def broadcast_stored(socketio: SocketIO, chat: ChatService, stored: StoredMessage) -> None:
    if stored.duplicate:
        return  # already broadcast when it was first stored
    payload = message_schema.dump(stored.message)
    conversation = stored.conversation
    visitor_payload = payload
    if stored.message.attachment_id is not None:  # the visitor gets links of their own (services/attachments)
        with links_for_visitor(conversation.visitor_id):
            visitor_payload = message_schema.dump(stored.message)
    socketio.emit(
        "new_message", visitor_payload, to=visitor_room(conversation.visitor_id), namespace=VISITOR_NAMESPACE
    )
    socketio.emit("new_message", payload, to=conversation_room(conversation.id), namespace=AGENT_NAMESPACE)
    broadcast_conversation(socketio, chat, conversation.id)


def broadcast_conversation(socketio: SocketIO, chat: ChatService, conversation_id: str) -> None:
    """``conversation_updated`` to the agents who may see the conversation (its department's, and admins)."""
    summary = chat.summary(conversation_id)
    if summary is not None:
        socketio.emit(
            "conversation_updated",
            conversation_schema.dump(summary),
            to=audience(summary.department),
            namespace=AGENT_NAMESPACE,
        )


def broadcast_status(socketio: SocketIO, chat: ChatService, stored: StoredMessage | None, by: str) -> None:
    """A conversation opened or closed: its system message to everyone, and the new status to the visitor."""
    if stored is None:
        return  # nothing changed
    broadcast_stored(socketio, chat, stored)
    conversation = stored.conversation
    socketio.emit(
        "conversation_status",
        {"conversation_id": conversation.id, "status": conversation.status, "by": by},
        to=visitor_room(conversation.visitor_id),
        namespace=VISITOR_NAMESPACE,
    )
