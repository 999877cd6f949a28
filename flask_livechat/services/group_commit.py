"""Group commit: the visitor messages that arrive together are stored in one transaction.

Past a few hundred messages a second a commit per message is most of the store's cost (the transaction's
begin and commit, the connection from the pool, the WAL write), and under eventlet or gevent every one of
them holds the whole process. Here the first sender of a moment leads: it lets the messages already
received join it (one yield of the event loop), stores them together and wakes their senders; whoever
arrived meanwhile is led by the next of them. On PostgreSQL a few leaders run at once (``writers``), each
batch on a connection of its own. A sender's ack still waits for the commit of its message;
nothing is acknowledged before it is durable, and a message that fails fails alone (the store retries
each on its own then).

Without load every batch is one message, stored as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

Request = TypeVar("Request")
Result = TypeVar("Result")


class _Event(Protocol):
    def set(self) -> None: ...
    def wait(self, timeout: float | None = None) -> Any: ...


class _Waiting(Generic[Request, Result]):
    __slots__ = ("done", "leads", "outcome", "request")

    def __init__(self, request: Request, done: _Event) -> None:
        self.request = request
        self.done = done
        self.outcome: Result | Exception | None = None
        #: Set when the sender is woken to lead the next batch rather than with its outcome.
        self.leads = False


class GroupCommit(Generic[Request, Result]):
    """Runs ``store_batch`` over the requests submitted together; ``submit`` returns one's outcome."""

    def __init__(
        self,
        store_batch: Callable[[Sequence[Request]], Sequence[Result | Exception]],
        *,
        new_event: Callable[[], _Event],
        sleep: Callable[[float], Any],
        max_batch: int,
        writers: int = 1,
    ) -> None:
        self._store_batch = store_batch
        #: The server's own event and sleep (green under eventlet and gevent), so waiting never blocks.
        self._new_event = new_event
        self._sleep = sleep
        #: At most this many in one transaction (LIVECHAT_GROUP_COMMIT): a longer one would hold the event
        #: loop and SQLite's write lock.
        self._max_batch = max_batch
        #: Batches stored at once (``Database.concurrent_writers``): one on SQLite, which has one writer
        #: anyway; a few on PostgreSQL, where a message arriving while a batch is on its way to the server
        #: would otherwise wait for that batch's round trip before its own began.
        self._writers = writers
        self._lock = threading.Lock()  # held for the list only, never across a wait
        self._pending: list[_Waiting[Request, Result]] = []
        self._leaders = 0
        #: Batches and messages stored so far: their ratio is the mean batch size (tests read it).
        self.batches = 0
        self.batched = 0

    def submit(self, request: Request) -> Result:
        waiting: _Waiting[Request, Result] = _Waiting(request, self._new_event())
        with self._lock:
            leads = self._leaders < self._writers
            if leads:
                self._leaders += 1
            else:
                self._pending.append(waiting)
        if not leads:
            waiting.done.wait()
        if leads or waiting.leads:
            self._lead(waiting)
        outcome = waiting.outcome
        if isinstance(outcome, Exception):
            raise outcome
        return outcome  # type: ignore[return-value]

    def _lead(self, own: _Waiting[Request, Result]) -> None:
        """Stores one batch, the leader's own message first, then hands the lead on. A leader's message is
        never in the list of those waiting, so no other leader can take it: each is stored exactly once."""
        self._sleep(0)  # the messages already received join this batch
        with self._lock:
            batch = [own, *self._pending[: self._max_batch - 1]]
            del self._pending[: self._max_batch - 1]
        try:
            outcomes = list(self._store_batch([waiting.request for waiting in batch]))
        except Exception as error:  # the store promises outcomes; a bug still must not strand its senders
            outcomes = [error] * len(batch)
        self.batches += 1
        self.batched += len(batch)
        with self._lock:
            successor = self._pending.pop(0) if self._pending else None
            if successor is None:
                self._leaders -= 1
        for waiting, outcome in zip(batch, outcomes, strict=True):
            waiting.outcome = outcome
            waiting.done.set()
        if successor is not None:
            successor.leads = True
            successor.done.set()
