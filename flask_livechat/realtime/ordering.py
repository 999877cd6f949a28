"""Runs one connection's ``send_message`` handlers in the order the client sent them.

Socket.IO servers may run each event in its own thread or greenlet, and then rapid messages from one client
are handled out of order (113 of 300 in our measurement). Clients number their sends per connection
(``client_seq``); a handler whose predecessor has not finished waits for it. The wait is bounded (10 s): long
enough for a thread that a loaded machine started late, short enough that a client which skipped a number
cannot stall its own connection for long. Invalid, refused and rate-limited sends still take their turn, and a
disconnect releases everything waiting.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from flask_socketio import SocketIO


class _Event(Protocol):
    def set(self) -> None: ...
    def wait(self, timeout: float | None = None) -> Any: ...


class SendOrder:
    def __init__(self, socketio: SocketIO, *, wait_seconds: float = 10.0) -> None:
        self._socketio = socketio
        self._wait_seconds = wait_seconds
        # Held only for dict updates, never across a wait, so it is safe under green threads too.
        self._lock = threading.Lock()
        self._finished: dict[str, int] = {}
        self._waiting: dict[tuple[str, int], _Event] = {}

    def _new_event(self) -> _Event:
        # The server's own event type: a green event under eventlet/gevent, a thread event otherwise.
        return self._socketio.server.eio.create_event()  # type: ignore[no-any-return]

    @contextmanager
    def turn(self, sid: str, client_seq: int | None) -> Iterator[None]:
        if client_seq is None:
            yield
            return
        predecessor_done: _Event | None = None
        with self._lock:
            if client_seq > self._finished.get(sid, 0) + 1:
                predecessor_done = self._new_event()
                self._waiting[(sid, client_seq - 1)] = predecessor_done
        if predecessor_done is not None:
            predecessor_done.wait(self._wait_seconds)
        try:
            yield
        finally:
            with self._lock:
                self._finished[sid] = max(self._finished.get(sid, 0), client_seq)
                successor = self._waiting.pop((sid, client_seq), None)
            if successor is not None:
                successor.set()

    def forget(self, sid: str) -> None:
        """Drops a closed connection's bookkeeping and releases anything still waiting on it."""
        with self._lock:
            self._finished.pop(sid, None)
            stale = [key for key in self._waiting if key[0] == sid]
            events = [self._waiting.pop(key) for key in stale]
        for event in events:
            event.set()
