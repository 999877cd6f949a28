"""Runs one connection's ``send_message`` handlers in the order the client sent them.

Socket.IO servers may run each event in its own thread or greenlet, and then rapid messages from one client
are handled out of order (113 of 300 in our measurement). Clients number their sends per connection
(``client_seq``); a handler whose predecessor has not finished waits for it: as long as the predecessor is
being handled (a slow store must not be overtaken), but only briefly for one that never arrived, so a client
that skips a number cannot stall its connection for long.

A connection that closes does not release its waiting handlers: every event it delivered still runs, and
releasing them early would let a message overtake its predecessor (which the client then resends on its
next connection as a duplicate, in the wrong place).
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


#: A handler stuck longer than this (a hung store) no longer holds up the rest of its connection.
_LONGEST_WAIT_SECONDS = 60.0


class SendOrder:
    def __init__(self, socketio: SocketIO, *, wait_seconds: float = 2.0) -> None:
        self._socketio = socketio
        self._wait_seconds = wait_seconds
        # Held only for dict updates, never across a wait, so it is safe under green threads too.
        self._lock = threading.Lock()
        self._finished: dict[str, int] = {}
        self._waiting: dict[tuple[str, int], _Event] = {}
        self._active: dict[str, int] = {}
        self._entered: set[tuple[str, int]] = set()
        self._closed: set[str] = set()

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
            self._active[sid] = self._active.get(sid, 0) + 1
            self._entered.add((sid, client_seq))
            if client_seq > self._finished.get(sid, 0) + 1:
                predecessor_done = self._new_event()
                self._waiting[(sid, client_seq - 1)] = predecessor_done
        if predecessor_done is not None:
            self._wait_for(predecessor_done, (sid, client_seq - 1))
        try:
            yield
        finally:
            with self._lock:
                self._finished[sid] = max(self._finished.get(sid, 0), client_seq)
                successor = self._waiting.pop((sid, client_seq), None)
                self._entered.discard((sid, client_seq))
                self._active[sid] -= 1
                if not self._active[sid]:
                    del self._active[sid]
                    if sid in self._closed:
                        self._drop(sid)
            if successor is not None:
                successor.set()

    def settle_unstarted(self, sid: str, client_seq: int | None) -> bool:
        """For a send refused before its turn (past saturation, before any work): counts it as handled when
        it would not have waited (nothing of its connection running, and next in line or unnumbered), so
        its successors need not wait for it. ``False``: it must take its turn like any other."""
        with self._lock:
            if sid in self._active:
                return False
            finished = self._finished.get(sid, 0)
            if client_seq is None:
                return True
            if client_seq != finished + 1:
                return False
            self._finished[sid] = client_seq
            return True

    def _wait_for(self, predecessor_done: _Event, predecessor: tuple[str, int]) -> None:
        waited = 0.0
        while not predecessor_done.wait(self._wait_seconds):
            waited += self._wait_seconds
            with self._lock:
                running = predecessor in self._entered
            if not running or waited >= _LONGEST_WAIT_SECONDS:
                return

    def forget(self, sid: str) -> None:
        """Drops a closed connection's bookkeeping once its last handler has finished."""
        with self._lock:
            if sid in self._active:
                self._closed.add(sid)
            else:
                self._drop(sid)

    def _drop(self, sid: str) -> None:
        self._closed.discard(sid)
        self._finished.pop(sid, None)
        for key in [key for key in self._waiting if key[0] == sid]:
            self._waiting.pop(key).set()
