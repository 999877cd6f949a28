"""The visitor namespace ``/livechat``: the widget's side of docs/protocol.md."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from flask_socketio import join_room

from ..errors import NotFoundError, RateLimited, StoreUnavailable
from ..host import current_host_user_id
from ..identity import visitor_id_from_request
from ..schemas import (
    EmptySchema,
    SendMessageSchema,
    VisitorHelloSchema,
    conversation_state_schema,
    load,
    message_schema,
)
from ..services.availability import agents_available
from ..services.consent import consent_state
from ..state import current_livechat
from .base import Ack, LiveChatNamespace, client_event, client_ip_key, current_sid, refusal
from .broadcast import broadcast_status
from .rooms import VISITOR_NAMESPACE, visitor_room

_hello_schema = VisitorHelloSchema()
_end_schema = EmptySchema()


class VisitorNamespace(LiveChatNamespace):
    client_events = frozenset({"hello", "send_message", "end_conversation"})

    def __init__(self) -> None:
        super().__init__(VISITOR_NAMESPACE)

    def on_connect(self, auth: Any = None) -> None:
        state = current_livechat
        try:
            state.limiter.hit("connect", client_ip_key())
        except RateLimited as error:
            raise refusal(error) from None
        consent = consent_state(current_app, request)
        cookie_visitor = (
            visitor_id_from_request(current_app, request) if consent.recognition_allowed else None
        )
        try:
            visitor = state.visitors.for_connection(cookie_visitor, host_user_id=current_host_user_id())
        except StoreUnavailable as error:
            raise refusal(error) from None
        self.connection().update(visitor_id=visitor.id if visitor else None, privacy=consent.to_wire())
        if visitor is not None:
            join_room(visitor_room(visitor.id))

    def on_disconnect(self, reason: Any = None) -> None:
        self.forget_connection()

    def _visitor_id_for_writing(self) -> str:
        """The connection's visitor, created now for a browser we do not recognise."""
        connection = self.connection()
        if connection["visitor_id"] is None:
            visitor = current_livechat.visitors.for_this_connection_only(host_user_id=current_host_user_id())
            connection["visitor_id"] = visitor.id
            join_room(visitor_room(visitor.id))
        visitor_id: str = connection["visitor_id"]
        return visitor_id

    @client_event
    def on_hello(self, payload: Any) -> Ack:
        load(_hello_schema, payload)
        visitor_id = self.connection()["visitor_id"]
        conversation, messages = (
            current_livechat.chat.visitor_state(visitor_id) if visitor_id is not None else (None, [])
        )
        return {
            "ok": True,
            "conversation": conversation_state_schema.dump(conversation) if conversation else None,
            "messages": message_schema.dump(messages, many=True),
            "agents_online": agents_available(self.socketio),
            "privacy": {**self.connection()["privacy"], "privacy_url": url_for("livechat_privacy.page")},
        }

    @client_event
    def on_send_message(self, payload: Any) -> Ack:
        return self.send_in_order(
            payload,
            SendMessageSchema,
            lambda data: current_livechat.chat.send_visitor_message(
                self._visitor_id_for_writing(), client_id=data["client_id"], body=data["body"]
            ),
            self._limit_message,
        )

    def _limit_message(self) -> None:
        """Per visitor, and looser per IP (many visitors can share one office or mobile network)."""
        limiter = current_livechat.limiter
        limiter.hit("message", f"visitor:{self.connection()['visitor_id'] or current_sid()}")
        limiter.hit("message_per_ip", client_ip_key())

    @client_event
    def on_end_conversation(self, payload: Any) -> Ack:
        load(_end_schema, payload)
        state = current_livechat
        visitor_id = self.connection()["visitor_id"]
        if visitor_id is None:
            raise NotFoundError("You have no open conversation.")
        stored = state.chat.end_for_visitor(visitor_id)
        broadcast_status(state.socketio, state.chat, stored, "visitor")
        return {"ok": True}
