"""What every flask-livechat namespace shares: one payload per event, acks for every outcome."""

from __future__ import annotations

import collections
import functools
import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, TypeVar, cast

from flask import current_app, request
from flask_socketio import Namespace
from socketio import exceptions as socketio_exceptions

from .. import gc_tuning
from ..errors import (
    ConnectionClosed,
    InternalError,
    InvalidPayload,
    LiveChatError,
    RateLimited,
    StoreUnavailable,
    UnknownEvent,
)
from ..schemas import SendMessageSchema, load, message_schema, send_schema
from ..state import current_livechat
from ..store import StoredMessage

logger = logging.getLogger("flask_livechat")

#: Event names Socket.IO uses for itself; a client emitting one gets an ``unknown_event`` ack.
RESERVED_EVENTS = frozenset({"connect", "disconnect", "connect_error"})

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
        if event in RESERVED_EVENTS:
            if self._from_socketio(event, args):
                return super().trigger_event(event, *args)
            # A client sent "connect" or "disconnect" as an ordinary event: running the handler would open a
            # second record for this connection, or forget it while it stays connected.
            reserved = f"{event!r} is reserved by Socket.IO; it cannot be sent as an event."
            return UnknownEvent(reserved).to_ack()
        if event in self.client_events:
            return super().trigger_event(event, *args)
        return UnknownEvent(f"This namespace has no event named {str(event)[:64]!r}.").to_ack()

    def _from_socketio(self, event: str, args: tuple[Any, ...]) -> bool:
        """Whether python-socketio itself is connecting or disconnecting ``args[0]`` (the sid).

        It calls the connect handler with the connection's own WSGI environ (an event's arguments are fresh
        JSON, never that object), and the disconnect handler while the sid is pending disconnection (an event
        is only dispatched for a connected sid)."""
        if not args or not isinstance(args[0], str):
            return False
        sid = args[0]
        if event == "connect":
            environ = self.server.get_environ(sid, namespace=self.namespace)
            return environ is not None and len(args) > 1 and args[1] is environ
        if event == "disconnect":
            return sid in self.server.manager.pending_disconnect.get(self.namespace, ())
        return False

    def __init__(self, namespace: str) -> None:
        super().__init__(namespace)
        # Who is behind each connection, kept here rather than in the host's Flask session, which may be
        # shared with HTTP (server-side sessions) and must not carry chat identities.
        self._connections: dict[str, dict[str, Any]] = {}

    def open_connection(self) -> dict[str, Any]:
        """For the connect handler: a fresh record of what it learns about this connection."""
        if current_app.config["LIVECHAT_GC_TUNING"]:
            gc_tuning.settle_once()
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


#: ``hello`` rebuilds a client's whole state (and tells agents); a connection needs it once, a few times at
#: most: more than ``HELLO_LIMIT`` in ``HELLO_WINDOW_SECONDS`` are answered ``rate_limited``.
HELLO_LIMIT = 5
HELLO_WINDOW_SECONDS = 10.0


def throttle(connection: dict[str, Any], event: str, limit: int, window: float) -> None:
    """Per-connection limit on an event (kept in the connection's record, so it goes with it):
    ``RateLimited`` when ``limit`` were already accepted in the last ``window`` seconds."""
    now = time.monotonic()
    recent: collections.deque[float] = connection.setdefault(f"throttle:{event}", collections.deque())
    while recent and now - recent[0] >= window:
        recent.popleft()
    if len(recent) >= limit:
        raise RateLimited(retry_after=max(1, math.ceil(window - (now - recent[0]))))
    recent.append(now)


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
