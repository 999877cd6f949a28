"""What every flask-livechat namespace shares: one payload per event, acks for every outcome."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, TypeVar, cast

from flask import current_app, request
from flask_socketio import Namespace
from socketio import exceptions as socketio_exceptions

from ..errors import (
    ConnectionClosed,
    InternalError,
    InvalidPayload,
    LiveChatError,
    StoreUnavailable,
    UnknownEvent,
)
from ..schemas import SendMessageSchema, load, message_schema, send_schema
from ..state import current_livechat
from ..store import StoredMessage

logger = logging.getLogger("flask_livechat")

Handler = TypeVar("Handler", bound=Callable[..., dict[str, Any]])
Ack = dict[str, Any]


def client_event(handler: Handler) -> Handler:
    """Turns a handler of one payload into one that always answers with an ack and never raises.

    Errors the client caused become their error ack and are not logged as failures; anything else is a bug,
    logged with its traceback (but without the payload, which may hold personal data) and acked as
    ``internal``.
    """

    @functools.wraps(handler)
    def wrapper(self: LiveChatNamespace, *args: Any) -> Ack:
        if len(args) > 1:
            return InvalidPayload(fields={"_schema": ["Send exactly one payload object."]}).to_ack()
        try:
            return handler(self, args[0] if args else None)
        except LiveChatError as error:
            return error.to_ack()
        except Exception:
            logger.exception("flask-livechat: %s %s failed", self.namespace, handler.__name__)
            return InternalError().to_ack()

    return cast(Handler, wrapper)


class LiveChatNamespace(Namespace):  # type: ignore[misc]
    #: The client events this namespace answers; anything else gets an ``unknown_event`` ack.
    client_events: ClassVar[frozenset[str]] = frozenset()

    def trigger_event(self, event: Any, *args: Any) -> Any:
        if event in ("connect", "disconnect") or event in self.client_events:
            return super().trigger_event(event, *args)
        return UnknownEvent(f"This namespace has no event named {str(event)[:64]!r}.").to_ack()

    def __init__(self, namespace: str) -> None:
        super().__init__(namespace)
        # Who is behind each connection, kept here rather than in the host's Flask session, which may be
        # shared with HTTP (server-side sessions) and must not carry chat identities.
        self._connections: dict[str, dict[str, Any]] = {}

    def open_connection(self) -> dict[str, Any]:
        """For the connect handler: a fresh record of what it learns about this connection."""
        connection: dict[str, Any] = {}
        self._connections[current_sid()] = connection
        return connection

    def connection(self) -> dict[str, Any]:
        """What the connect handler learned about the current connection.

        An event the connection delivered just before it closed may still be handled after the disconnect
        handler forgot it: that event is refused (never acked, so the client sends it again once reconnected).
        """
        connection = self._connections.get(current_sid())
        if connection is None:
            raise ConnectionClosed()
        return connection

    def connections_items(self) -> list[tuple[str, dict[str, Any]]]:
        """A snapshot of every connection this process holds in this namespace."""
        return list(self._connections.items())

    def forget_connection(self) -> None:
        self._connections.pop(current_sid(), None)
        current_livechat.send_order.forget(current_sid())

    def send_in_order(
        self,
        payload: Any,
        schema_class: type[SendMessageSchema],
        store: Callable[[dict[str, Any]], StoredMessage],
        may_send: Callable[[], None],
    ) -> Ack:
        """Validates, checks the rate limit, stores (persist first; the service's change is pushed to both
        rooms), then acks: all in this connection's send order."""
        state = current_livechat
        with state.send_order.turn(current_sid(), peek_client_seq(payload)):
            # Once one send of a closed connection is refused, every later one is too: none may overtake it.
            self.connection()
            data = load(send_schema(schema_class, current_app.config["LIVECHAT_MAX_MESSAGE_LENGTH"]), payload)
            may_send()
            stored = store(data)
        return {"ok": True, "message": message_schema.dump(stored.message)}


def refusal(error: LiveChatError) -> socketio_exceptions.ConnectionRefusedError:
    """A connect refusal the client can read: ``connect_error`` gets the message and ``{code, fields}``."""
    return socketio_exceptions.ConnectionRefusedError(
        error.message, {"code": error.error_code, "fields": error.fields}
    )


@contextmanager
def outage_logged(what: str) -> Iterator[None]:
    """For disconnect handlers: a store outage is logged, not raised; the stale row is swept after
    LIVECHAT_PRESENCE_TIMEOUT."""
    try:
        yield
    except StoreUnavailable:
        logger.warning("flask-livechat: %s not recorded, the chat store is unavailable", what)


def current_sid() -> str:
    """The Socket.IO session id Flask-SocketIO puts on the request of an event."""
    sid: str = request.sid  # type: ignore[attr-defined]
    return sid


def peek_client_seq(payload: Any) -> int | None:
    """The ``client_seq`` of a payload not yet validated, so even an invalid send keeps its place in line."""
    value = payload.get("client_seq") if isinstance(payload, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
