"""The agent namespace ``/livechat-agent``: the console's side of docs/protocol.md.

Connection, presence, the lists, and chatting live here; working a conversation (assignment, notes, tags,
moderation, history) is in ``agent_work.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_socketio import join_room

from ..caller import current_agent
from ..errors import ForbiddenError, StoreUnavailable
from ..schemas import (
    AgentFetchMessagesSchema,
    AgentHelloSchema,
    AgentMarkReadSchema,
    AgentSendMessageSchema,
    AgentTypingSchema,
    ConversationIdSchema,
    SetPresenceSchema,
    conversation_schema,
    live_visitor_schema,
    load,
    message_schema,
    note_schema,
)
from ..services.chat import Agent
from ..services.departments import configured
from ..services.privacy import Subject
from ..state import current_livechat
from ..store import StoredMessage
from .agent_work import AgentWork
from .base import (
    HELLO_LIMIT,
    HELLO_WINDOW_SECONDS,
    Ack,
    client_event,
    current_sid,
    outage_logged,
    refusal,
    throttle,
)
from .resume import fetch_ack
from .revocation import remember_cookies
from .rooms import AGENT_NAMESPACE, AGENTS_ROOM, agent_room, agent_rooms, conversation_room
from .typing_reads import should_relay_typing, typing_reads

_hello_schema = AgentHelloSchema()
_conversation_schema = ConversationIdSchema()
_presence_schema = SetPresenceSchema()
_typing_schema = AgentTypingSchema()
_read_schema = AgentMarkReadSchema()
_fetch_schema = AgentFetchMessagesSchema()


class AgentNamespace(AgentWork):
    client_events = frozenset(
        {
            "hello",
            "join_conversation",
            "leave_conversation",
            "send_message",
            "close_conversation",
            "reopen_conversation",
            "set_presence",
            "typing",
            "mark_read",
            "fetch_messages",
            "fetch_conversation",
            *AgentWork.work_events,
        }
    )

    def __init__(self) -> None:
        super().__init__(AGENT_NAMESPACE)

    def on_connect(self, auth: Any = None) -> None:
        agent = current_agent()
        if agent is None:
            raise refusal(ForbiddenError("Log in as an agent or admin to use the console."))
        connection = self.open_connection()
        connection["agent"] = agent
        remember_cookies(connection, current_app._get_current_object())  # type: ignore[attr-defined]
        for room in (AGENTS_ROOM, agent_room(agent.user_id), *agent_rooms(agent.departments)):
            join_room(room)
        state = current_livechat
        try:
            state.presence.agent_connected(
                current_sid(),
                agent_id=agent.user_id,
                name=agent.name,
                role=agent.role,
                departments=agent.departments,
            )
        except StoreUnavailable as error:
            raise refusal(error) from None
        state.sweeper.ensure_running(current_app._get_current_object())  # type: ignore[attr-defined]
        state.agent_recheck.ensure_running()

    def on_disconnect(self, reason: Any = None) -> None:
        state = current_livechat
        sid = current_sid()
        try:
            with outage_logged("agent disconnect"):
                state.presence.agent_disconnected(sid)
        finally:
            self.forget_connection()

    @client_event
    def on_hello(self, payload: Any) -> Ack:
        throttle(self.connection(), "hello", HELLO_LIMIT, HELLO_WINDOW_SECONDS)
        load(_hello_schema, payload)
        agent = self._agent()
        state = current_livechat
        conversations = state.chat.open_conversations(agent)
        names = sorted(configured(current_app.config))
        return {
            "ok": True,
            "agent": {
                "id": agent.user_id,
                "name": agent.name,
                "role": agent.role,
                "status": state.presence.status_of(agent.user_id),
                "departments": names if agent.departments is None else sorted(agent.departments),
            },
            "conversations": conversation_schema.dump(conversations, many=True),
            "agents": state.presence.agents_payload(),
            "visitors": live_visitor_schema.dump(self.live_visitors(agent), many=True),
            "canned": [{"shortcut": c.shortcut, "body": c.body} for c in state.canned.responses()],
        }

    @client_event
    def on_set_presence(self, payload: Any) -> Ack:
        data = load(_presence_schema, payload)
        agent = self._agent()
        current_livechat.presence.set_status(agent.user_id, data["status"])
        return {"ok": True, "status": data["status"]}

    @client_event
    def on_join_conversation(self, payload: Any) -> Ack:
        data = load(_conversation_schema, payload)
        state = current_livechat
        agent = self._agent()
        conversation, messages = state.chat.join(agent, data["conversation_id"])
        state.privacy.record_view(
            Subject(visitor_id=conversation.visitor_id),
            actor=agent.label,
            what="transcript viewed in the console",
        )
        join_room(conversation_room(conversation.id))
        state.presence.view(current_sid(), conversation.id)
        return {
            "ok": True,
            "conversation": conversation_schema.dump(conversation),
            "messages": message_schema.dump(messages, many=True),
            "notes": note_schema.dump(state.workflow.notes(agent, conversation.id), many=True),
            "viewers": state.presence.viewers(conversation.id),
        }

    @client_event
    def on_fetch_conversation(self, payload: Any) -> Ack:
        """One conversation's whole summary: a console that got a ``partial`` update of a conversation it
        has not listed yet (it connected later, or more are open than ``hello`` lists) asks for it."""
        data = load(_conversation_schema, payload)
        conversation = current_livechat.chat.conversation_for_agent(self._agent(), data["conversation_id"])
        return {"ok": True, "conversation": conversation_schema.dump(conversation)}

    @client_event
    def on_leave_conversation(self, payload: Any) -> Ack:
        """The console moved away from a conversation: it no longer counts as viewing it."""
        data = load(_conversation_schema, payload)
        current_livechat.presence.leave(current_sid(), data["conversation_id"])
        return {"ok": True}

    @client_event
    def on_send_message(self, payload: Any) -> Ack:
        agent = self._agent()
        return self.send_in_order(
            payload,
            AgentSendMessageSchema,
            lambda data: self._store_reply(agent, data),
            lambda: current_livechat.limiter.hit("agent_message", f"agent:{agent.user_id}"),
        )

    @staticmethod
    def _store_reply(agent: Agent, data: dict[str, Any]) -> StoredMessage:
        state = current_livechat
        stored = state.chat.send_agent_message(
            agent, data["conversation_id"], client_id=data["client_id"], body=data["body"]
        )
        state.offline.mail_reply(stored)  # answers to left messages also go by email
        return stored

    @client_event
    def on_close_conversation(self, payload: Any) -> Ack:
        return self._set_status(payload, current_livechat.chat.close)

    @client_event
    def on_reopen_conversation(self, payload: Any) -> Ack:
        return self._set_status(payload, current_livechat.chat.reopen)

    def _set_status(self, payload: Any, change: Callable[[Agent, str], StoredMessage | None]) -> Ack:
        data = load(_conversation_schema, payload)
        state = current_livechat
        change(self._agent(), data["conversation_id"])
        conversation = state.chat.conversation_for_agent(self._agent(), data["conversation_id"])
        return {"ok": True, "conversation": conversation_schema.dump(conversation)}

    @client_event
    def on_typing(self, payload: Any) -> Ack:
        data = load(_typing_schema, payload)
        agent = self._agent()
        conversation = typing_reads().agent_conversation(agent, data["conversation_id"])
        if should_relay_typing(self.connection(), conversation.id, data["typing"]):
            current_livechat.pusher.agent_typing(conversation, agent.name, data["typing"])
        return {"ok": True}

    @client_event
    def on_mark_read(self, payload: Any) -> Ack:
        data = load(_read_schema, payload)
        service = typing_reads()
        conversation = service.agent_conversation(self._agent(), data["conversation_id"])
        move = service.mark_read(conversation, "agent", data["seq"])
        return {
            "ok": True,
            "seq": move.seq if move.seq is not None else service.read_marks(conversation.id)["agent"],
        }

    @client_event
    def on_fetch_messages(self, payload: Any) -> Ack:
        """The messages after ``after_seq`` of a conversation the agent may see (resume, gap filling)."""
        data = load(_fetch_schema, payload)
        conversation = current_livechat.chat.conversation_for_agent(self._agent(), data["conversation_id"])
        return fetch_ack(conversation, data["after_seq"])
