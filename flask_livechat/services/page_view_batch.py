"""Page views of a visit already under way, written together instead of one transaction per host page.

A returning visitor's page view used to be a write transaction on the host's request path (a visit looked
up, its times moved, a page view and its report row inserted). Most page views change nothing but those
times and the list of pages, so this process remembers, for visitors it recorded recently, which visit
they are in and for whom; their next page views within that visit are only queued in memory, and one
background task writes the queue every ``LIVECHAT_PAGE_VIEW_BATCH_SECONDS`` in one transaction. Anything
else (a new visitor, a new visit, another department, a host user who logged in or out, a pending cookie)
still takes the synchronous path, which decides the cookie.

What is queued is only ever written for a visit that still exists when it is written: a visitor erased or
purged meanwhile, in this process or another, loses the queued views with the rest. A process that stops
loses at most the last batch of page views (never a message).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from ..errors import StoreUnavailable
from ..store import PageInfo, Store
from ..store.models import utcnow
from ..store.records import QueuedPageView, VisitRecord

logger = logging.getLogger("flask_livechat")

#: A visit is continued from memory only while it is this far from its timeout (the batch may lag a little).
_MARGIN = timedelta(seconds=10)


@dataclass(frozen=True)
class _Known:
    """What the last recorded page view of a visitor established."""

    host_user_id: str | None
    department: str | None
    staff: bool
    visit_id: int
    last_seen: datetime


class PageViewBatch:
    def __init__(
        self,
        store: Store,
        *,
        visit_timeout: timedelta,
        every_seconds: float,
        start_task: Callable[[Callable[[], None]], Any],
        sleep: Callable[[float], Any],
        written: Callable[[set[str]], None],
        capacity: int = 50_000,
        max_queued: int = 20_000,
    ) -> None:
        self._store = store
        self._visit_timeout = visit_timeout
        self.every_seconds = every_seconds
        #: Starts the writer (the SocketIO server's background task, so it suits the async mode).
        self._start_task = start_task
        self._sleep = sleep
        #: Told which visitors' views were written (the consoles' live list follows them then).
        self._written = written
        self._capacity = capacity
        self._max_queued = max_queued
        self._known: OrderedDict[str, _Known] = OrderedDict()
        self._queue: list[QueuedPageView] = []
        self._lock = threading.Lock()
        self._writing = False

    @property
    def enabled(self) -> bool:
        return self.every_seconds > 0

    def add(
        self,
        visitor_id: str,
        page: PageInfo,
        *,
        department: str | None,
        staff: bool,
        host_user_id: str | None,
    ) -> VisitRecord | None:
        """Queues a page view of a visit under way and returns it as recorded; ``None`` when this one must
        take the synchronous path (then ``remember`` what that path recorded)."""
        if not self.enabled:
            return None
        now = utcnow()
        start = False
        with self._lock:
            known = self._known.get(visitor_id)
            if (
                known is None
                or known.host_user_id != host_user_id
                or known.staff != staff
                or (department is not None and department != known.department)
                or now - known.last_seen > self._visit_timeout - _MARGIN
                or len(self._queue) >= self._max_queued  # a flood waits for the store, it is not held
            ):
                return None
            self._known[visitor_id] = replace(known, last_seen=now)
            self._known.move_to_end(visitor_id)
            self._queue.append(QueuedPageView(visitor_id, known.visit_id, page, now, staff))
            if not self._writing:
                self._writing = start = True
        if start:
            self._start_task(self._write_soon)
        return VisitRecord(visitor_id=visitor_id, visit_id=known.visit_id, new_visitor=False, new_visit=False)

    def remember(
        self, visit: VisitRecord, *, department: str | None, staff: bool, host_user_id: str | None
    ) -> None:
        """The synchronous path recorded ``visit``: the visitor's next views in it may be queued."""
        if not self.enabled:
            return
        with self._lock:
            before = self._known.get(visit.visitor_id)
            if department is None and before is not None and before.visit_id == visit.visit_id:
                department = before.department
            self._known[visit.visitor_id] = _Known(host_user_id, department, staff, visit.visit_id, utcnow())
            self._known.move_to_end(visit.visitor_id)
            while len(self._known) > self._capacity:
                self._known.popitem(last=False)

    def forget(self, visitor_ids: list[str]) -> None:
        """These visitors are gone (erased): drop what this process holds of them."""
        gone = set(visitor_ids)
        with self._lock:
            for visitor_id in gone:
                self._known.pop(visitor_id, None)
            self._queue = [view for view in self._queue if view.visitor_id not in gone]

    def _write_soon(self) -> None:
        while True:
            self._sleep(self.every_seconds)
            with self._lock:
                batch, self._queue = self._queue, []
                if not batch:
                    self._writing = False
                    return
            self.write(batch)

    def flush(self) -> None:
        """Writes what is queued now (tests; an orderly shutdown)."""
        with self._lock:
            batch, self._queue = self._queue, []
        if batch:
            self.write(batch)

    def write(self, batch: list[QueuedPageView]) -> None:
        try:
            kept = self._store.visitors.write_page_views(batch)
        except StoreUnavailable:
            logger.warning(
                "flask-livechat: %d page views not recorded, the chat store is unavailable", len(batch)
            )
            return
        except Exception:
            logger.exception("flask-livechat: %d page views not recorded", len(batch))
            return
        dropped = {view.visitor_id for view in batch} - kept
        if dropped:
            self.forget(list(dropped))  # gone meanwhile: their next page view starts afresh
        if kept:
            self._written(kept)
