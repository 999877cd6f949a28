"""Agent events for working conversations: queue and assignment, notes, tags, invitations, moderation,
history and transcripts. Each validates and calls a service, which persists and publishes what changed
(pushed by ``push.py``); the handler only acks."""

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
from ..state import current_livechat
from ..store.models import utcnow
from ..store.records import HistoryFilters, LiveVisitor
from .base import Ack, LiveChatNamespace, client_event

_conversation = ConversationIdSchema()
_visitor = VisitorIdSchema()
_assign = AssignSchema()
_tags = TagsSchema()
_delete = DeleteMessageSchema()
_block = BlockSchema()
_lift = LiftBlockSchema()
_search = HistorySearchSchema()


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
        since_seconds = current_app.config["LIVECHAT_RECENT_VISITOR_SECONDS"]
        return current_livechat.visitors.live_visitors(
            since=utcnow() - timedelta(seconds=since_seconds), departments=agent.departments
        )

    def _changed(self, conversation_id: str) -> Ack:
        conversation = current_livechat.chat.conversation_for_agent(self._agent(), conversation_id)
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
        current_livechat.workflow.assign(
            self._agent(), data["conversation_id"], data["agent_id"], data["note"], transfer=transfer
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
        note = current_livechat.workflow.add_note(
            self._agent(), data["conversation_id"], client_id=data["client_id"], body=data["body"]
        )
        return {"ok": True, "note": note_schema.dump(note)}

    # --- visitors -----------------------------------------------------------------------------

    @client_event
    def on_visitor_details(self, payload: Any) -> Ack:
        data = load(_visitor, payload)
        found = current_livechat.visitors.live_visitor(data["visitor_id"], self._agent().departments)
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
        return {
            "ok": True,
            "message": message_schema.dump(stored.message),
            "conversation": conversation_schema.dump(state.chat.summary(stored.conversation.id)),
        }

    # --- moderation ---------------------------------------------------------------------------

    @client_event
    def on_delete_message(self, payload: Any) -> Ack:
        data = load(_delete, payload)
        current_livechat.moderation.delete_message(self._agent(), data["conversation_id"], data["message_id"])
        return self._changed(data["conversation_id"])

    @client_event
    def on_block_visitor(self, payload: Any) -> Ack:
        data = load(_block, payload)
        block_id = current_livechat.moderation.block(
            self._agent(),
            visitor_id=data["visitor_id"],
            network=data["network"],
            minutes=data["minutes"],
            reason=data["reason"],
        )
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
