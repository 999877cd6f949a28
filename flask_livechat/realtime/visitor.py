"""The visitor namespace ``/livechat``: the widget's side of docs/protocol.md."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request, url_for
from flask_socketio import join_room

from .. import i18n
from ..caller import client_ip_key
from ..errors import RateLimited, StoreUnavailable
from ..identity import visitor_cookie
from ..schemas import (
    EmptySchema,
    FetchMessagesSchema,
    MarkReadSchema,
    PageChangeSchema,
    PrechatSchema,
    RateConversationSchema,
    SendMessageSchema,
    TypingSchema,
    VisitorHelloSchema,
    VisitorTranscriptSchema,
    conversation_state_schema,
    load,
    message_schema,
)
from ..services import customer
from ..services.attachments import links_for_visitor
from ..services.consent import consent_state
from ..services.departments import department_for_path
from ..services.moderation import Blocked
from ..services.prechat import check_answers
from ..services.transcripts import address_digest
from ..state import LiveChatState, current_livechat
from ..visitor_session import session_token, visitor_id_from_session
from .availability import watch_business_hours
from .base import (
    HELLO_LIMIT,
    HELLO_WINDOW_SECONDS,
    Ack,
    LiveChatNamespace,
    client_event,
    current_sid,
    outage_logged,
    peek_client_seq,
    refusal,
    throttle,
)
from .resume import fetch_ack, messages_after
from .rooms import VISITOR_NAMESPACE, VISITORS_ROOM, visitor_room
from .team import team
from .typing_reads import should_relay_typing, typing_reads

_hello_schema = VisitorHelloSchema()
_end_schema = EmptySchema()
_typing_schema = TypingSchema()
_read_schema = MarkReadSchema()
_prechat_schema = PrechatSchema()
_rate_schema = RateConversationSchema()
_transcript_schema = VisitorTranscriptSchema()


def _verified_email(connection: dict[str, Any]) -> str | None:
    """The logged-in customer's own address, from the host's user (the host verified it); else ``None``."""
    context = connection["snapshot"][1]
    email = context["user"].get("email") if context else None
    return email if isinstance(email, str) and "@" in email else None


_fetch_schema = FetchMessagesSchema()
_page_schema = PageChangeSchema()

#: Route changes of a single-page app: a router loop must not become a write loop.
PAGE_LIMIT = 10
PAGE_WINDOW_SECONDS = 10.0


class VisitorNamespace(LiveChatNamespace):
    client_events = frozenset(
        {
            "hello",
            "send_message",
            "email_transcript",
            "end_conversation",
            "typing",
            "mark_read",
            "submit_prechat",
            "rate_conversation",
            "fetch_messages",
            "page",
        }
    )

    def __init__(self) -> None:
        super().__init__(VISITOR_NAMESPACE)

    def trigger_event(self, event: Any, *args: Any) -> Any:
        if event == "send_message" and len(args) == 2:
            refused = self._refused_at_once(args[0], args[1])
            if refused is not None:
                return refused
        return super().trigger_event(event, *args)

    def _refused_at_once(self, sid: str, payload: Any) -> Ack | None:
        """Past saturation, the ``overloaded`` ack before any work (no Flask request context, session or
        schema): when refusals outnumber what is stored, each must cost next to nothing, or they take the
        capacity they protect. Only when the refusal cannot overtake anything of its connection (its turn
        would not have waited); otherwise it is refused in its turn as before."""
        connection = self._connections.get(sid)
        app: Flask | None = (self.server.get_environ(sid, namespace=self.namespace) or {}).get("flask.app")
        state: LiveChatState | None = app.extensions.get("livechat") if app is not None else None
        if connection is None or state is None:
            return None
        refused = state.admission.refusal(connection, counted=False)
        if refused is None or not state.send_order.settle_unstarted(sid, peek_client_seq(payload)):
            return None
        return refused.to_ack()

    def on_connect(self, auth: Any = None) -> None:
        state = current_livechat
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        auth = auth if isinstance(auth, dict) else {}
        try:
            state.limiter.hit("connect", client_ip_key())
        except RateLimited as error:
            raise refusal(error) from None
        consent = consent_state(app, request)
        # The cookie first, when recognition is allowed; otherwise (cookies blocked, consent declined or not
        # given yet) the page session token the widget got in an earlier hello, so a reconnect keeps the
        # conversation of this page.
        cookie = visitor_cookie(app, request) if consent.recognition_allowed else None
        session_id = visitor_id_from_session(app, auth.get("session"))
        known = cookie[0] if cookie else session_id
        try:
            if state.moderation.is_blocked(known, request.remote_addr):
                raise refusal(Blocked())
            snapshot = customer.customer_snapshot(state.livechat)
            # A pending cookie (the browser's first page had none): opening the chat makes it a visitor.
            pending = bool(cookie and cookie[1])
            visitor = state.visitors.connected(current_sid(), known, snapshot, pending=pending)
        except StoreUnavailable as error:
            raise refusal(error) from None
        connection = self.open_connection()
        # A visitor we do not recognise is not stored until they write (``_start_storing``).
        connection["visitor_id"] = visitor.id if visitor else state.visitors.unstored_id(session_id)
        connection["persistent"] = bool(visitor and visitor.persistent)
        connection["stored"] = visitor is not None
        connection["snapshot"] = snapshot
        connection["privacy"] = consent.to_wire()
        language = auth.get("language")
        connection["language"] = (
            i18n.normalize_language(app, language)
            if isinstance(language, str)
            else i18n.language_for(app, request)
        )
        join_room(visitor_room(connection["visitor_id"]))
        join_room(VISITORS_ROOM)
        watch_business_hours(state.socketio, app)
        state.sweeper.ensure_running(app)

    def on_disconnect(self, reason: Any = None) -> None:
        try:
            with outage_logged("visitor disconnect"):
                current_livechat.visitors.disconnected(current_sid())
        finally:
            self.forget_connection()

    @client_event
    def on_hello(self, payload: Any) -> Ack:
        throttle(self.connection(), "hello", HELLO_LIMIT, HELLO_WINDOW_SECONDS)
        data = load(_hello_schema, payload)
        state = current_livechat
        connection = self.connection()
        visitor_id = connection["visitor_id"]
        page = data.get("page") or {}
        learned: dict[str, Any] = {}
        if data.get("timezone") and connection["persistent"]:
            learned["timezone"] = data["timezone"]
        department = department_for_path(current_app.config, page["url"]) if page.get("url") else None
        if not connection["persistent"] and department is not None:
            # A visitor we do not recognise has no page views: their page tells us their department.
            learned["department"] = department
        if connection["stored"]:
            state.visitors.on_page(
                current_sid(),
                visitor_id,
                url=page.get("url"),
                title=page.get("title"),
                learned=learned,
                # A recognised visitor whose page views were not stored (recognised only since the notice on
                # this page) has no department yet: without one, no department's agent would see their chat.
                page_department=department,
            )
        else:  # kept with the connection, stored only if they write
            connection["department"] = learned.get("department", department)
            connection["page"] = (page.get("url"), page.get("title"))
        conversation, messages, more = self._resume(visitor_id, data)
        persistent = self.connection()["persistent"]
        host_user_id = self.connection()["snapshot"][0]
        # Earlier conversations: this browser's (with our cookie), and a logged-in customer's from any device.
        history = state.chat.earlier_messages(visitor_id, host_user_id) if persistent or host_user_id else []
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        with links_for_visitor(visitor_id):
            dumped, dumped_history = (message_schema.dump(m, many=True) for m in (messages, history))
        return {
            "ok": True,
            "conversation": conversation_state_schema.dump(conversation) if conversation else None,
            "messages": dumped,
            "more": more,
            "agents_online": state.availability.available(),
            "team": team(),
            "privacy": {**self.connection()["privacy"], "privacy_url": url_for("livechat_privacy.page")},
            "business_hours": state.availability.within_business_hours(),
            "history": dumped_history,
            "read": state.chat.read_marks(conversation.id) if conversation else {"visitor": 0, "agent": 0},
            "prechat_done": state.visitors.prechat_done(visitor_id),
            "session": session_token(app, visitor_id),
            # False without the visitor cookie: the widget then proves who it is with the session token.
            "remembered": persistent,
            # "Email me this chat" goes here (masked); null: no mail set up or no address known.
            "transcript_to": state.transcripts.offer(visitor_id, _verified_email(self.connection())),
        }

    @staticmethod
    def _resume(visitor_id: str, data: dict[str, Any]) -> tuple[Any, list[Any], bool]:
        """The open conversation and its messages: all of them, or only those after ``last_seq`` when the
        widget says which seq of this same conversation it already has."""
        conversation = current_livechat.chat.open_conversation_of(visitor_id)
        if conversation is None:
            return None, [], False
        last_seq = data.get("last_seq")
        known = data.get("conversation_id")
        after = last_seq if last_seq is not None and known in (None, conversation.id) else 0
        messages, more = messages_after(conversation.id, after)
        return conversation, messages, more

    @client_event
    def on_fetch_messages(self, payload: Any) -> Ack:
        """The messages of the visitor's own conversation after ``after_seq`` (a gap, or after a resume)."""
        data = load(_fetch_schema, payload)
        visitor_id = self.connection()["visitor_id"]
        conversation = current_livechat.chat.visitor_conversation(visitor_id, data.get("conversation_id"))
        with links_for_visitor(visitor_id):
            return fetch_ack(conversation, data["after_seq"])

    @client_event
    def on_send_message(self, payload: Any) -> Ack:
        """Refused at once while the process is past saturation (overload.py); otherwise in send order."""
        connection = self.connection()
        visitor_id = connection["visitor_id"]
        state = current_livechat
        with state.admission.counted():
            return self.send_in_order(
                payload,
                SendMessageSchema,
                lambda data: state.chat.send_visitor_message(
                    visitor_id, client_id=data["client_id"], body=data["body"]
                ),
                self._may_send,
            )

    def _may_send(self) -> None:
        """Blocked visitors may not; the rest within their limits: per visitor, and looser per IP (many
        visitors share an office or mobile network), and not past saturation. Checked in the send's turn, so
        a refusal keeps order."""
        current_livechat.admission.check(self.connection())
        current_livechat.moderation.check(self.connection()["visitor_id"], request.remote_addr)
        limiter = current_livechat.limiter
        limiter.hit("message", f"visitor:{self.connection()['visitor_id']}")
        limiter.hit("message_per_ip", client_ip_key())
        self._start_storing()

    def _start_storing(self) -> None:
        """The visitor wrote: one we do not recognise is stored from now on (the least the chat needs)."""
        connection = self.connection()
        if connection["stored"]:
            return
        current_livechat.visitors.start_storing(
            current_sid(),
            connection["visitor_id"],
            connection["snapshot"],
            department=connection.get("department"),
            page=connection.get("page"),
        )
        connection["stored"] = True

    @client_event
    def on_end_conversation(self, payload: Any) -> Ack:
        load(_end_schema, payload)
        current_livechat.chat.end_for_visitor(self.connection()["visitor_id"])
        return {"ok": True}

    @client_event
    def on_page(self, payload: Any) -> Ack:
        """The page API's ``pageview()`` with the chat loaded: agents see the visitor's new route at once."""
        throttle(self.connection(), "page", PAGE_LIMIT, PAGE_WINDOW_SECONDS)
        page = load(_page_schema, payload)["page"]
        connection = self.connection()
        if not connection["stored"]:
            connection["page"] = (page.get("url"), page.get("title"))
            return {"ok": True}
        current_livechat.visitors.on_page(
            current_sid(),
            self.connection()["visitor_id"],
            url=page.get("url"),
            title=page.get("title"),
            learned={},
        )
        return {"ok": True}

    @client_event
    def on_typing(self, payload: Any) -> Ack:
        data = load(_typing_schema, payload)
        conversation = typing_reads().visitor_conversation(self.connection()["visitor_id"])
        if should_relay_typing(self.connection(), conversation.id, data["typing"]):
            current_livechat.pusher.visitor_typing(conversation, data["typing"])
        return {"ok": True}

    @client_event
    def on_mark_read(self, payload: Any) -> Ack:
        data = load(_read_schema, payload)
        service = typing_reads()
        conversation = service.visitor_conversation(self.connection()["visitor_id"])
        move = service.mark_read(conversation, "visitor", data["seq"])
        return {
            "ok": True,
            "seq": move.seq if move.seq is not None else service.read_marks(conversation.id)["visitor"],
        }

    @client_event
    def on_submit_prechat(self, payload: Any) -> Ack:
        data = load(_prechat_schema, payload)
        answers = check_answers(data["answers"], self.connection()["language"])
        self._start_storing()
        current_livechat.visitors.save_answers(self.connection()["visitor_id"], answers)
        return {"ok": True}

    @client_event
    def on_email_transcript(self, payload: Any) -> Ack:
        """The visitor's own transcript by email: to the address the host verified (a logged-in customer's)
        at once; to an address they only typed, through a confirmation link mailed to it first. Rate limited
        per visitor, per address and per IP, so the widget cannot be used to flood an inbox."""
        data = load(_transcript_schema, payload)
        state = current_livechat
        connection = self.connection()
        visitor_id = connection["visitor_id"]
        verified = _verified_email(connection)
        found = state.transcripts.visitor_address(visitor_id, verified)
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        address_key = f"address:{address_digest(app, found[0])}" if found else None
        state.limiter.hit("transcript_mail", f"visitor:{visitor_id}", address_key, client_ip_key())
        result, to = state.transcripts.for_visitor(visitor_id, data["conversation_id"], verified)
        return {"ok": True, "result": result, "to": to}

    @client_event
    def on_rate_conversation(self, payload: Any) -> Ack:
        """The visitor rates their closed conversation, once: 1 to 5 and an optional comment."""
        data = load(_rate_schema, payload)
        comment = (data["comment"] or "").strip() or None
        conversation = current_livechat.workflow.rate(
            self.connection()["visitor_id"], data["conversation_id"], data["rating"], comment
        )
        return {"ok": True, "rating": conversation.rating, "comment": conversation.rating_comment}
