"""The agent namespace ``/livechat-agent``: the console's side of docs/protocol.md."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_socketio import join_room

from ..errors import ForbiddenError
from ..host import display_name, user_id
from ..schemas import (
    AgentHelloSchema,
    AgentMarkReadSchema,
    AgentSendMessageSchema,
    AgentTypingSchema,
    ConversationIdSchema,
    conversation_schema,
    load,
    message_schema,
)
from ..services.chat import Agent
from ..services.privacy import Subject
from ..state import current_livechat
from ..store import StoredMessage
from .base import Ack, LiveChatNamespace, client_event, refusal
from .broadcast import broadcast_status
from .liveness import announce_read, liveness, relay_agent_typing, should_relay_typing
from .rooms import AGENT_NAMESPACE, AGENTS_ROOM, conversation_room

_hello_schema = AgentHelloSchema()
_join_schema = ConversationIdSchema()
_typing_schema = AgentTypingSchema()
_read_schema = AgentMarkReadSchema()


def current_agent() -> Agent | None:
    """The logged-in host user as an ``Agent``, or ``None`` when they are not staff."""
    livechat = current_livechat.livechat
    user = livechat.load_user()
    if user is None:
        return None
    role = livechat.load_role(user)
    identifier = user_id(user)
    if role is None or identifier is None:
        return None
    return Agent(user_id=identifier, name=display_name(user), role=role)


class AgentNamespace(LiveChatNamespace):
    client_events = frozenset(
        {"hello", "join_conversation", "send_message", "close_conversation", "reopen_conversation"}
        | {"typing", "mark_read"}
    )

    def __init__(self) -> None:
        super().__init__(AGENT_NAMESPACE)

    def on_connect(self, auth: Any = None) -> None:
        agent = current_agent()
        if agent is None:
            raise refusal(ForbiddenError("Log in as an agent or admin to use the console."))
        self.connection()["agent"] = agent
        join_room(AGENTS_ROOM)
        current_livechat.agent_recheck.ensure_running()

    def on_disconnect(self, reason: Any = None) -> None:
        self.forget_connection()

    def _agent(self) -> Agent:
        agent: Agent = self.connection()["agent"]
        return agent

    @client_event
    def on_hello(self, payload: Any) -> Ack:
        load(_hello_schema, payload)
        agent = self._agent()
        conversations = current_livechat.chat.open_conversations(agent)
        return {
            "ok": True,
            "agent": {"name": agent.name, "role": agent.role},
            "conversations": conversation_schema.dump(conversations, many=True),
        }

    @client_event
    def on_join_conversation(self, payload: Any) -> Ack:
        data = load(_join_schema, payload)
        agent = self._agent()
        conversation, messages = current_livechat.chat.join(agent, data["conversation_id"])
        current_livechat.privacy.record_view(
            Subject(visitor_id=conversation.visitor_id),
            actor=agent.label,
            what="transcript viewed in the console",
        )
        join_room(conversation_room(conversation.id))
        return {
            "ok": True,
            "conversation": conversation_schema.dump(conversation),
            "messages": message_schema.dump(messages, many=True),
        }

    @client_event
    def on_send_message(self, payload: Any) -> Ack:
        agent = self._agent()
        return self.send_in_order(
            payload,
            AgentSendMessageSchema,
            lambda data: current_livechat.chat.send_agent_message(
                agent, data["conversation_id"], client_id=data["client_id"], body=data["body"]
            ),
            lambda: current_livechat.limiter.hit("agent_message", f"agent:{agent.user_id}"),
        )

    @client_event
    def on_close_conversation(self, payload: Any) -> Ack:
        return self._set_status(payload, current_livechat.chat.close)

    @client_event
    def on_reopen_conversation(self, payload: Any) -> Ack:
        return self._set_status(payload, current_livechat.chat.reopen)

    def _set_status(self, payload: Any, change: Callable[[Agent, str], StoredMessage | None]) -> Ack:
        data = load(_join_schema, payload)
        state = current_livechat
        stored = change(self._agent(), data["conversation_id"])
        broadcast_status(state.socketio, state.chat, stored, "agent")
        conversation = state.chat.conversation_for_agent(self._agent(), data["conversation_id"])
        return {"ok": True, "conversation": conversation_schema.dump(conversation)}

    @client_event
    def on_typing(self, payload: Any) -> Ack:
        data = load(_typing_schema, payload)
        agent = self._agent()
        conversation = liveness().agent_conversation(agent, data["conversation_id"])
        if should_relay_typing(self.connection(), conversation.id, data["typing"]):
            relay_agent_typing(current_livechat.socketio, conversation, agent.name, data["typing"])
        return {"ok": True}

    @client_event
    def on_mark_read(self, payload: Any) -> Ack:
        data = load(_read_schema, payload)
        service = liveness()
        conversation = service.agent_conversation(self._agent(), data["conversation_id"])
        move = service.mark_read(conversation, "agent", data["seq"])
        announce_read(current_livechat.socketio, move, "agent")
        return {
            "ok": True,
            "seq": move.seq if move.seq is not None else service.read_marks(conversation.id)["agent"],
        }
