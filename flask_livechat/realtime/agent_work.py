"""Agent events for working conversations: queue and assignment, notes, tags, invitations, moderation,
history and transcripts. Each validates, calls a service (which persists), then emits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from flask import current_app

from ..errors import NotFoundError
from ..schemas import (
    AddNoteSchema,
    AssignSchema,
    BlockSchema,
    ConversationIdSchema,
    DeleteMessageSchema,
    HistorySearchSchema,
    InviteVisitorSchema,
    LiftBlockSchema,
    TagsSchema,
    VisitorIdSchema,
    conversation_schema,
    live_visitor_schema,
    load,
    mail_log_schema,
    message_schema,
    note_schema,
    send_schema,
    transcript_schema,
)
from ..services.chat import Agent
from ..services.departments import audience
from ..services.presence import local_sids
from ..state import current_livechat
from ..store.models import utcnow
from ..store.search import HistoryFilters
from ..store.visitor_list import LiveVisitor
from .base import Ack, LiveChatNamespace, client_event
from .broadcast import broadcast_conversation, broadcast_stored
from .rooms import (
    AGENT_NAMESPACE,
    VISITOR_NAMESPACE,
    agent_room,
    conversation_room,
    department_room,
    visitor_room,
)
from .visitor_pushes import pushes_for

_conversation = ConversationIdSchema()
_visitor = VisitorIdSchema()
_assign = AssignSchema()
_tags = TagsSchema()
_delete = DeleteMessageSchema()
_block = BlockSchema()
_lift = LiftBlockSchema()
_search = HistorySearchSchema()


def presence_payload() -> dict[str, Any]:
    agents = current_livechat.presence.agents()
    return {"agents": [{"id": a.agent_id, "name": a.name, "status": a.status} for a in agents]}


def viewers_changed(conversation_id: str) -> list[dict[str, str]]:
    """Tells the agents in a conversation who is looking at it now; returns that list."""
    state = current_livechat
    viewers = [
        {"id": agent_id, "name": name}
        for agent_id, name in state.store.viewers_of(conversation_id, cutoff=state.presence.cutoff())
    ]
    state.socketio.emit(
        "viewers",
        {"conversation_id": conversation_id, "viewers": viewers},
        to=conversation_room(conversation_id),
        namespace=AGENT_NAMESPACE,
    )
    return viewers


def live_visitor(visitor_id: str) -> LiveVisitor | None:
    state = current_livechat
    return state.store.visitor_details(visitor_id, connection_cutoff=state.presence.cutoff())


def visitor_left_department(visitor_id: str, department: str) -> None:
    """A visitor moved to another department's pages: that department's agents drop them from their list
    (sent before the visitor's new state, so an agent of both departments keeps them)."""
    current_livechat.socketio.emit(
        "visitor_updated",
        {"id": visitor_id, "listed": False},
        to=department_room(department),
        namespace=AGENT_NAMESPACE,
    )


def broadcast_visitor(visitor_id: str) -> None:
    """``visitor_updated`` to the agents who may see this visitor (their department's, and admins); at most
    one per visitor per ``LIVECHAT_VISITOR_PUSH_INTERVAL`` (see visitor_pushes)."""
    pushes_for(current_livechat.socketio, _push_visitor).changed(visitor_id)


def _push_visitor(visitor_id: str) -> None:
    found = live_visitor(visitor_id)
    if found is None:
        return
    current_livechat.socketio.emit(
        "visitor_updated",
        live_visitor_schema.dump(found),
        to=audience(found.visitor.department),
        namespace=AGENT_NAMESPACE,
    )


class AgentWork(LiveChatNamespace):
    work_events: ClassVar[frozenset[str]] = frozenset(
        {
            "claim_conversation",
            "assign_conversation",
            "transfer_conversation",
            "set_tags",
            "add_note",
            "invite_visitor",
            "visitor_details",
            "delete_message",
            "block_visitor",
            "lift_block",
            "search_history",
            "transcript",
            "email_transcript",
        }
    )

    def _agent(self) -> Agent:
        agent: Agent = self.connection()["agent"]
        return agent

    def live_visitors(self, agent: Agent) -> list[LiveVisitor]:
        state = current_livechat
        since_seconds = current_app.config["LIVECHAT_RECENT_VISITOR_SECONDS"]
        return state.store.live_visitors(
            since=utcnow() - timedelta(seconds=since_seconds),
            connection_cutoff=state.presence.cutoff(),
            departments=agent.departments,
        )

    def _changed(self, conversation_id: str) -> Ack:
        state = current_livechat
        broadcast_conversation(state.socketio, state.chat, conversation_id)
        conversation = state.chat.conversation_for_agent(self._agent(), conversation_id)
        return {"ok": True, "conversation": conversation_schema.dump(conversation)}

    # --- queue and assignment -----------------------------------------------------------------

    @client_event
    def on_claim_conversation(self, payload: Any) -> Ack:
        data = load(_conversation, payload)
        current_livechat.workflow.claim(self._agent(), data["conversation_id"])
        return self._changed(data["conversation_id"])

    @client_event
    def on_assign_conversation(self, payload: Any) -> Ack:
        return self._assign(payload, transfer=False)

    @client_event
    def on_transfer_conversation(self, payload: Any) -> Ack:
        return self._assign(payload, transfer=True)

    def _assign(self, payload: Any, *, transfer: bool) -> Ack:
        data = load(_assign, payload)
        state = current_livechat
        agent = self._agent()
        conversation, note = state.workflow.assign(
            agent, data["conversation_id"], data["agent_id"], data["note"], transfer=transfer
        )
        if note is not None:
            state.socketio.emit(
                "note_added",
                note_schema.dump(note),
                to=conversation_room(note.conversation_id),
                namespace=AGENT_NAMESPACE,
            )
        state.socketio.emit(
            "conversation_assigned",
            {
                "conversation": conversation_schema.dump(conversation),
                "by": agent.name,
                "note": data["note"],
                "transfer": transfer,
            },
            to=agent_room(data["agent_id"]),
            namespace=AGENT_NAMESPACE,
        )
        return self._changed(data["conversation_id"])

    @client_event
    def on_set_tags(self, payload: Any) -> Ack:
        data = load(_tags, payload)
        current_livechat.workflow.set_tags(self._agent(), data["conversation_id"], data["tags"])
        return self._changed(data["conversation_id"])

    @client_event
    def on_add_note(self, payload: Any) -> Ack:
        data = load(send_schema(AddNoteSchema, current_app.config["LIVECHAT_MAX_MESSAGE_LENGTH"]), payload)
        state = current_livechat
        note = state.workflow.add_note(
            self._agent(), data["conversation_id"], client_id=data["client_id"], body=data["body"]
        )
        dumped = note_schema.dump(note)
        state.socketio.emit(
            "note_added", dumped, to=conversation_room(note.conversation_id), namespace=AGENT_NAMESPACE
        )
        return {"ok": True, "note": dumped}

    # --- visitors -----------------------------------------------------------------------------

    @client_event
    def on_visitor_details(self, payload: Any) -> Ack:
        data = load(_visitor, payload)
        state = current_livechat
        found = state.store.visitor_details(
            data["visitor_id"],
            connection_cutoff=state.presence.cutoff(),
            departments=self._agent().departments,
        )
        if found is None:
            raise NotFoundError("No such visitor, or not in your departments.")
        return {"ok": True, "visitor": live_visitor_schema.dump(found)}

    @client_event
    def on_invite_visitor(self, payload: Any) -> Ack:
        data = load(
            send_schema(InviteVisitorSchema, current_app.config["LIVECHAT_MAX_MESSAGE_LENGTH"]), payload
        )
        state = current_livechat
        stored = state.workflow.invite(
            self._agent(), data["visitor_id"], client_id=data["client_id"], body=data["body"]
        )
        message = message_schema.dump(stored.message)
        state.socketio.emit(
            "invitation",
            {"conversation_id": stored.conversation.id, "message": message},
            to=visitor_room(data["visitor_id"]),
            namespace=VISITOR_NAMESPACE,
        )
        broadcast_stored(state.socketio, state.chat, stored)
        return {
            "ok": True,
            "message": message,
            "conversation": conversation_schema.dump(state.chat.summary(stored.conversation.id)),
        }

    # --- moderation ---------------------------------------------------------------------------

    @client_event
    def on_delete_message(self, payload: Any) -> Ack:
        data = load(_delete, payload)
        state = current_livechat
        state.moderation.delete_message(self._agent(), data["conversation_id"], data["message_id"])
        conversation = state.chat.summary(data["conversation_id"])
        event = {"conversation_id": data["conversation_id"], "message_id": data["message_id"]}
        if conversation is not None:
            state.socketio.emit(
                "message_deleted",
                event,
                to=visitor_room(conversation.visitor_id),
                namespace=VISITOR_NAMESPACE,
            )
        state.socketio.emit(
            "message_deleted", event, to=conversation_room(data["conversation_id"]), namespace=AGENT_NAMESPACE
        )
        return self._changed(data["conversation_id"])

    @client_event
    def on_block_visitor(self, payload: Any) -> Ack:
        data = load(_block, payload)
        state = current_livechat
        block_id = state.moderation.block(
            self._agent(),
            visitor_id=data["visitor_id"],
            network=data["network"],
            minutes=data["minutes"],
            reason=data["reason"],
        )
        # Open widgets of a blocked visitor are cut off now (in this process; others refuse the reconnect).
        if data["visitor_id"]:
            for sid in local_sids(state.socketio, VISITOR_NAMESPACE, visitor_room(data["visitor_id"])):
                state.socketio.server.disconnect(sid, namespace=VISITOR_NAMESPACE)
        return {"ok": True, "block_id": block_id}

    @client_event
    def on_lift_block(self, payload: Any) -> Ack:
        data = load(_lift, payload)
        current_livechat.moderation.lift(self._agent(), data["block_id"])
        return {"ok": True}

    # --- history ------------------------------------------------------------------------------

    @client_event
    def on_search_history(self, payload: Any) -> Ack:
        data = load(_search, payload)
        found = current_livechat.history.search(self._agent(), HistoryFilters(**data))
        return {"ok": True, "conversations": conversation_schema.dump(found, many=True)}

    @client_event
    def on_transcript(self, payload: Any) -> Ack:
        data = load(_conversation, payload)
        transcript = current_livechat.history.transcript(self._agent(), data["conversation_id"])
        return {"ok": True, "transcript": transcript_schema.dump(transcript)}

    @client_event
    def on_email_transcript(self, payload: Any) -> Ack:
        data = load(_conversation, payload)
        sent = current_livechat.transcripts.send(self._agent(), data["conversation_id"])
        return {"ok": True, "mail": mail_log_schema.dump(sent)}
