"""Errors with a code shared by socket acks and HTTP responses, so clients handle both the same way."""

from __future__ import annotations

from typing import Any

from werkzeug.exceptions import BadRequest, Conflict, Forbidden, NotFound, ServiceUnavailable, TooManyRequests


class ConfigError(ValueError):
    """A ``LIVECHAT_*`` value that cannot work; raised by ``init_app`` so the host sees it at start-up."""


class LiveChatError(Exception):
    """Base of every error the extension raises on purpose; ``error_code`` is the stable wire code.

    (Not ``code``: werkzeug's HTTP exceptions use that for the status, and the HTTP twins below inherit it.)
    """

    error_code = "error"
    message = "The request could not be handled."

    def __init__(self, message: str | None = None, fields: dict[str, Any] | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.fields = fields or {}

    def to_ack(self) -> dict[str, Any]:
        return {
            "ok": False,
            "error": {"code": self.error_code, "message": self.message, "fields": self.fields},
        }


class InvalidPayload(LiveChatError, BadRequest):
    error_code = "invalid"
    message = "The payload is not valid: see fields."


class UnknownEvent(LiveChatError, BadRequest):
    error_code = "unknown_event"
    message = "There is no such event in this namespace."


class NotFoundError(LiveChatError, NotFound):
    error_code = "not_found"
    message = "No such conversation, or it is not yours."


class ConflictError(LiveChatError, Conflict):
    error_code = "conflict"
    message = "That would conflict with the conversation's current state."


class ForbiddenError(LiveChatError, Forbidden):
    error_code = "forbidden"
    message = "Your role does not allow this."


class StoreUnavailable(LiveChatError, ServiceUnavailable):
    error_code = "unavailable"
    message = "The chat store cannot be reached right now; nothing was stored, please retry."


class SchemaOutdated(StoreUnavailable):
    """The database's schema is behind this version (or ahead of it): the chat refuses to use it until
    ``flask livechat db upgrade`` has run, and says so, instead of failing on a missing column."""

    message = "The chat database needs `flask livechat db upgrade`."


class Overloaded(LiveChatError, ServiceUnavailable):
    """This process is past what it can handle now: nothing was stored; the client sends again after
    ``retry_after`` seconds (realtime/overload.py)."""

    error_code = "overloaded"

    def __init__(self, retry_after: int) -> None:
        LiveChatError.__init__(
            self, f"The chat is busy: try again in {retry_after} seconds.", {"retry_after": retry_after}
        )
        self.retry_after = retry_after


class ConnectionClosed(LiveChatError):
    """An event of a connection that has closed since it arrived; the client resends it after reconnecting."""

    error_code = "unavailable"
    message = "This connection has closed; reconnect and send again."


class InternalError(LiveChatError):
    error_code = "internal"
    message = "Something went wrong on the server; nothing was stored."


class RateLimited(LiveChatError, TooManyRequests):
    error_code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        LiveChatError.__init__(
            self, f"Too many requests: try again in {retry_after} seconds.", {"retry_after": retry_after}
        )
        self.retry_after = retry_after
