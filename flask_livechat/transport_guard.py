"""Refuses malformed long-polling payloads before they reach the Socket.IO server.

The engine.io server answers some malformed polling payloads by hanging the request until the ping timeout
(unknown packet types) or by logging a traceback (broken JSON, events without a name). A chat endpoint is
public, so this WSGI middleware checks each polling POST with python-socketio's own packet parser first and
answers 400 at once to anything a real client would never send. WebSocket frames are not affected.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
from collections.abc import Callable, Iterable
from typing import Any

from socketio import packet as socketio_packet

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


class PollingGuard:
    def __init__(self, wsgi_app: WSGIApp, socketio_path: str, max_body: int) -> None:
        self.wsgi_app = wsgi_app
        self._path = "/" + socketio_path.strip("/")
        self._max_body = max_body

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if (
            environ.get("REQUEST_METHOD") == "POST"
            and environ.get("PATH_INFO", "").rstrip("/") == self._path
            and "transport=polling" in environ.get("QUERY_STRING", "")
        ):
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return _bad_request(start_response, "Content-Length is not a number")
            if 0 <= length <= self._max_body:  # larger bodies: engine.io answers its own 413
                body = environ["wsgi.input"].read(length)
                reason = problem_with(body)
                if reason:
                    return _bad_request(start_response, reason)
                environ["wsgi.input"] = io.BytesIO(body)
        return self.wsgi_app(environ, start_response)


def _bad_request(start_response: StartResponse, reason: str) -> Iterable[bytes]:
    body = f"Malformed long-polling payload: {reason}.".encode()
    start_response("400 BAD REQUEST", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


# -- WebSocket frames ----------------------------------------------------------------------------------
#
# Over WebSocket there is no request to refuse: engine.io decodes each frame outside any error handling (a
# garbage text frame ends the connection with a traceback from the WSGI server), and python-socketio's
# message handler raises on packets it cannot parse (deep JSON, events without a name, stray binary frames),
# which engine.io logs with a traceback. The guard checks each frame first: a bad one is logged as one line
# and closes that connection, as a client that breaks the protocol gets nothing more from us.

logger = logging.getLogger("flask_livechat")

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
