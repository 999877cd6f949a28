"""The ``LiveChat`` extension object and the per-app state it keeps in ``app.extensions["livechat"]``."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import weakref
from datetime import timedelta
from typing import Any, TypeVar

import socketio as python_socketio
from flask import Flask, current_app
from flask_socketio import SocketIO

from . import capture, cli, config, csp, host_request, inject, neighbours, serving, widget_config
from .changes import VisitorChanged, publish
from .connection_cap import ConnectionCap
from .errors import ConfigError
from .host import (
    AgentAvatarLoader,
    BillingLoader,
    DepartmentLoader,
    EraseHook,
    ExportHook,
    RoleLoader,
    UserLoader,
    departments_attribute,
    flask_login_user,
    no_billing,
    role_attribute,
)
from .realtime import push, revocation
from .realtime.agent import AgentNamespace
from .realtime.ordering import SendOrder
from .realtime.overload import AdmissionGate
from .realtime.revocation import AgentRecheck
from .realtime.sweeper import PresenceSweeper
from .realtime.visitor import VisitorNamespace
from .realtime.webhooks import WebhookWorker
from .services import mail, retention
from .services.api_tokens import ApiTokenService
from .services.audit import AuditLog
from .services.availability import AvailabilityService
from .services.canned import CannedService
from .services.chat import ChatService
from .services.group_commit import GroupCommit
from .services.history import HistoryService
from .services.maintenance import MaintenanceService
from .services.moderation import ModerationService
from .services.offline import OfflineService
from .services.page_view_batch import PageViewBatch
from .services.presence import PresenceService
from .services.privacy import PrivacyService, Subject
from .services.privacy_notice import warn_without_controller
from .services.ratelimit import RateLimiter
from .services.redact import MaskingFilter
from .services.reports import ReportService
from .services.transcripts import TranscriptMailer
from .services.typing_reads import TypingReadsService
from .services.visitors import VisitorService
from .services.webhooks import WebhookService
from .services.workflow import WorkflowService
from .session_sweep import sweep_instead_of_service_task
from .signals import account_deleted
from .state import LiveChatState, current_livechat
from .store import Store
from .transport_guard import TransportGuard, guard_socketio_server
from .views import api as api_views
from .views import privacy as privacy_views
from .views import widget as widget_views
from .views.agent import create_blueprint

__all__ = ["LiveChat", "current_livechat"]

# Each seam decorator is typed against its Protocol (host.py), so a callback of the wrong shape fails mypy.
UserLoaderT = TypeVar("UserLoaderT", bound=UserLoader)
RoleLoaderT = TypeVar("RoleLoaderT", bound=RoleLoader)
BillingLoaderT = TypeVar("BillingLoaderT", bound=BillingLoader)
DepartmentLoaderT = TypeVar("DepartmentLoaderT", bound=DepartmentLoader)
AgentAvatarLoaderT = TypeVar("AgentAvatarLoaderT", bound=AgentAvatarLoader)
ExportHookT = TypeVar("ExportHookT", bound=ExportHook)
EraseHookT = TypeVar("EraseHookT", bound=EraseHook)

logger = logging.getLogger("flask_livechat")

#: SocketIO servers that already carry our namespaces (several apps may share one server).
_servers_with_namespaces: weakref.WeakSet[SocketIO] = weakref.WeakSet()


def database_url(app: Flask) -> str:
    url = app.config["LIVECHAT_DATABASE_URL"]
    memory = bool(url) and _is_sqlite_memory(str(url))
    if url and not memory:
        return str(url)
    folder = app.instance_path
    if app.testing or memory:
        # An in-memory SQLite URL (a host's test config shared with the chat) is one database per
        # connection: a throwaway file keeps "nothing kept" and works across the chat's threads.
        folder = throwaway_folder(app)
    os.makedirs(folder, exist_ok=True)
    return "sqlite:///" + os.path.join(folder, "livechat.sqlite3")


def _is_sqlite_memory(url: str) -> bool:
    name, _, rest = url.partition("://")
    database = rest.split("?", 1)[0]
    return name.split("+", 1)[0] == "sqlite" and database in ("", "/", "/:memory:")


def throwaway_folder(app: Flask) -> str:
    """Under ``app.testing`` the chat keeps its default files (database, attachments) in a temporary folder
    removed at exit, so a host's test suite never writes into its real instance folder."""
    folder = tempfile.mkdtemp(prefix="livechat-test-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    if not app.config["LIVECHAT_ATTACHMENT_FOLDER"] and app.config["LIVECHAT_ATTACHMENT_STORAGE"] is None:
        app.config["LIVECHAT_ATTACHMENT_FOLDER"] = os.path.join(folder, "livechat-attachments")
    return folder


class LiveChat:
    """Live chat for a Flask app: ``LiveChat(app)``, or ``livechat = LiveChat()`` then ``init_app(app)``.

    ``socketio`` is the host's ``SocketIO`` when it has one; otherwise the app's registered SocketIO is used,
    or one is created from the ``LIVECHAT_*`` socket settings. Host seams are registered with the
    ``user_loader``, ``role_loader``, ``billing_loader`` and ``department_loader`` decorators.
    """

    def __init__(self, app: Flask | None = None, socketio: SocketIO | None = None) -> None:
        self._socketio = socketio
        self.load_user: UserLoader = flask_login_user
        self.load_role: RoleLoader = role_attribute
        self.load_billing: BillingLoader = no_billing
        self.export_host_user: ExportHook | None = None
        self.erase_host_user: EraseHook | None = None
        self.load_departments: DepartmentLoader = departments_attribute
        self.load_agent_avatar: AgentAvatarLoader | None = None
        if app is not None:
            self.init_app(app)

    def user_loader(self, callback: UserLoaderT) -> UserLoaderT:
        """Registers the ``UserLoader``: who is logged in to the host right now."""
        self.load_user = callback
        return callback

    def role_loader(self, callback: RoleLoaderT) -> RoleLoaderT:
        """Registers the ``RoleLoader``: which host users are agents or admins."""
        self.load_role = callback
        return callback

    def billing_loader(self, callback: BillingLoaderT) -> BillingLoaderT:
        """Registers the ``BillingLoader``: a customer's plan and card summary, shown to agents."""
        self.load_billing = callback
        return callback

    def department_loader(self, callback: DepartmentLoaderT) -> DepartmentLoaderT:
        """Registers the ``DepartmentLoader``: which LIVECHAT_DEPARTMENTS a staff user works in."""
        self.load_departments = callback
        return callback

    def agent_avatar(self, callback: AgentAvatarLoaderT) -> AgentAvatarLoaderT:
        """Registers the ``AgentAvatarLoader``: the picture of an online agent in the widget's header."""
        self.load_agent_avatar = callback
        return callback

    def export_hook(self, callback: ExportHookT) -> ExportHookT:
        """Registers the ``ExportHook``: the host's own rows about a user, added to their data export."""
        self.export_host_user = callback
        return callback

    def erase_hook(self, callback: EraseHookT) -> EraseHookT:
        """Registers the ``EraseHook``: deletes the host's own rows when an admin erases a subject."""
        self.erase_host_user = callback
        return callback

    def erase_account(self, host_user_id: str) -> int:
        """Call when your app deletes a user account: erases that user's chat data (not your rows) and
        revokes the API tokens acting as them."""
        current_livechat.api_tokens.revoke_for_agent(str(host_user_id), actor="account deletion")
        return current_livechat.privacy.erase(
            Subject(host_user_id=str(host_user_id)), actor="account deletion", include_host=False
        )

    def send_mail(self, to: str, subject: str, text: str, *, kind: str = "promotional") -> bool:
        """Sends one email through the chat's mail settings, with the unsubscribe link and the opt-out check
        every mailing needs (``kind``: "promotional" or "transactional"). ``False`` when ``to`` opted out;
        SMTP failures raise. Call it inside a request or with ``SERVER_NAME`` set."""
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        return mail.send_mail(app, current_livechat.store, to, subject, text, kind=kind)

    def revoke_agent(self, host_user_id: str) -> int:
        """Disconnects a staff member's console sockets now and revokes the API tokens acting as them (call
        it when you disable them or change roles; logging out through Flask-Login closes the sockets, and
        keeps the tokens). Returns how many sockets were closed."""
        current_livechat.api_tokens.revoke_for_agent(str(host_user_id), actor="LiveChat.revoke_agent")
        return revocation.revoke_agent(current_livechat.socketio, str(host_user_id))

    def is_opted_out(self, email: str, kind: str = "promotional") -> bool:
        """Whether ``email`` unsubscribed from ``kind`` ("promotional" or "transactional") mail."""
        return current_livechat.privacy.is_opted_out(email.strip().lower(), kind)

    def init_app(self, app: Flask) -> None:
        if "livechat" in app.extensions:
            raise RuntimeError(
                "flask-livechat is already set up on this app. Create one LiveChat per app and call "
                "init_app once; reach it later through current_livechat."
            )
        config.apply_defaults(app)
        config.validate(app)
        if not any(isinstance(existing, MaskingFilter) for existing in logger.filters):
            logger.addFilter(MaskingFilter())
        widget_config.validate(app)
        warn_without_controller(app.config, debug=app.debug, testing=app.testing)

        # Every check that can refuse the config runs before the store is made, so a refusal leaves nothing
        # open behind it; the tables are made on first use (building an app, as a host's factory test
        # does, writes nothing).
        socketio = self._socketio or app.extensions.get("socketio") or self._create_socketio(app)
        if socketio.server is not None:
            self._check_server(socketio)
            self._configure_engine(app, socketio)
        else:
            config.check_origins(socketio.server_options.get("cors_allowed_origins"))
        store = Store(database_url(app), auto_migrate=bool(app.config["LIVECHAT_AUTO_MIGRATE"]))
        self._register_namespaces(socketio)

        group_commit = (
            GroupCommit(
                store.conversations.add_visitor_messages,
                # The server may not exist yet (the host's init_app comes later): looked up per message.
                new_event=lambda: socketio.server.eio.create_event(),
                sleep=socketio.sleep,
                max_batch=app.config["LIVECHAT_GROUP_COMMIT"],
                writers=store.database.concurrent_writers,
            )
            if app.config["LIVECHAT_GROUP_COMMIT"] > 1
            else None
        )
        chat = ChatService(
            store, mask_card_numbers=app.config["LIVECHAT_MASK_CARD_NUMBERS"], group_commit=group_commit
        )
        presence_timeout = app.config["LIVECHAT_PRESENCE_TIMEOUT"]
        presence = PresenceService(store, timeout_seconds=presence_timeout)
        audit = AuditLog(app, store)
        history = HistoryService(store, chat, audit)
        app.extensions["livechat"] = LiveChatState(
            livechat=self,
            store=store,
            socketio=socketio,
            visitors=VisitorService(
                store,
                visit_timeout_seconds=app.config["LIVECHAT_VISIT_TIMEOUT"],
                connection_cutoff=presence.cutoff,
            ),
            chat=chat,
            send_order=SendOrder(socketio),
            admission=AdmissionGate(app.config["LIVECHAT_MAX_MESSAGES_IN_FLIGHT"]),
            presence=presence,
            workflow=WorkflowService(store, chat, presence),
            history=history,
            transcripts=TranscriptMailer(store, history),
            moderation=ModerationService(store, chat, max_block_days=app.config["LIVECHAT_MAX_BLOCK_DAYS"]),
            privacy=PrivacyService(app, store, audit),
            limiter=RateLimiter(
                app.config["LIVECHAT_RATE_LIMITS"],
                app.config["LIVECHAT_RATE_LIMIT_STORAGE"],
                str(app.config["SECRET_KEY"]),
            ),
            agent_recheck=AgentRecheck(app, socketio),
            availability=AvailabilityService(presence, app.config["LIVECHAT_BUSINESS_HOURS"]),
            typing_reads=TypingReadsService(store, chat),
            canned=CannedService(store),
            offline=OfflineService(store, chat),
            maintenance=MaintenanceService(store),
            reports=ReportService(
                store,
                min_count=app.config["LIVECHAT_REPORTS_MIN_COUNT"],
                missed_after=app.config["LIVECHAT_REPORTS_MISSED_AFTER"],
            ),
            api_tokens=ApiTokenService(store, app.config),
            pusher=push.connect(app, socketio),
            sweeper=PresenceSweeper(socketio, interval=presence_timeout / 3),
            webhooks=WebhookService(
                store,
                retry_schedule=app.config["LIVECHAT_WEBHOOK_RETRY_SCHEDULE"],
                connect_timeout=app.config["LIVECHAT_WEBHOOK_CONNECT_TIMEOUT"],
                read_timeout=app.config["LIVECHAT_WEBHOOK_READ_TIMEOUT"],
                rotation_grace=app.config["LIVECHAT_WEBHOOK_ROTATION_GRACE"],
                log_days=app.config["LIVECHAT_WEBHOOK_LOG_DAYS"],
                poll_interval=app.config["LIVECHAT_WEBHOOK_POLL_INTERVAL"],
            ),
            webhook_worker=WebhookWorker(app),
        )
        app.extensions["livechat"].webhook_worker.connect()
        self._batch_page_views(app, store, socketio)
        revocation.init_app(app, socketio)
        self._guard_transport(app, socketio)
        app.register_blueprint(create_blueprint(app.config["LIVECHAT_URL_PREFIX"]))
        app.register_blueprint(privacy_views.create_blueprint(app.config["LIVECHAT_URL_PREFIX"]))
        account_deleted.connect(self._on_account_deleted, sender=app, weak=False)
        retention.init_app(app)
        app.register_blueprint(widget_views.create_blueprint(app.config["LIVECHAT_URL_PREFIX"]))
        if app.config["LIVECHAT_API"]:
            app.register_blueprint(api_views.create_blueprint(app.config["LIVECHAT_URL_PREFIX"]))
        capture.init_app(app)
        inject.init_app(app)
        csp.init_app(app)
        neighbours.init_app(app)
        host_request.init_app(app)  # last: its hook goes first, before the host's and ours
        app.cli.add_command(cli.livechat_group)

    @staticmethod
    def _batch_page_views(app: Flask, store: Store, socketio: SocketIO) -> None:
        """Page views of a visit under way are queued and written together (services/page_view_batch.py)."""
        every = float(app.config["LIVECHAT_PAGE_VIEW_BATCH_SECONDS"])
        if every <= 0:
            return

        def written(visitor_ids: set[str]) -> None:
            with app.app_context():
                for visitor_id in visitor_ids:
                    publish(VisitorChanged(visitor_id))

        app.extensions["livechat"].visitors.page_views = PageViewBatch(
            store,
            visit_timeout=timedelta(seconds=app.config["LIVECHAT_VISIT_TIMEOUT"]),
            every_seconds=every,
            start_task=socketio.start_background_task,
            sleep=socketio.sleep,
            written=written,
        )

    def _on_account_deleted(self, app: Flask, user_id: str, **_: object) -> None:
        with app.app_context():
            self.erase_account(user_id)

    @classmethod
    def _guard_transport(cls, app: Flask, socketio: SocketIO) -> None:
        """Puts the engine's limits and the transport guard in place, whichever was initialised first."""
        if socketio.server is not None:
            cls._install_guard(app, socketio)
            return
        # The host calls socketio.init_app(app) after us. Until then there is no engine to configure, and a
        # guard put on app.wsgi_app now would end up behind the Socket.IO middleware, where Socket.IO
        # requests never reach it: so both happen right after the host's init_app.
        host_init_app = socketio.init_app

        def init_app_then_guard(host_app: Flask | None = None, **options: Any) -> None:
            host_init_app(host_app, **options)
            if host_app is app:
                try:
                    cls._check_server(socketio)
                    cls._configure_engine(app, socketio)
                except ConfigError:
                    app.extensions["livechat"].store.dispose()  # the app will not start: close its database
                    raise
                cls._install_guard(app, socketio)

        socketio.init_app = init_app_then_guard  # type: ignore[method-assign]

    @staticmethod
    def _check_server(socketio: SocketIO) -> None:
        """Refuses at start-up a server that would fail every connection (serving.check_message_queue)."""
        queue = isinstance(socketio.server.manager, python_socketio.PubSubManager)
        serving.check_message_queue(socketio.server.eio.async_mode, queue)

    @staticmethod
    def _configure_engine(app: Flask, socketio: SocketIO) -> None:
        """Our size limit, pings and Origin policy on the engine itself: its own defaults (1 MB, 25 s, and
        origins taken from ``X-Forwarded-Host``) must not survive because the host made the SocketIO first."""
        engine = socketio.server.eio
        limit = app.config["LIVECHAT_MAX_HTTP_BUFFER_SIZE"]
        chosen = socketio.server_options.get("max_http_buffer_size")
        if chosen is not None:
            config.check_transport_limit(app, chosen)
            if chosen != limit:
                logger.warning(
                    "The SocketIO server's max_http_buffer_size (%s) is replaced by "
                    "LIVECHAT_MAX_HTTP_BUFFER_SIZE (%s): set that one to change the limit.",
                    chosen,
                    limit,
                )
        engine.max_http_buffer_size = limit
        # Pings are most of an idle chat's CPU: a host's SocketIO must not silently keep the default.
        for option in ("ping_interval", "ping_timeout"):
            seconds = app.config["LIVECHAT_" + option.upper()]
            if seconds is not None:
                setattr(engine, option, seconds)
        engine.cors_allowed_origins = config.socket_origins(
            app, socketio.server_options.get("cors_allowed_origins")
        )

    @staticmethod
    def _install_guard(app: Flask, socketio: SocketIO) -> None:
        state = app.extensions["livechat"]
        guard_socketio_server(socketio.server)  # malformed WebSocket frames: one log line, not a traceback
        sweep_instead_of_service_task(socketio.server.eio)  # idle visitors cost their pings, little more
        limit = app.config["LIVECHAT_MAX_CONNECTIONS"]
        cap = None if limit is None else ConnectionCap(limit, lambda: socketio.server.eio.sockets)
        handshake_limit = app.config["LIVECHAT_HANDSHAKE_LIMIT"]
        handshakes = None
        if handshake_limit is not None:
            handshakes = RateLimiter(
                {"handshake": handshake_limit},
                app.config["LIVECHAT_RATE_LIMIT_STORAGE"],
                str(app.config["SECRET_KEY"]),
            )
        app.wsgi_app = TransportGuard(  # type: ignore[method-assign]
            app.wsgi_app,
            state.socketio_path,
            app.config["LIVECHAT_MAX_HTTP_BUFFER_SIZE"],
            handshakes,
            app.config["LIVECHAT_MAX_CONNECTIONS_PER_IP"],
            socketio.server.eio.async_mode,
            cap,
            compression=bool(app.config["LIVECHAT_WEBSOCKET_COMPRESSION"]),
        )

    @staticmethod
    def _create_socketio(app: Flask) -> SocketIO:
        options = {
            # Never what happens to be installed (Flask-SocketIO's own default picks eventlet if present).
            "async_mode": serving.default_async_mode(app.config["LIVECHAT_ASYNC_MODE"]),
            "path": app.config["LIVECHAT_SOCKETIO_PATH"],
            "message_queue": app.config["LIVECHAT_MESSAGE_QUEUE"],
            "cors_allowed_origins": app.config["LIVECHAT_ALLOWED_ORIGINS"],
            "max_http_buffer_size": app.config["LIVECHAT_MAX_HTTP_BUFFER_SIZE"],
        }  # the pings, as on a host's own SocketIO: _configure_engine
        return SocketIO(app, **{key: value for key, value in options.items() if value is not None})

    @staticmethod
    def _register_namespaces(socketio: SocketIO) -> None:
        if socketio in _servers_with_namespaces:
            return
        socketio.on_namespace(VisitorNamespace())
        socketio.on_namespace(AgentNamespace())
        _servers_with_namespaces.add(socketio)
