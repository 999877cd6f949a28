"""The WSGI guard in front of the Socket.IO server: malformed or oversized polling bodies, handshake floods
and too many open connections from one address are answered at once, before engine.io sees them.

The engine.io server answers some malformed polling payloads by hanging the request for good (an unknown
packet type makes it wait for a poll that never comes) or by logging a traceback (broken JSON, events without
a name). A chat endpoint is public, so every polling POST is checked with python-socketio's own packet parser
first and anything a real client would never send gets 400 (over the size limit: 413) without the body being
read past the limit. WebSocket frames are not affected; their size limit is the engine's own
``max_http_buffer_size``, which the extension sets to the same value.

Engine.IO handshakes (a GET without ``sid``) are counted per client address with the ``limits`` library, and
the requests in flight on the Socket.IO path (a WebSocket is one for its whole life) are counted per address,
so that one address can neither fill the server's memory with sessions nor its connection pool. The address
is the WSGI ``REMOTE_ADDR``; ``X-Forwarded-For`` counts only through the host's werkzeug ``ProxyFix``. The
process as a whole has a cap too (connection_cap.py): at it, a new handshake gets 503, and nothing else does.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import logging
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any, cast

from socketio import packet as socketio_packet
from werkzeug.middleware.proxy_fix import ProxyFix

from .connection_cap import ConnectionCap
from .errors import RateLimited
from .services.ratelimit import RateLimiter
from .serving import ONE_REQUEST_PER_WORKER, holds_one_request_at_a_time

logger = logging.getLogger("flask_livechat")

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

_RECORD_SEPARATOR = "\x1e"
#: What a client may send over polling: close, pong, message (and base64 binary messages).
_CLIENT_PACKET_TYPES = {"1", "3", "4"}
_EVENTS = {socketio_packet.EVENT, socketio_packet.BINARY_EVENT}
#: Socket.IO packets a client sends (never CONNECT_ERROR, which only servers send).
_CLIENT_SOCKETIO_TYPES = {
    socketio_packet.CONNECT,
    socketio_packet.DISCONNECT,
    socketio_packet.EVENT,
    socketio_packet.ACK,
    socketio_packet.BINARY_EVENT,
    socketio_packet.BINARY_ACK,
}


def problem_with(body: bytes) -> str | None:
    """Why a polling payload is malformed, or ``None`` when a real client could have sent it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the payload is not UTF-8"
    for encoded in text.split(_RECORD_SEPARATOR):
        if not encoded:
            return "an empty packet"
        kind = encoded[0]
        if kind == "b":
            try:
                base64.b64decode(encoded[1:], validate=True)
            except (binascii.Error, ValueError):
                return "a binary packet that is not base64"
            continue
        if kind not in _CLIENT_PACKET_TYPES:
            return f"packet type {kind!r} is not one a client sends"
        if kind == "4":
            reason = _socketio_problem(encoded[1:])
            if reason:
                return reason
    return None


def _socketio_problem(encoded: str) -> str | None:
    if not encoded:
        return "an empty message"
    try:
        decoded = socketio_packet.Packet(encoded_packet=encoded)
    except Exception:  # the parser raises ValueError, JSONDecodeError, IndexError… on garbage
        return "a message that is not a Socket.IO packet"
    if decoded.packet_type not in _CLIENT_SOCKETIO_TYPES:
        return f"Socket.IO packet type {decoded.packet_type!r} is not one a client sends"
    if decoded.packet_type in _EVENTS:
        data = decoded.data
        if not (isinstance(data, list) and data and isinstance(data[0], str)):
            return "an event without a name"
    return None


def same_origin(origin: str | None, environ: Environ) -> bool:
    """The engine's ``cors_allowed_origins`` when nobody listed origins: the origin the request was sent to,
    as the WSGI server sees it (scheme and ``Host``), never one named by ``X-Forwarded-Host``."""
    host = environ.get("HTTP_HOST")
    scheme = environ.get("wsgi.url_scheme", "http")
    return bool(origin and host and origin == f"{scheme}://{host}")


