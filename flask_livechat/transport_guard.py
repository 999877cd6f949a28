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
