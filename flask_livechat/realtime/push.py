"""The one push path: every change a client must see becomes its Socket.IO events here, and only here.

Services publish ``changes.Change`` values after they commit (``changes.publish``); ``connect`` subscribes
this module for one app, and ``_emit_change`` sends each change to the rooms that may hear it. Ephemeral
relays that store nothing (typing) are sent from here too, so no other module calls ``emit``.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from flask import Flask
from flask_socketio import SocketIO

from .. import changes
from ..errors import StoreUnavailable
from ..schemas import (
    conversation_activity_schema,
    conversation_schema,
    live_visitor_schema,
    message_schema,
    note_schema,
)
from ..services.attachments import links_for_visitor
from ..state import current_livechat
from ..store import ConversationRecord
from .rooms import (
    AGENT_NAMESPACE,
    AGENTS_ROOM,
    VISITOR_NAMESPACE,
    VISITORS_ROOM,
    agent_room,
    audience,
    conversation_room,
    department_room,
    local_sids,
    visitor_room,
)
from .team import team
from .visitor_pushes import VisitorPushes

logger = logging.getLogger("flask_livechat")


class Pusher:
    """Turns one app's changes into emits on its SocketIO server."""

    def __init__(self, app: Flask, socketio: SocketIO) -> None:
        self.socketio = socketio
        #: ``visitor_updated`` at most once per visitor per LIVECHAT_VISITOR_PUSH_INTERVAL (page-view floods).
        self.visitor_pushes = VisitorPushes(app, socketio, self.visitor_updated)
        #: What widgets were last told about availability, so they hear only of a change.
        self._last_available: bool | None = None
        #: The team widgets were last told about (names and pictures), likewise.
        self._last_team: list[dict[str, Any]] | None = None

    def _to_agents(self, event: str, payload: Any, room: str | list[str]) -> None:
        self.socketio.emit(event, payload, to=room, namespace=AGENT_NAMESPACE)

    def _to_visitor(self, event: str, payload: Any, visitor_id: str) -> None:
        self.socketio.emit(event, payload, to=visitor_room(visitor_id), namespace=VISITOR_NAMESPACE)

    # --- changes ------------------------------------------------------------------------------

    def on_change(self, _app: Flask, change: changes.Change, **_: Any) -> None:
        try:
            self.push(change)
        except StoreUnavailable:
            logger.warning(
                "flask-livechat: %s not pushed, the chat store is unavailable", type(change).__name__
            )
        except Exception:
            # Committed is committed: the caller still succeeds, and clients catch up when they resume.
            logger.exception("flask-livechat: %s committed but not pushed", type(change).__name__)

    @functools.singledispatchmethod
    def push(self, change: changes.Change) -> None:
        raise TypeError(f"no push for {type(change).__name__}")

    @push.register
    def _(self, change: changes.MessageStored) -> None:
        payload = message_schema.dump(change.stored.message)
        conversation = change.stored.conversation
        visitor_payload = payload
        if change.stored.message.attachment_id is not None:  # the visitor gets links of their own
            cookie = None
            if change.stored.message.sender != "visitor":  # not their request: do they have our cookie?
                visitor = current_livechat.visitors.get(conversation.visitor_id)
                cookie = bool(visitor and visitor.persistent)
            with links_for_visitor(conversation.visitor_id, has_cookie=cookie):
                visitor_payload = message_schema.dump(change.stored.message)
        self._to_visitor("new_message", visitor_payload, conversation.visitor_id)
        self._to_agents("new_message", payload, conversation_room(conversation.id))
        if change.stored.opened_conversation:
            self.conversation_updated(conversation.id)
        else:
            # Only what the message changed: the store already returned it, so no summary is read again
            # per message. Consoles merge it into the summary they have (docs/protocol.md).
            activity = conversation_activity_schema.dump(conversation)
            activity["last_message"] = payload
            activity["partial"] = True
            self._to_agents("conversation_updated", activity, audience(conversation.department))

    @push.register
    def _(self, change: changes.StatusChanged) -> None:
        self.push(changes.MessageStored(change.stored))
        conversation = change.stored.conversation
        self._to_visitor(
            "conversation_status",
            {
                "conversation_id": conversation.id,
                "status": conversation.status,
                "by": change.by,
                "rate": change.ask_rating,
            },
            conversation.visitor_id,
        )

    @push.register
    def _(self, change: changes.ConversationChanged) -> None:
        self.conversation_updated(change.conversation_id)

    @push.register
    def _(self, change: changes.ConversationAssigned) -> None:
        self._to_agents(
            "conversation_assigned",
            {
                "conversation": conversation_schema.dump(change.conversation),
                "by": change.by,
                "note": change.note,
                "transfer": change.transfer,
            },
            agent_room(change.agent_id),
        )
        self.conversation_updated(change.conversation.id)

    @push.register
    def _(self, change: changes.NoteAdded) -> None:
        self._to_agents(
            "note_added", note_schema.dump(change.note), conversation_room(change.note.conversation_id)
        )

    @push.register
    def _(self, change: changes.VisitorInvited) -> None:
        self._to_visitor(
            "invitation",
            {
                "conversation_id": change.stored.conversation.id,
                "message": message_schema.dump(change.stored.message),
            },
            change.visitor_id,
        )

    @push.register
    def _(self, change: changes.MessageDeleted) -> None:
        event = {"conversation_id": change.conversation_id, "message_id": change.message_id}
        if change.visitor_id is not None:
            self._to_visitor("message_deleted", event, change.visitor_id)
        self._to_agents("message_deleted", event, conversation_room(change.conversation_id))
        self.conversation_updated(change.conversation_id)

    @push.register
    def _(self, change: changes.VisitorChanged) -> None:
        if current_livechat.presence.consoles_open():  # else nobody would hear it: not even a query
            self.visitor_pushes.changed(change.visitor_id)

    @push.register
    def _(self, change: changes.VisitorLeftDepartment) -> None:
        if not current_livechat.presence.consoles_open():
            return
        # Sent before the visitor's new state, so an agent of both departments keeps them listed.
        self._to_agents(
            "visitor_updated", {"id": change.visitor_id, "listed": False}, department_room(change.department)
        )

    @push.register
    def _(self, change: changes.ViewersChanged) -> None:
        self._to_agents(
            "viewers",
            {
                "conversation_id": change.conversation_id,
                "viewers": current_livechat.presence.viewers(change.conversation_id),
            },
            conversation_room(change.conversation_id),
        )

    @push.register
    def _(self, change: changes.ReadMoved) -> None:
        # The other side shows "Seen"; the reader's other tabs clear their unread count.
        payload = {"conversation_id": change.conversation.id, "reader": change.reader, "seq": change.seq}
        self._to_visitor("read", payload, change.conversation.visitor_id)
        self._to_agents("read", payload, conversation_room(change.conversation.id))

    @push.register
    def _(self, change: changes.PresenceChanged) -> None:
        self._to_agents("agent_presence", {"agents": current_livechat.presence.agents_payload()}, AGENTS_ROOM)
        self.availability_check()
        self.team_check()

    @push.register
    def _(self, change: changes.VisitorBlocked) -> None:
        # This process's open widgets of the visitor are cut off now; other processes refuse the reconnect.
        server = self.socketio.server
        for sid in local_sids(self.socketio, VISITOR_NAMESPACE, visitor_room(change.visitor_id)):
            server.disconnect(sid, namespace=VISITOR_NAMESPACE)

    # --- shared pieces ------------------------------------------------------------------------

    def visitor_updated(self, visitor_id: str) -> None:
        """A visitor's entry to the agents who may see them (their department's, and admins)."""
        found = current_livechat.visitors.live_visitor(visitor_id)
        if found is not None:
            self._to_agents(
                "visitor_updated", live_visitor_schema.dump(found), audience(found.visitor.department)
            )

    def conversation_updated(self, conversation_id: str) -> None:
        """``conversation_updated`` to the agents who may see the conversation (its department's, admins)."""
        summary = current_livechat.chat.summary(conversation_id)
        if summary is not None:
            self._to_agents(
                "conversation_updated", conversation_schema.dump(summary), audience(summary.department)
            )

    def availability_check(self) -> None:
        """Tells widgets whether anyone can answer, when that changed (agents came or went, hours began or
        ended): the same decision ``hello`` reports."""
        available = current_livechat.availability.available()
        if available != self._last_available:
            self._last_available = available
            self.socketio.emit(
                "availability", {"agents_online": available}, to=VISITORS_ROOM, namespace=VISITOR_NAMESPACE
            )

    def team_check(self) -> None:
        """Tells widgets who is on the team now (their header), when that changed."""
        now = team()
        if now != self._last_team:
            self._last_team = now
            self.socketio.emit("team", {"team": now}, to=VISITORS_ROOM, namespace=VISITOR_NAMESPACE)

    def access_changed(self, sid: str, reason: str) -> None:
        """One console connection's rights changed (revocation.py disconnects it next): it says why. The
        connection is this process's own (the recheck looks at local ones only), so the emit skips the
        message queue."""
        self.socketio.emit(
            "access_changed", {"reason": reason}, to=sid, namespace=AGENT_NAMESPACE, ignore_queue=True
        )

    def visitor_typing(self, conversation: ConversationRecord, typing: bool) -> None:
        self._to_agents(
            "typing",
            {"conversation_id": conversation.id, "typing": typing},
            conversation_room(conversation.id),
        )

    def agent_typing(self, conversation: ConversationRecord, author: str, typing: bool) -> None:
        self._to_visitor(
            "typing",
            {"conversation_id": conversation.id, "author": author, "typing": typing},
            conversation.visitor_id,
        )


def connect(app: Flask, socketio: SocketIO) -> Pusher:
    """Subscribes a ``Pusher`` to ``app``'s changes; the app keeps it (blinker holds it strongly)."""
    pusher = Pusher(app, socketio)
    changes.changed.connect(pusher.on_change, sender=app, weak=False)
    return pusher
