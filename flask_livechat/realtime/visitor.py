"""The visitor namespace ``/livechat``: the widget's side of docs/protocol.md."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_socketio import join_room

from ..errors import StoreUnavailable
from ..identity import visitor_id_from_request
from ..schemas import (
    EmptySchema,
    RateConversationSchema,
    SendMessageSchema,
    VisitorHelloSchema,
    conversation_state_schema,
    load,
    message_schema,
)
from ..services import customer
from ..services.availability import agents_available
from ..services.moderation import Blocked
from ..state import current_livechat
from .agent_work import broadcast_visitor
from .base import Ack, LiveChatNamespace, client_event, current_sid, outage_logged
from .broadcast import broadcast_conversation, broadcast_status
from .rooms import VISITOR_NAMESPACE, VISITORS_ROOM, visitor_room

_hello_schema = VisitorHelloSchema()
_end_schema = EmptySchema()
_rate_schema = RateConversationSchema()


class VisitorNamespace(LiveChatNamespace):
    client_events = frozenset({"hello", "send_message", "end_conversation", "rate_conversation"})

    def __init__(self) -> None:
        super().__init__(VISITOR_NAMESPACE)

    def on_connect(self, auth: Any = None) -> None:
        state = current_livechat
        try:
            known_id = visitor_id_from_request(current_app, request)
            if state.moderation.is_blocked(known_id, request.remote_addr):
                raise ConnectionRefusedError({"code": Blocked.error_code, "message": Blocked.message})
            visitor = state.visitors.for_connection(known_id)
            host_user_id, context, staff = customer.customer_snapshot(state.livechat)
            if staff:
                state.store.update_visitor(visitor.id, staff=True)
            elif host_user_id is not None and context is not None:
                user = context["user"]
                state.store.update_visitor(
                    visitor.id,
                    host_user_id=host_user_id,
                    name=visitor.name or user["name"],
                    email=visitor.email or user["email"],
                )
            state.store.visitor_connected(current_sid(), visitor.id, customer=customer.encode(context))
        except StoreUnavailable:
            raise ConnectionRefusedError(
                {"code": StoreUnavailable.error_code, "message": StoreUnavailable.message}
            ) from None
        self.connection()["visitor_id"] = visitor.id
        join_room(visitor_room(visitor.id))
        join_room(VISITORS_ROOM)
        state.presence.ensure_reaper(current_app._get_current_object())  # type: ignore[attr-defined]
        broadcast_visitor(visitor.id)

    def on_disconnect(self, reason: Any = None) -> None:
        try:
            with outage_logged("visitor disconnect"):
                visitor_id = current_livechat.store.visitor_disconnected(current_sid())
                if visitor_id is not None:
                    broadcast_visitor(visitor_id)
        finally:
            self.forget_connection()

    @client_event
    def on_hello(self, payload: Any) -> Ack:
        data = load(_hello_schema, payload)
        state = current_livechat
        visitor_id = self.connection()["visitor_id"]
        page = data.get("page") or {}
        state.store.visitor_on_page(current_sid(), url=page.get("url"), title=page.get("title"))
        if page.get("url") and page.get("title"):
            state.store.title_page_view(visitor_id, page["url"], page["title"])
        if data.get("timezone"):
            state.store.update_visitor(visitor_id, timezone=data["timezone"])
        broadcast_visitor(visitor_id)
        conversation, messages = state.chat.visitor_state(visitor_id)
        return {
            "ok": True,
            "conversation": conversation_state_schema.dump(conversation) if conversation else None,
            "messages": message_schema.dump(messages, many=True),
            "agents_online": agents_available(self.socketio),
        }

    @client_event
    def on_send_message(self, payload: Any) -> Ack:
        visitor_id = self.connection()["visitor_id"]
        state = current_livechat
        state.moderation.check(visitor_id, request.remote_addr)
        return self.send_in_order(
            payload,
            SendMessageSchema,
            lambda data: state.chat.send_visitor_message(
                visitor_id, client_id=data["client_id"], body=data["body"]
            ),
        )

    @client_event
    def on_end_conversation(self, payload: Any) -> Ack:
        load(_end_schema, payload)
        state = current_livechat
        stored = state.chat.end_for_visitor(self.connection()["visitor_id"])
        broadcast_status(state.socketio, state.chat, stored, "visitor")
        return {"ok": True}

    @client_event
    def on_rate_conversation(self, payload: Any) -> Ack:
        """The visitor rates their closed conversation, once: 1 to 5 and an optional comment."""
        data = load(_rate_schema, payload)
        state = current_livechat
        comment = (data["comment"] or "").strip() or None
        conversation = state.workflow.rate(
            self.connection()["visitor_id"], data["conversation_id"], data["rating"], comment
        )
        broadcast_conversation(state.socketio, state.chat, conversation.id)
        return {"ok": True, "rating": conversation.rating, "comment": conversation.rating_comment}
