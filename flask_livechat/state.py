"""Per-app state in ``app.extensions["livechat"]`` and the ``current_livechat`` proxy that reaches it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from flask import current_app
from flask_socketio import SocketIO
from werkzeug.local import LocalProxy

from .realtime.ordering import SendOrder
from .realtime.revocation import AgentRecheck
from .services.chat import ChatService
from .services.history import HistoryService
from .services.moderation import ModerationService
from .services.presence import PresenceService
from .services.privacy import PrivacyService
from .services.ratelimit import RateLimiter
from .services.transcripts import TranscriptMailer
from .services.visitors import VisitorService
from .services.workflow import WorkflowService
from .store import Store

if TYPE_CHECKING:
    from .extension import LiveChat


@dataclass
class LiveChatState:
    """Everything one app's chat needs; handlers and views reach it through ``current_livechat``."""

    livechat: LiveChat
    store: Store
    socketio: SocketIO
    visitors: VisitorService
    chat: ChatService
    send_order: SendOrder
    privacy: PrivacyService
    limiter: RateLimiter
    agent_recheck: AgentRecheck
    presence: PresenceService
    workflow: WorkflowService
    history: HistoryService
    transcripts: TranscriptMailer
    moderation: ModerationService

    @property
    def socketio_path(self) -> str:
        """The path the host's Socket.IO server answers on, for the widget and the console."""
        middleware = getattr(self.socketio, "sockio_mw", None)
        path = getattr(middleware, "engineio_path", None) or self.socketio.server_options.get(
            "path", "socket.io"
        )
        return "/" + str(path).strip("/")


def _state() -> LiveChatState:
    try:
        return cast(LiveChatState, current_app.extensions["livechat"])
    except KeyError:
        raise RuntimeError(
            "flask-livechat is not set up on this app: call LiveChat(app) or livechat.init_app(app) first."
        ) from None


#: The current app's ``LiveChatState``, for views and handlers.
current_livechat: LiveChatState = cast(LiveChatState, LocalProxy(_state))
