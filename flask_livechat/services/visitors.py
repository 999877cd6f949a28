"""Visitor recognition and visit capture: who is on the site, and what they looked at."""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from ua_parser import parse as parse_user_agent

from ..changes import VisitorChanged, VisitorLeftDepartment, publish
from ..store import ClientInfo, PageInfo, Store, VisitorRecord, VisitRecord
from ..store.models import new_public_id
from ..store.records import Departments, LiveVisitor
from . import customer, page_urls
from .page_view_batch import PageViewBatch
from .prechat import labelled_answers, save_answers

#: (host user id, customer context, is staff), as ``customer.customer_snapshot`` reads them.
CustomerSnapshot = tuple[str | None, dict[str, Any] | None, bool]


def truncate_ip(address: str | None) -> str | None:
    """Keeps the network, drops the host: IPv4 to /24, IPv6 to /48. Unparseable input is not stored."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # an IPv4 client seen through a dual-stack socket
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def _clip(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else None


def describe_client(
    user_agent: str | None, ip: str | None, accept_language: str | None, *, keep_network_data: bool = True
) -> ClientInfo:
    """What agents see about a visitor's browser, from headers the browser sends anyway.

    Without ``keep_network_data`` neither the (truncated) IP nor the user-agent string is kept; the browser
    and system names derived from it still are.
    """
    parsed = parse_user_agent(user_agent or "")
    browser = parsed.user_agent
    system = parsed.os
    language = (accept_language or "").split(",")[0].split(";")[0].strip() or None
    return ClientInfo(
        ip=truncate_ip(ip) if keep_network_data else None,
        user_agent=_clip(user_agent, 512) if keep_network_data else None,
        browser=_clip(browser.family, 64) if browser else None,
        browser_version=_clip(".".join(p for p in (browser.major, browser.minor) if p), 32)
        if browser
        else None,
        os=_clip(system.family, 64) if system else None,
        os_version=_clip(".".join(p for p in (system.major, system.minor) if p), 32) if system else None,
        device=_clip(parsed.device.family, 64) if parsed.device else None,
        language=_clip(language, 64),
    )


def _clean(page: PageInfo) -> PageInfo:
    """What is kept of a page: its URL and referrer without secrets in them (page_urls.py), a short title."""
    return PageInfo(
        url=page_urls.page_url(page.url),
        title=_clip(page.title, 512),
        referrer=page_urls.referrer(page.referrer),
    )


@dataclass(frozen=True)
class LandingView:
    """A page view of a browser that had no cookie of ours yet, held in memory instead of the store."""

    page: PageInfo
    client: ClientInfo
    department: str | None
    staff: bool


class LandingViews:
    """The first page views of cookie-less browsers, until the browser brings the cookie back (then they are
    stored as the visit's landing page) or ``ttl`` passes. Bounded: a flood of cookie-less requests only
    pushes out older entries, it never reaches the store. Per process: a browser whose second request lands
    on another process simply has no landing page recorded."""

    def __init__(self, *, capacity: int, ttl_seconds: float) -> None:
        self._capacity = capacity
        self._ttl = ttl_seconds
        self._views: OrderedDict[str, tuple[float, LandingView]] = OrderedDict()
        self._lock = threading.Lock()
        #: Page views counted without a row (aggregate only), since start.
        self.counted = 0

    def hold(self, pending_id: str, view: LandingView) -> None:
        with self._lock:
            self.counted += 1
            self._views[pending_id] = (time.monotonic(), view)
            while len(self._views) > self._capacity:
                self._views.popitem(last=False)

    def take(self, pending_id: str) -> LandingView | None:
        with self._lock:
            held = self._views.pop(pending_id, None)
        if held is None or time.monotonic() - held[0] > self._ttl:
            return None
        return held[1]


class VisitorService:
    def __init__(
        self, store: Store, *, visit_timeout_seconds: int, connection_cutoff: Callable[[], datetime]
    ) -> None:
        self._store = store
        self._visit_timeout = timedelta(seconds=visit_timeout_seconds)
        #: Connections older than this no longer count as live (the presence timeout).
        self._connection_cutoff = connection_cutoff
        self.landing_views = LandingViews(capacity=10_000, ttl_seconds=visit_timeout_seconds)
        #: Set by the extension when LIVECHAT_PAGE_VIEW_BATCH_SECONDS > 0: views of a visit under way.
        self.page_views: PageViewBatch | None = None

    def hold_landing_view(self, view: LandingView) -> str:
        """A page view without our cookie: no visitor row (it may be a bot or a flood), only a note in memory
        under the id of the pending cookie it gets (returned, for that cookie)."""
        pending_id = new_public_id()
        self.landing_views.hold(pending_id, view)
        return pending_id

    def adopt_new(self, pending_id: str, *, host_user_id: str | None) -> bool:
        """``adopt`` for a widget's HTTP call (a left message, the loader's invitation check): True when that
        made the visitor row, and then the consoles list them."""
        if self._store.visitors.get_visitor(pending_id) is not None:
            return False
        made = self.adopt(pending_id, host_user_id=host_user_id) is not None
        if made:
            publish(VisitorChanged(pending_id))
        return made

    def adopt(self, pending_id: str, *, host_user_id: str | None) -> VisitorRecord | None:
        """The browser brought its pending cookie back (a page view, or the chat's socket): it keeps our
        cookie, so now it is a visitor, with the id the cookie already holds and its landing page.

        ``None`` when that id belongs to another host user's visitor (it then gets a fresh one elsewhere).
        """
        visitor = self._store.visitors.get_visitor(pending_id)
        if visitor is not None:
            return visitor if visitor.host_user_id in (None, host_user_id) else None
        visitor = self._store.visitors.create_visitor(
            persistent=True, host_user_id=host_user_id, visitor_id=pending_id
        )
        landing = self.landing_views.take(pending_id)
        if landing is not None:
            self.record_page_view(
                visitor.id,
                landing.page,
                landing.client,
                landing.department,
                landing.staff,
                host_user_id=host_user_id,
            )
            visitor = self._store.visitors.get_visitor(visitor.id) or visitor
        return visitor

    def page_viewed(
        self,
        visitor_id: str | None,
        page: PageInfo,
        client: ClientInfo,
        department: str | None,
        snapshot: CustomerSnapshot,
        *,
        pending: bool = False,
    ) -> VisitRecord:
        """A host page was served: records the view, links a logged-in customer, and tells the console.

        ``pending``: the browser brought back the pending cookie of its landing view, so it becomes a visitor
        (``adopt``) before this view is recorded."""
        host_user_id, context, staff = snapshot
        if not pending and visitor_id is not None and self.page_views is not None:
            # A visit under way: queued, written with others (the live list follows when it is written).
            queued = self.page_views.add(
                visitor_id, _clean(page), department=department, staff=staff, host_user_id=host_user_id
            )
            if queued is not None:
                return queued
        if pending and visitor_id is not None:
            self.adopt(visitor_id, host_user_id=host_user_id)
        visit = self.record_page_view(
            visitor_id, page, client, department, staff=staff, host_user_id=host_user_id
        )
        if context is not None:  # a logged-in customer: agents see who they are
            visitor = self._store.visitors.get_visitor(visit.visitor_id)
            if visitor is not None and visitor.name is None:
                customer.remember_customer(self._store, visitor, host_user_id, context, staff)
        if self.page_views is not None:
            self.page_views.remember(visit, department=department, staff=staff, host_user_id=host_user_id)
        if visit.left_department is not None:
            publish(VisitorLeftDepartment(visit.visitor_id, visit.left_department))
        publish(VisitorChanged(visit.visitor_id))  # the live list follows page views, JS or not
        return visit

    def connected(
        self, sid: str, known_id: str | None, snapshot: CustomerSnapshot, *, pending: bool = False
    ) -> VisitorRecord | None:
        """A widget connected: its recognised visitor, now live; ``None`` for a visitor we do not (may not)
        recognise and who has not written yet: nothing about them is stored (no visitor row, no connection
        row) until ``start_storing``.

        ``pending``: ``known_id`` is a pending cookie's (its first page had none), so opening the chat makes
        it a visitor (``adopt``)."""
        host_user_id = snapshot[0]
        adopted = self.adopt(known_id, host_user_id=host_user_id) if pending and known_id else None
        visitor = adopted or self.for_connection(known_id, host_user_id=host_user_id)
        if visitor is None:
            return None
        self._go_live(sid, visitor, snapshot)
        return visitor

    def start_storing(
        self,
        sid: str,
        visitor_id: str,
        snapshot: CustomerSnapshot,
        *,
        department: str | None,
        page: tuple[str | None, str | None] | None,
    ) -> VisitorRecord:
        """A visitor we do not recognise wrote (a message, a file, the pre-chat form): the least the chat
        needs is stored now, under the id their page session already holds: a visitor row (with the page's
        department, which routes the chat) and, while connected, the connection row with the current page
        for the agent. Their time zone is not stored. Idempotent."""
        host_user_id = snapshot[0]
        visitor = self.ensure_stored(visitor_id, host_user_id=host_user_id)
        if department is not None and visitor.department is None:
            self._store.visitors.update_visitor(visitor.id, department=department)
        self._go_live(sid, visitor, snapshot)
        if page is not None:
            url = page_urls.page_url(page[0]) if page[0] else None
            self._store.presence.visitor_on_page(sid, url=url, title=_clip(page[1], 512))
        return visitor

    def ensure_stored(self, visitor_id: str, *, host_user_id: str | None) -> VisitorRecord:
        """The visitor row of a page session (an id we signed), made when they first write."""
        visitor = self._store.visitors.get_visitor(visitor_id)
        if visitor is None:
            visitor = self._store.visitors.create_visitor(
                persistent=False, host_user_id=host_user_id, visitor_id=visitor_id
            )
            publish(VisitorChanged(visitor.id))
        return visitor

    def _go_live(self, sid: str, visitor: VisitorRecord, snapshot: CustomerSnapshot) -> None:
        host_user_id, context, staff = snapshot
        customer.remember_customer(self._store, visitor, host_user_id, context, staff)
        self._store.presence.visitor_connected(sid, visitor.id, customer=customer.encode(context))
        publish(VisitorChanged(visitor.id))

    def disconnected(self, sid: str) -> None:
        visitor_id = self._store.presence.visitor_disconnected(sid)
        if visitor_id is not None:
            publish(VisitorChanged(visitor_id))

    def on_page(
        self,
        sid: str,
        visitor_id: str,
        *,
        url: str | None,
        title: str | None,
        learned: dict[str, Any],
        page_department: str | None = None,
    ) -> None:
        """The widget said where it is (``hello``): the connection's page, the view's title, and what the
        widget told us about the visitor (time zone, department); ``page_department`` becomes theirs only
        when they have none."""
        if page_department is not None and "department" not in learned:
            visitor = self._store.visitors.get_visitor(visitor_id)
            if visitor is not None and visitor.department is None:
                learned = {**learned, "department": page_department}
        url = page_urls.page_url(url) if url else url
        self._store.visitors.on_page(sid, visitor_id, url=url, title=title, learned=learned)
        publish(VisitorChanged(visitor_id))

    def live_visitor(self, visitor_id: str, departments: Departments = None) -> LiveVisitor | None:
        """One visitor as the console shows them, with their pre-chat answers, or ``None`` (gone, or
        outside ``departments``)."""
        found = self._store.visitors.visitor_details(
            visitor_id, connection_cutoff=self._connection_cutoff(), departments=departments
        )
        if found is None:
            return None
        return replace(found, answers=self.answers(visitor_id))

    def answers(self, visitor_id: str) -> tuple[tuple[str, str], ...]:
        """The visitor's pre-chat answers as (label, value), for agents."""
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        return labelled_answers(app, self._store.profiles.profile_of(visitor_id))

    def live_visitors(self, *, since: datetime, departments: Departments) -> list[LiveVisitor]:
        return self._store.visitors.live_visitors(
            since=since, connection_cutoff=self._connection_cutoff(), departments=departments
        )

    def get(self, visitor_id: str) -> VisitorRecord | None:
        return self._store.visitors.get_visitor(visitor_id)

    def prechat_done(self, visitor_id: str) -> bool:
        return self._store.profiles.profile_of(visitor_id) is not None

    def save_answers(self, visitor_id: str, answers: dict[str, str]) -> None:
        """Pre-chat answers (already checked by ``prechat.check_answers``)."""
        save_answers(self._store, visitor_id, answers)

    def record_page_view(
        self,
        visitor_id: str | None,
        page: PageInfo,
        client: ClientInfo,
        department: str | None = None,
        staff: bool = False,
        *,
        host_user_id: str | None = None,
    ) -> VisitRecord:
        return self._store.visitors.record_page_view(
            visitor_id,
            _clean(page),
            client,
            visit_timeout=self._visit_timeout,
            department=department,
            staff=staff,
            host_user_id=host_user_id,
        )

    def for_connection(self, visitor_id: str | None, *, host_user_id: str | None) -> VisitorRecord | None:
        """The recognised visitor behind a socket, or ``None`` for one we do not (may not) recognise.

        A cookie visitor that belongs to another host user is not reused (see ``record_page_view``).
        """
        if visitor_id is None:
            return None
        visitor = self._store.visitors.get_visitor(visitor_id)
        if visitor is None or visitor.host_user_id not in (None, host_user_id):
            return None
        if host_user_id is not None and visitor.host_user_id is None:
            self._store.privacy.link_host_user(visitor.id, host_user_id)
        return visitor

    @staticmethod
    def unstored_id(session_id: str | None) -> str:
        """The id of a visitor we do not recognise: their page session's (so a reconnect keeps it), or a
        fresh one. No row has it until ``start_storing``."""
        return session_id or new_public_id()
