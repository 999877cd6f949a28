"""Per-app state in ``app.extensions["livechat"]`` and the ``current_livechat`` proxy that reaches it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from flask import current_app
from werkzeug.local import LocalProxy

if TYPE_CHECKING:  # for the annotations only: this module sits below everything it names
    from flask_socketio import SocketIO

    from .extension import LiveChat
    from .realtime.ordering import SendOrder
    from .realtime.overload import AdmissionGate
    from .realtime.push import Pusher
    from .realtime.revocation import AgentRecheck
    from .realtime.sweeper import PresenceSweeper
    from .realtime.webhooks import WebhookWorker
    from .services.api_tokens import ApiTokenService
    from .services.availability import AvailabilityService
    from .services.canned import CannedService
    from .services.chat import ChatService
    from .services.history import HistoryService
    from .services.maintenance import MaintenanceService
    from .services.moderation import ModerationService
    from .services.offline import OfflineService
    from .services.presence import PresenceService
    from .services.privacy import PrivacyService
    from .services.ratelimit import RateLimiter
    from .services.reports import ReportService
    from .services.transcripts import TranscriptMailer
    from .services.typing_reads import TypingReadsService
    from .services.visitors import VisitorService
    from .services.webhooks import WebhookService
    from .services.workflow import WorkflowService
    from .store import Store


@dataclass
class LiveChatState:
    """Everything one app's chat needs; handlers and views reach it through ``current_livechat``."""

    livechat: LiveChat
    store: Store
    socketio: SocketIO
    visitors: VisitorService
    chat: ChatService
    send_order: SendOrder
    #: This process's visitor messages in flight, and their refusal past saturation.
    admission: AdmissionGate
    privacy: PrivacyService
    limiter: RateLimiter
    agent_recheck: AgentRecheck
    presence: PresenceService
    workflow: WorkflowService
    history: HistoryService
    transcripts: TranscriptMailer
    moderation: ModerationService
    availability: AvailabilityService
    typing_reads: TypingReadsService
    canned: CannedService
    offline: OfflineService
    maintenance: MaintenanceService
    #: The admin's reports (views/reports.py).
    reports: ReportService
    #: The REST API's personal access tokens (views/api/).
    api_tokens: ApiTokenService
    #: The one push path: turns the services' published changes into emits.
    pusher: Pusher
    #: This process's presence refresh-and-sweep task.
    sweeper: PresenceSweeper
    #: Outgoing webhooks: endpoints, deliveries (services/webhooks.py).
    webhooks: WebhookService
    #: This process's webhook delivery thread.
    webhook_worker: WebhookWorker
    #: The loader tag's attributes that every page of a language shares, by (language, script root).
    script_tags: dict[tuple[str, str], str] = field(default_factory=dict)

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
