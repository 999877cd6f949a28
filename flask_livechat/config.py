"""Every ``LIVECHAT_*`` key, its default, and the checks that make a bad config fail at start-up."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from .errors import ConfigError
from .services.attachments import check_extensions
from .services.contact import check_address
from .services.ratelimit import parse_limits
from .transport_guard import same_origin

__all__ = ["ConfigError", "apply_defaults", "validate"]

DAY = 24 * 60 * 60

#: Defaults set with ``app.config.setdefault`` in ``init_app``; docs/configuration.md explains each.
DEFAULTS: dict[str, Any] = {
    "LIVECHAT_DATABASE_URL": None,
    # Whether first use may upgrade a database whose schema is behind (docs/deployment.md, "Upgrading").
    "LIVECHAT_AUTO_MIGRATE": False,
    "LIVECHAT_URL_PREFIX": "/livechat",
    "LIVECHAT_ASYNC_MODE": None,
    "LIVECHAT_SOCKETIO_PATH": "socket.io",
    "LIVECHAT_MESSAGE_QUEUE": None,
    "LIVECHAT_PING_INTERVAL": None,
    "LIVECHAT_PING_TIMEOUT": None,
    "LIVECHAT_ALLOWED_ORIGINS": None,
    "LIVECHAT_MAX_MESSAGE_LENGTH": 4000,
    "LIVECHAT_MAX_HTTP_BUFFER_SIZE": 64 * 1024,
    # permessage-deflate: chat frames are small; compressing them costs CPU and a zlib state per connection.
    "LIVECHAT_WEBSOCKET_COMPRESSION": False,
    # At the first chat connection: what is alive is frozen out of later collections (gc_tuning.py).
    "LIVECHAT_GC_TUNING": True,
    # Transport floods (docs/security.md, "Transport limits and floods")
    "LIVECHAT_HANDSHAKE_LIMIT": "60/minute",
    "LIVECHAT_MAX_CONNECTIONS_PER_IP": 50,
    # Below gunicorn's default --worker-connections (1,000) and eventlet's pool (1,024): pages keep a reserve.
    "LIVECHAT_MAX_CONNECTIONS": 900,
    "LIVECHAT_VISITOR_COOKIE_NAME": "livechat_visitor",
    "LIVECHAT_VISITOR_COOKIE_MAX_AGE": 365 * DAY,
    "LIVECHAT_VISITOR_COOKIE_SALT": "flask-livechat.visitor",
    "LIVECHAT_VISIT_TIMEOUT": 30 * 60,
    "LIVECHAT_TRACK_PAGE_VIEWS": True,
    "LIVECHAT_INJECT_WIDGET": True,
    "LIVECHAT_INJECT_EXCLUDE_PREFIXES": (),
    "LIVECHAT_LOGIN_VIEW": None,
    "LIVECHAT_AGENT_DISPLAY_NAME": "Support",
    # The visitor widget (docs/widget.md); checked by widget_config.validate.
    "LIVECHAT_LANGUAGE": None,
    "LIVECHAT_TRANSLATIONS": {},
    "LIVECHAT_COLOR": "#1d4ed8",
    "LIVECHAT_POSITION": "right",
    "LIVECHAT_TITLE": None,
    "LIVECHAT_GREETING": None,
    "LIVECHAT_AVATAR_URL": None,
    "LIVECHAT_SOUND": False,
    "LIVECHAT_THEME": "auto",
    "LIVECHAT_LAUNCHER_OFFSET_X": 20,
    "LIVECHAT_LAUNCHER_OFFSET_Y": 20,
    "LIVECHAT_MESSAGE_PREVIEW": True,
    "LIVECHAT_EMOJI": True,
    "LIVECHAT_BUSINESS_HOURS": None,
    "LIVECHAT_REPLY_TIME": 24 * 60 * 60,
    "LIVECHAT_PRECHAT_FIELDS": (),
    "LIVECHAT_SESSION_SALT": "flask-livechat.session",
    "LIVECHAT_ATTACHMENTS": True,
    "LIVECHAT_ATTACHMENT_MAX_SIZE": 5 * 1024 * 1024,
    "LIVECHAT_ATTACHMENT_TYPES": (
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "text/csv",
    ),
    #: File name extensions accepted (services/attachments.py KNOWN_EXTENSIONS; never an active type).
    "LIVECHAT_ATTACHMENT_EXTENSIONS": ("png", "jpg", "jpeg", "gif", "webp", "pdf", "txt", "csv"),
    "LIVECHAT_ATTACHMENT_FOLDER": None,
    "LIVECHAT_ATTACHMENT_STORAGE": None,
    "LIVECHAT_ATTACHMENT_URL_MAX_AGE": 60 * 60,
    "LIVECHAT_ATTACHMENT_SALT": "flask-livechat.attachment",
    # Privacy (docs/privacy.md)
    "LIVECHAT_CONSENT_MODE": "notice",
    #: Notice mode: True when the host's own pages show the privacy notice (say a cookie banner), so
    #: recognition may start with the first page; False waits until the widget has shown its notice.
    "LIVECHAT_HOST_SHOWS_NOTICE": False,
    "LIVECHAT_POLICY_VERSION": "1",
    "LIVECHAT_POLICY_UPDATED": "2026-11-21",
    "LIVECHAT_COMPANY_NAME": None,
    "LIVECHAT_COMPANY_ADDRESS": None,
    "LIVECHAT_PRIVACY_CONTACT": None,
    #: The supervisory authority named on the privacy page (``None``: a general sentence about complaints).
    "LIVECHAT_SUPERVISORY_AUTHORITY": None,
    "LIVECHAT_RETENTION_DAYS": 365,
    "LIVECHAT_AUDIT_RETENTION_DAYS": 730,
    "LIVECHAT_PURGE_INTERVAL": DAY,
    "LIVECHAT_STORE_NETWORK_DATA": True,
    "LIVECHAT_MASK_CARD_NUMBERS": True,
    "LIVECHAT_URL_QUERY_ALLOWLIST": (),
    # Security (docs/security.md)
    "LIVECHAT_RATE_LIMITS": {
        "connect": "30/minute",
        "message": "10/10 seconds;60/minute",
        "message_per_ip": "60/10 seconds;300/minute",
        "agent_message": "30/10 seconds",
        "privacy": "20/hour",
        "offline_form": "5/hour",
        "upload": "20/hour",
        "agent_upload": "60/hour",
        # A visitor's "email me the transcript" (per visitor and per address).
        "transcript_mail": "3/hour",
        "page_view": "30/minute;600/hour",
        # The REST API (docs/api.md): per token (or staff session) and per address.
        "api_read": "300/minute",
        "api_write": "60/minute",
    },
    "LIVECHAT_RATE_LIMIT_STORAGE": "memory://",
    "LIVECHAT_AGENT_RECHECK_INTERVAL": 0.5,
    # Mail (docs/configuration.md#mail)
    # The agent console (docs/console.md)
    "LIVECHAT_DEPARTMENTS": {},
    "LIVECHAT_PRESENCE_TIMEOUT": 60,
    "LIVECHAT_RECENT_VISITOR_SECONDS": 5 * 60,
    "LIVECHAT_VISITOR_PUSH_INTERVAL": 1.0,
    "LIVECHAT_PAGE_VIEW_BATCH_SECONDS": 1.0,
    # Past saturation (realtime/overload.py): visitors' messages a process holds at once (received, not yet
    # acknowledged); past it a new one is refused with ``overloaded`` and ``retry_after`` (None: they queue).
    "LIVECHAT_MAX_MESSAGES_IN_FLIGHT": 64,
    "LIVECHAT_GROUP_COMMIT": 64,
    "LIVECHAT_MAX_BLOCK_DAYS": 365,
    "LIVECHAT_INVITATION_CHECK_SECONDS": 20,
    # The admin's reports (docs/reports.md)
    "LIVECHAT_REPORTS_MIN_COUNT": 5,
    "LIVECHAT_REPORTS_MISSED_AFTER": 5 * 60,
    # The REST API (docs/api.md)
    "LIVECHAT_API": True,
    "LIVECHAT_MAIL_SERVER": None,
    "LIVECHAT_MAIL_PORT": 25,
    "LIVECHAT_MAIL_USE_TLS": False,
    "LIVECHAT_MAIL_USE_SSL": False,
    "LIVECHAT_MAIL_USERNAME": None,
    "LIVECHAT_MAIL_PASSWORD": None,
    "LIVECHAT_MAIL_SENDER": None,
    "LIVECHAT_MAIL_TO": None,
    "LIVECHAT_MAIL_TIMEOUT": 10,
    # Outgoing webhooks (docs/webhooks.md)
    #: Seconds to wait before each retry after a failed attempt; once they are used up the delivery fails.
    #: The default (the Standard Webhooks schedule) keeps trying for about a day.
    "LIVECHAT_WEBHOOK_RETRY_SCHEDULE": (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600),
    "LIVECHAT_WEBHOOK_CONNECT_TIMEOUT": 3.0,
    "LIVECHAT_WEBHOOK_READ_TIMEOUT": 5.0,
    "LIVECHAT_WEBHOOK_POLL_INTERVAL": 2.0,
    "LIVECHAT_WEBHOOK_ROTATION_GRACE": DAY,
    "LIVECHAT_WEBHOOK_LOG_DAYS": 30,
}

CONSENT_MODES = ("opt-in", "notice", "off")

_POSITIVE_INTS = (
    "LIVECHAT_RETENTION_DAYS",
    "LIVECHAT_AUDIT_RETENTION_DAYS",
    "LIVECHAT_MAIL_PORT",
    "LIVECHAT_MAIL_TIMEOUT",
    "LIVECHAT_MAX_MESSAGE_LENGTH",
    "LIVECHAT_MAX_HTTP_BUFFER_SIZE",
    "LIVECHAT_VISITOR_COOKIE_MAX_AGE",
    "LIVECHAT_VISIT_TIMEOUT",
    "LIVECHAT_PRESENCE_TIMEOUT",
    "LIVECHAT_RECENT_VISITOR_SECONDS",
    "LIVECHAT_MAX_BLOCK_DAYS",
    "LIVECHAT_REPORTS_MIN_COUNT",
    "LIVECHAT_REPORTS_MISSED_AFTER",
    "LIVECHAT_WEBHOOK_LOG_DAYS",
)


def check_origins(cors_allowed_origins: object) -> None:
    """A wildcard origin with cookie-authenticated sockets would let any site act as the visitor."""
    if cors_allowed_origins == "*" or (
        isinstance(cors_allowed_origins, list | tuple) and "*" in cors_allowed_origins
    ):
        raise ConfigError(
            "The SocketIO server allows every origin (cors_allowed_origins='*'): flask-livechat's sockets "
            "carry cookies, so list the origins allowed instead."
        )


def socket_origins(app: Flask, host_value: object) -> object:
    """The ``cors_allowed_origins`` the engine must use, whoever created the SocketIO server.

    ``LIVECHAT_ALLOWED_ORIGINS`` when set; else the host's own SocketIO option; else the request's own
    origin as the WSGI server sees it (``same_origin``): engine.io's default would also accept the origin
    named by ``X-Forwarded-Host``, a header any client can send. A host that lets a proxy rewrite the host
    does it with werkzeug's ``ProxyFix``, which changes what the WSGI server sees.
    """
    check_origins(host_value)
    if isinstance(host_value, list | tuple) and not host_value:
        raise ConfigError(
            "The SocketIO server has cors_allowed_origins=[], which turns off engine.io's Origin check and "
            "so lets any site open the chat's sockets: list the origins allowed, or leave it unset."
        )
    configured = app.config["LIVECHAT_ALLOWED_ORIGINS"]
    if configured is None:
        return same_origin if host_value is None else host_value
    ours = [configured] if isinstance(configured, str) else list(configured)
    if host_value is not None:
        theirs = [host_value] if isinstance(host_value, str) else host_value
        if not isinstance(theirs, list | tuple) or set(theirs) != set(ours):
            raise ConfigError(
                f"LIVECHAT_ALLOWED_ORIGINS ({ours!r}) and the SocketIO server's cors_allowed_origins "
                f"({host_value!r}) disagree: set the origins in one place only."
            )
    return ours


def check_transport_limit(
    app: Flask, buffer_size: int, setting: str = "the SocketIO max_http_buffer_size"
) -> None:
    """The transport drops a whole connection over its limit, so our message limit must be hit first."""
    if app.config["LIVECHAT_MAX_MESSAGE_LENGTH"] * 4 > buffer_size:
        raise ConfigError(
            f"{setting} ({buffer_size} bytes) must hold a message of LIVECHAT_MAX_MESSAGE_LENGTH characters "
            "(4 bytes each in UTF-8): raise the buffer or lower the message length."
        )


def apply_defaults(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)


def _positive_seconds(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def validate(app: Flask) -> None:
    config = app.config
    for key in _POSITIVE_INTS:
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError(f"{key} must be a positive integer, got {value!r}.")
    check_transport_limit(app, config["LIVECHAT_MAX_HTTP_BUFFER_SIZE"], "LIVECHAT_MAX_HTTP_BUFFER_SIZE")
    prefix = config["LIVECHAT_URL_PREFIX"]
    if not isinstance(prefix, str) or not prefix.startswith("/") or prefix.endswith("/"):
        raise ConfigError(f"LIVECHAT_URL_PREFIX must start with '/' and not end with one, got {prefix!r}.")
    excluded = config["LIVECHAT_INJECT_EXCLUDE_PREFIXES"]
    if isinstance(excluded, str) or not all(isinstance(p, str) for p in excluded):
        raise ConfigError(
            "LIVECHAT_INJECT_EXCLUDE_PREFIXES must be a list of path prefixes such as ['/admin']."
        )
    if config["LIVECHAT_CONSENT_MODE"] not in CONSENT_MODES:
        raise ConfigError(f"LIVECHAT_CONSENT_MODE must be one of {', '.join(CONSENT_MODES)}.")
    check = config["LIVECHAT_INVITATION_CHECK_SECONDS"]
    if isinstance(check, bool) or not isinstance(check, int) or check < 0:
        raise ConfigError("LIVECHAT_INVITATION_CHECK_SECONDS must be seconds between checks, or 0 for none.")
    interval = config["LIVECHAT_PURGE_INTERVAL"]
    if isinstance(interval, bool) or not isinstance(interval, int) or interval < 0:
        raise ConfigError(
            "LIVECHAT_PURGE_INTERVAL must be seconds between purges, or 0 to purge only by CLI."
        )
    if not str(config["LIVECHAT_POLICY_VERSION"]).strip():
        raise ConfigError("LIVECHAT_POLICY_VERSION must not be empty: a new version asks visitors again.")
    origins = config["LIVECHAT_ALLOWED_ORIGINS"]
    if origins == "*" or (isinstance(origins, list | tuple) and "*" in origins):
        raise ConfigError(
            "LIVECHAT_ALLOWED_ORIGINS must not be '*': the chat's sockets carry cookies, so list the origins."
        )
    if origins is not None and not (
        (isinstance(origins, str) and origins)
        or (isinstance(origins, list | tuple) and origins and all(isinstance(o, str) and o for o in origins))
    ):
        raise ConfigError(
            "LIVECHAT_ALLOWED_ORIGINS must list origins such as ['https://shop.example'], or be None for the "
            f"site's own origin, got {origins!r}."
        )
    _validate_transport_floods(config)
    try:
        parse_limits(config["LIVECHAT_RATE_LIMITS"])
    except (ValueError, TypeError, AttributeError) as error:
        raise ConfigError(
            f"LIVECHAT_RATE_LIMITS: {error} (write limits like '10/10 seconds;60/minute')."
        ) from None
    if not _positive_seconds(config["LIVECHAT_AGENT_RECHECK_INTERVAL"]):
        raise ConfigError("LIVECHAT_AGENT_RECHECK_INTERVAL must be a positive number of seconds.")
    for key in ("LIVECHAT_PING_INTERVAL", "LIVECHAT_PING_TIMEOUT"):
        value = config[key]
        if value is not None and not _positive_seconds(value):
            raise ConfigError(f"{key} must be a positive number of seconds, or None for the engine's own.")
    try:
        check_extensions(config["LIVECHAT_ATTACHMENT_EXTENSIONS"])
    except ValueError as error:
        raise ConfigError(f"LIVECHAT_ATTACHMENT_EXTENSIONS: {error}.") from None
    push_interval = config["LIVECHAT_VISITOR_PUSH_INTERVAL"]
    if isinstance(push_interval, bool) or not isinstance(push_interval, int | float) or push_interval < 0:
        raise ConfigError(
            "LIVECHAT_VISITOR_PUSH_INTERVAL must be seconds between a visitor's list updates (0: no limit)."
        )
    batch = config["LIVECHAT_PAGE_VIEW_BATCH_SECONDS"]
    if isinstance(batch, bool) or not isinstance(batch, int | float) or not 0 <= batch <= 60:
        raise ConfigError(
            "LIVECHAT_PAGE_VIEW_BATCH_SECONDS must be seconds between writes of queued page views (<= 60; "
            "0: each page view is written on its request)."
        )
    in_flight = config["LIVECHAT_MAX_MESSAGES_IN_FLIGHT"]
    if in_flight is not None and (
        isinstance(in_flight, bool) or not isinstance(in_flight, int) or in_flight < 1
    ):
        raise ConfigError(
            "LIVECHAT_MAX_MESSAGES_IN_FLIGHT must be how many visitor messages a process holds at once "
            f"before it refuses new ones as overloaded (say 64), or None to let them queue: {in_flight!r}."
        )
    group = config["LIVECHAT_GROUP_COMMIT"]
    if isinstance(group, bool) or not isinstance(group, int) or not 1 <= group <= 1000:
        raise ConfigError(
            "LIVECHAT_GROUP_COMMIT must be how many visitor messages that arrive together may share one "
            f"transaction (1 to 1000; 1: a transaction per message): {group!r}."
        )
    shown = config["LIVECHAT_AGENT_DISPLAY_NAME"]
    if not isinstance(shown, str) or not shown.strip() or "@" in shown:
        raise ConfigError(
            "LIVECHAT_AGENT_DISPLAY_NAME is the name visitors see for staff without one: a name such as "
            f"'Support', never an email address, got {shown!r}."
        )
    _validate_departments(config["LIVECHAT_DEPARTMENTS"])
    _validate_mail(config)
    _validate_webhooks(config)
    if not app.config.get("SECRET_KEY"):
        raise ConfigError(
            "flask-livechat signs its visitor cookie with SECRET_KEY: set app.config['SECRET_KEY']."
        )


def _validate_transport_floods(config: Any) -> None:
    handshakes = config["LIVECHAT_HANDSHAKE_LIMIT"]
    if handshakes is not None:
        try:
            parse_limits({"handshake": handshakes})
        except (ValueError, TypeError, AttributeError):
            raise ConfigError(
                f"LIVECHAT_HANDSHAKE_LIMIT must be a limit such as '60/minute', or None, got {handshakes!r}."
            ) from None
    connections = config["LIVECHAT_MAX_CONNECTIONS_PER_IP"]
    if connections is not None and (
        isinstance(connections, bool) or not isinstance(connections, int) or connections <= 0
    ):
        raise ConfigError(
            f"LIVECHAT_MAX_CONNECTIONS_PER_IP must be a positive integer, or None, got {connections!r}."
        )
    total = config["LIVECHAT_MAX_CONNECTIONS"]
    if total is not None and (isinstance(total, bool) or not isinstance(total, int) or total < 0):
        raise ConfigError(
            "LIVECHAT_MAX_CONNECTIONS is how many chat connections one process holds open (keep it below "
            "the server's own pool, e.g. gunicorn's --worker-connections): an integer of 0 or more, or None, "
            f"got {total!r}."
        )


def _validate_departments(departments: Any) -> None:
    example = "{'sales': ['/pricing'], 'support': ['/']}"
    if not isinstance(departments, dict):
        raise ConfigError(f"LIVECHAT_DEPARTMENTS must map department names to path prefixes, e.g. {example}.")
    for name, prefixes in departments.items():
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name):
            raise ConfigError(
                "LIVECHAT_DEPARTMENTS: department names use 1 to 64 letters, digits, '-' or '_', "
                f"got {name!r}."
            )
        if isinstance(prefixes, str) or not all(isinstance(p, str) and p.startswith("/") for p in prefixes):
            raise ConfigError(
                f"LIVECHAT_DEPARTMENTS[{name!r}] must be a list of path prefixes starting with '/', "
                f"e.g. {example}."
            )


def _validate_mail(config: Any) -> None:
    for key in ("LIVECHAT_MAIL_SENDER", "LIVECHAT_MAIL_TO"):
        if config[key] is not None:
            try:
                check_address(config[key])
            except ValueError:
                message = f"{key} must be one plain email address such as chat@example.com."
                raise ConfigError(message) from None
    if config["LIVECHAT_MAIL_USE_TLS"] and config["LIVECHAT_MAIL_USE_SSL"]:
        raise ConfigError("Set LIVECHAT_MAIL_USE_TLS (STARTTLS) or LIVECHAT_MAIL_USE_SSL, not both.")
    if config["LIVECHAT_MAIL_SERVER"] and not config["LIVECHAT_MAIL_SENDER"]:
        raise ConfigError(
            "LIVECHAT_MAIL_SERVER is set but LIVECHAT_MAIL_SENDER is not: "
            "set the From address of chat emails."
        )


def _validate_webhooks(config: Any) -> None:
    schedule = config["LIVECHAT_WEBHOOK_RETRY_SCHEDULE"]
    if isinstance(schedule, str | bytes) or not all(
        isinstance(delay, int | float) and not isinstance(delay, bool) and delay >= 0 for delay in schedule
    ):
        raise ConfigError(
            "LIVECHAT_WEBHOOK_RETRY_SCHEDULE must list the seconds before each retry, e.g. (5, 300, 1800), "
            f"got {schedule!r}."
        )
    for key in (
        "LIVECHAT_WEBHOOK_CONNECT_TIMEOUT",
        "LIVECHAT_WEBHOOK_READ_TIMEOUT",
        "LIVECHAT_WEBHOOK_POLL_INTERVAL",
        "LIVECHAT_WEBHOOK_ROTATION_GRACE",
    ):
        value = config[key]
        if not _positive_seconds(value):
            raise ConfigError(f"{key} must be a positive number of seconds, got {value!r}.")