class TransportGuard:
    """WSGI middleware for the Socket.IO path; every other request goes straight to the host's app.

    ``handshakes`` counts Engine.IO handshakes per address (``None``: not limited); ``max_connections`` caps
    the requests in flight per address (``None``: no cap). ``async_mode`` is the Socket.IO server's: in
    threading mode a server with one request per worker gets 503 for every chat request (serving.py).
    ``cap`` is the process's cap on chat connections (``None``: no cap), asked before each new handshake.
    """

    def __init__(
        self,
        wsgi_app: WSGIApp,
        socketio_path: str,
        max_body: int,
        handshakes: RateLimiter | None = None,
        max_connections: int | None = None,
        async_mode: str = "threading",
        cap: ConnectionCap | None = None,
        compression: bool = False,
    ) -> None:
        self.wsgi_app = wsgi_app
        self._compression = compression
        self._async_mode = async_mode
        self._warned_one_request = False
        self._path = "/" + socketio_path.strip("/")
        self._max_body = max_body
        self._handshakes = handshakes
        self._max_connections = max_connections
        self._in_flight: dict[str, int] = {}
        self._total = 0
        self.cap = cap
        self._lock = threading.Lock()
        inner = _inner_proxy_fix(wsgi_app)
        self._address_fix = None if inner is None else ProxyFix(_nothing, x_for=inner.x_for)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or ""
        # engine.io answers every path under its own, so the guard must too.
        if path.rstrip("/") != self._path and not path.startswith(self._path + "/"):
            return self.wsgi_app(environ, start_response)
        if holds_one_request_at_a_time(self._async_mode, environ):
            return self._refuse_one_request_server(start_response)
        if not self._compression:
            # Without the client's offer the WebSocket server agrees no permessage-deflate: a chat frame is a
            # few hundred bytes, and compressing each costs more CPU than it saves, plus a zlib state per
            # connection (LIVECHAT_WEBSOCKET_COMPRESSION).
            environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        address = self.client_address(environ)
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        method = environ.get("REQUEST_METHOD")
        handshake = method == "GET" and "sid" not in query
        # Before the per-address limiter: a visitor told to come back later has not used up its handshakes.
        if handshake and self.cap is not None and self.cap.full(self.in_flight()):
            return self.cap.refuse(start_response, self.open_connections())
        if handshake and self._handshakes is not None:
            try:
                self._handshakes.hit("handshake", self._handshakes.ip_key(address))
            except RateLimited as limited:
                retry_after = limited.retry_after if isinstance(limited.retry_after, int) else 60
                return _too_many(
                    start_response,
                    f"Too many new connections from your address: try again in {retry_after} seconds.",
                    retry_after,
                )
        if not self._enter(address):
            return _too_many(
                start_response,
                f"Too many open connections from your address (at most {self._max_connections}): close "
                "some and try again.",
                5,
            )
        try:
            if method == "POST":  # engine.io reads a POST as polling whatever its transport says
                refusal = self._check_body(environ, start_response)
                if refusal is not None:
                    return refusal
            # engine.io does its waiting (long polls, a whole WebSocket) inside this call.
            return self.wsgi_app(environ, start_response)
        finally:
            self._leave(address)

    def _refuse_one_request_server(self, start_response: StartResponse) -> Iterable[bytes]:
        """Answered at once, so the worker is free for the site's pages; logged once per process."""
        with self._lock:
            first, self._warned_one_request = not self._warned_one_request, True
        if first:
            logger.error("flask-livechat: chat connections refused (503). %s", ONE_REQUEST_PER_WORKER)
        error = {"code": "server_cannot_hold_connections", "message": ONE_REQUEST_PER_WORKER, "fields": {}}
        body = json.dumps({"ok": False, "error": error}).encode()
        start_response(
            "503 SERVICE UNAVAILABLE",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def client_address(self, environ: Environ) -> str | None:
        """``REMOTE_ADDR``, or what the host's ``ProxyFix`` makes of it when that sits inside this guard
        (a ``ProxyFix`` outside has already rewritten ``REMOTE_ADDR``)."""
        if self._address_fix is None:
            return environ.get("REMOTE_ADDR")
        fixed = dict(environ)  # ProxyFix rewrites the environ it is given: a copy, the request is not ours
        self._address_fix(fixed, cast(Any, _no_response))
        return fixed.get("REMOTE_ADDR")

    def in_flight(self) -> int:
        """How many Socket.IO requests are open now, from every address (for tests and monitoring)."""
        with self._lock:
            return self._total

    def open_connections(self) -> int:
        """What the process's cap compares: requests in flight, or open sessions when there are more."""
        return max(self.in_flight(), self.cap.open_sessions() if self.cap is not None else 0)

    def _enter(self, address: str | None) -> bool:
        key = address or ""
        with self._lock:
            count = self._in_flight.get(key, 0)
            if self._max_connections is not None and address and count >= self._max_connections:
                return False
            self._in_flight[key] = count + 1
            self._total += 1
            return True

    def _leave(self, address: str | None) -> None:
        key = address or ""
        with self._lock:
            self._total -= 1
            count = self._in_flight.get(key, 0) - 1
            if count > 0:
                self._in_flight[key] = count
            else:
                self._in_flight.pop(key, None)

    def _check_body(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes] | None:
        """Reads at most the limit (plus one byte, to tell "too big" from "exactly the limit")."""
        declared = environ.get("CONTENT_LENGTH")
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if declared and not chunked:
            try:
                length = int(declared)
            except ValueError:
                return _refuse(start_response, "400 BAD REQUEST", "Content-Length is not a number")
            if length < 0:
                return _refuse(start_response, "400 BAD REQUEST", "Content-Length is negative")
            if length > self._max_body:
                return _too_large(start_response, self._max_body)
            body = environ["wsgi.input"].read(length)
        elif chunked:
            body = environ["wsgi.input"].read(self._max_body + 1)
            if len(body) > self._max_body:
                return _too_large(start_response, self._max_body)
        else:
            body = b""
        reason = problem_with(body)
        if reason:
            return _refuse(start_response, "400 BAD REQUEST", reason)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        return None


def _inner_proxy_fix(wsgi_app: WSGIApp) -> ProxyFix | None:
    """The host's ``ProxyFix`` when it wraps the app inside the Socket.IO middleware, where Socket.IO
    requests never pass through it."""
    current: Any = wsgi_app
    for _ in range(32):
        if isinstance(current, ProxyFix):
            return current if current.x_for else None
        current = getattr(current, "wsgi_app", None) or getattr(current, "app", None)
        if current is None:
            return None
    return None


def _nothing(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    return []


def _no_response(*_: Any) -> None:
    return None


def _refuse(start_response: StartResponse, status: str, reason: str) -> Iterable[bytes]:
    body = f"Malformed long-polling payload: {reason}.".encode()
    return _answer(start_response, status, body)


def _too_large(start_response: StartResponse, limit: int) -> Iterable[bytes]:
    body = f"Long-polling payload over the limit of {limit} bytes.".encode()
    return _answer(start_response, "413 REQUEST ENTITY TOO LARGE", body)


def _too_many(start_response: StartResponse, message: str, retry_after: int) -> Iterable[bytes]:
    headers = [("Retry-After", str(retry_after))]
    return _answer(start_response, "429 TOO MANY REQUESTS", message.encode(), headers)


def _answer(
    start_response: StartResponse, status: str, body: bytes, extra: list[tuple[str, str]] | None = None
) -> Iterable[bytes]:
    headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
    start_response(status, headers + (extra or []))
    return [body]


# -- WebSocket frames ----------------------------------------------------------------------------------
#
# Over WebSocket there is no request to refuse: engine.io decodes each frame outside any error handling (a
# garbage text frame ends the connection with a traceback from the WSGI server), and python-socketio's
# message handler raises on packets it cannot parse (deep JSON, events without a name, stray binary frames),
# which engine.io logs with a traceback. The guard checks each frame first: a bad one is logged as one line
# and closes that connection, as a client that breaks the protocol gets nothing more from us.

#: What a client may send over WebSocket: close, ping (the upgrade probe), pong, message, upgrade, noop.
_CLIENT_FRAME_TYPES = {"1", "2", "3", "4", "5", "6"}


def frame_problem(frame: Any) -> str | None:
    """Why an engine.io WebSocket frame is malformed; binary frames are left to the Socket.IO check."""
    if isinstance(frame, bytes | bytearray):
        return None
    if not isinstance(frame, str) or not frame:
        return "an empty frame"
    if frame[0] not in _CLIENT_FRAME_TYPES:
        return f"frame type {frame[0]!r} is not one a client sends"
    return None


def _log_refused(what: str, reason: str) -> None:
    logger.warning("flask-livechat: closed a connection that sent %s: %s", what, reason)


def _guarded_websocket(websocket_class: Any) -> Any:
    class GuardedWebSocket(websocket_class):  # type: ignore[misc, valid-type]
        def wait(self) -> Any:
            frame = super().wait()
            reason = None if frame is None else frame_problem(frame)
            if reason:
                _log_refused("a malformed WebSocket frame", reason)
                return None  # what a closed connection answers: engine.io then closes the session cleanly
            return frame

    return GuardedWebSocket


def guard_socketio_server(server: Any) -> None:
    """Checks every WebSocket frame and every Socket.IO packet of ``server`` (a python-socketio Server)
    before python-socketio parses it. Applied once per server; the engine's other settings are untouched."""
    eio = server.eio
    if getattr(eio, "_livechat_guarded", False):
        return
    eio._livechat_guarded = True
    websocket_class = eio._async.get("websocket")
    if websocket_class is not None:
        # A copy: the async driver's table is shared by every server of the process.
        eio._async = {**eio._async, "websocket": _guarded_websocket(websocket_class)}
    handle_message = eio.handlers.get("message")
    if handle_message is None:
        return

    def checked_message(eio_sid: str, data: Any) -> Any:
        if isinstance(data, bytes | bytearray):
            reason = None if eio_sid in server._binary_packet else "a binary frame nobody announced"
        else:
            reason = _socketio_problem(data) if isinstance(data, str) else "a message of no known kind"
        if reason:
            _log_refused("a malformed Socket.IO packet", reason)
            eio.disconnect(eio_sid)
            return None
        return handle_message(eio_sid, data)

    eio.handlers["message"] = checked_message
