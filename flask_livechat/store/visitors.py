"""Visitors, visits and page views; the console's live list of who is on the site, and everything agents
see about one visitor."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, case, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from . import reports
from .conversations import in_departments
from .database import Database
from .models import (
    Conversation,
    PageView,
    ReportChat,
    Visit,
    Visitor,
    VisitorConnection,
    VisitorProfile,
    new_public_id,
    utcnow,
)
from .records import (
    ClientInfo,
    ConversationRecord,
    Departments,
    LiveVisitor,
    PageInfo,
    PageVisit,
    QueuedPageView,
    VisitorRecord,
    VisitRecord,
    to_record,
)

# Statements of every connect and hello, built once: building one and its cache key costs more than running
# it on SQLite (about 150 of 215 µs for a visitor by id; bench/README.md, "Statements built once").
_VISITOR_BY_ID = select(Visitor).where(Visitor.id == bindparam("visitor_id"))
_CONNECTION_ON_PAGE = (
    update(VisitorConnection)
    .where(VisitorConnection.sid == bindparam("of_sid"))
    .values(url=bindparam("new_url"), title=bindparam("new_title"), last_seen_at=bindparam("now"))
)
_UNTITLED_VIEW = (
    select(PageView.id)
    .where(
        PageView.visitor_id == bindparam("visitor_id"),
        PageView.url == bindparam("url"),
        PageView.title.is_(None),
    )
    .order_by(PageView.viewed_at.desc(), PageView.id.desc())
    .limit(1)
)
_TITLE_VIEW = update(PageView).where(PageView.id == bindparam("view_id")).values(title=bindparam("new_title"))


def _set_fields(connection: Connection, visitor_id: str, values: dict[str, Any]) -> None:
    """Profile fields the chat learned, in the caller's transaction."""
    connection.execute(update(Visitor).where(Visitor.id == visitor_id).values(**values))


class VisitorQueries:
    def __init__(self, database: Database) -> None:
        self._db = database

    def get_visitor(self, visitor_id: str) -> VisitorRecord | None:
        with self._db.reading() as connection:
            row = connection.execute(_VISITOR_BY_ID, {"visitor_id": visitor_id}).first()
        return to_record(VisitorRecord, row) if row else None

    @staticmethod
    def _insert_visitor(
        connection: Connection, *, persistent: bool, host_user_id: str | None, visitor_id: str | None = None
    ) -> str:
        """A new visitor with a fresh random id (or ``visitor_id``), in the caller's transaction; its id."""
        now = utcnow()
        visitor_id = visitor_id or new_public_id()
        connection.execute(
            insert(Visitor).values(
                id=visitor_id,
                first_seen_at=now,
                last_seen_at=now,
                visit_count=0,
                persistent=persistent,
                host_user_id=host_user_id,
            )
        )
        return visitor_id

    def create_visitor(
        self, *, persistent: bool, host_user_id: str | None = None, visitor_id: str | None = None
    ) -> VisitorRecord:
        """A new visitor; with ``visitor_id`` (a pending cookie's id) that id, or the row it already has."""
        with self._db.writing() as connection:
            exists = (
                visitor_id is not None
                and connection.execute(select(Visitor.id).where(Visitor.id == visitor_id)).first()
            )
            if not exists:
                visitor_id = self._insert_visitor(
                    connection, persistent=persistent, host_user_id=host_user_id, visitor_id=visitor_id
                )
            row = connection.execute(_VISITOR_BY_ID, {"visitor_id": visitor_id}).one()
        return to_record(VisitorRecord, row)

    def keep_visitor(self, visitor_id: str) -> None:
        """A visitor known for one page session becomes one we recognise (they accepted recognition)."""
        with self._db.writing() as connection:
            connection.execute(update(Visitor).where(Visitor.id == visitor_id).values(persistent=True))

    def record_page_view(
        self,
        visitor_id: str | None,
        page: PageInfo,
        client: ClientInfo,
        *,
        visit_timeout: timedelta,
        host_user_id: str | None = None,
        department: str | None = None,
        staff: bool = False,
    ) -> VisitRecord:
        """Counts a page view, starting a visit after ``visit_timeout`` of silence.

        An unknown ``visitor_id`` (erased, purged, or never issued) gets a fresh visitor with a new id, and so
        does a visitor that belongs to another host user than ``host_user_id`` (someone logged out, or a
        shared computer): their conversation must not follow the browser. A logged-in user's visitor record
        is linked to them. ``department`` (with LIVECHAT_DEPARTMENTS) becomes the visitor's current
        department; ``staff`` marks an agent or admin browsing the site, kept out of the visitor list.
        """
        now = utcnow()
        with self._db.writing() as connection:
            owner = (
                connection.execute(select(Visitor.host_user_id).where(Visitor.id == visitor_id)).first()
                if visitor_id is not None
                else None
            )
            new_visitor = owner is None or owner.host_user_id not in (None, host_user_id)
            if new_visitor:
                visitor_id = self._insert_visitor(connection, persistent=True, host_user_id=host_user_id)
            elif host_user_id is not None and owner is not None and owner.host_user_id is None:
                connection.execute(
                    update(Visitor).where(Visitor.id == visitor_id).values(host_user_id=host_user_id)
                )
            assert visitor_id is not None
            visit = connection.execute(
                select(Visit.id, Visit.last_seen_at)
                .where(Visit.visitor_id == visitor_id)
                .order_by(Visit.last_seen_at.desc())
                .limit(1)
            ).first()
            new_visit = visit is None or now - visit.last_seen_at > visit_timeout
            if visit is not None and not new_visit:
                visit_id = visit.id
                connection.execute(update(Visit).where(Visit.id == visit_id).values(last_seen_at=now))
                connection.execute(update(Visitor).where(Visitor.id == visitor_id).values(last_seen_at=now))
            else:
                visit_id = connection.execute(
                    insert(Visit)
                    .values(
                        visitor_id=visitor_id,
                        started_at=now,
                        last_seen_at=now,
                        referrer=page.referrer,
                        landing_url=page.url,
                        **client.__dict__,
                    )
                    .returning(Visit.id)
                ).scalar_one()
                if not staff:
                    reports.visit_started(
                        connection,
                        visit_id,
                        visitor_id,
                        at=now,
                        browser=client.browser,
                        os=client.os,
                        referrer=page.referrer,
                        site_url=page.url,
                        came_before=visit is not None,
                    )
                connection.execute(
                    update(Visitor)
                    .where(Visitor.id == visitor_id)
                    .values(last_seen_at=now, visit_count=Visitor.visit_count + 1)
                )
            left_department = None
            if department is not None and not new_visitor:
                before = connection.execute(
                    select(Visitor.department).where(Visitor.id == visitor_id)
                ).scalar()
                left_department = before if before not in (None, department) else None
            marks: dict[str, Any] = {"department": department} if department is not None else {}
            if staff:
                marks["staff"] = True
            if marks:
                connection.execute(update(Visitor).where(Visitor.id == visitor_id).values(**marks))
            page_view_id = connection.execute(
                insert(PageView)
                .values(
                    visit_id=visit_id,
                    visitor_id=visitor_id,
                    url=page.url,
                    title=page.title,
                    referrer=page.referrer,
                    viewed_at=now,
                )
                .returning(PageView.id)
            ).scalar_one()
            if not staff:
                reports.page_viewed(connection, page_view_id, visitor_id, at=now, url=page.url)
        return VisitRecord(
            visitor_id=visitor_id,
            visit_id=visit_id,
            new_visitor=new_visitor,
            new_visit=new_visit,
            left_department=left_department,
        )

    def write_page_views(self, views: list[QueuedPageView]) -> set[str]:
        """Writes page views queued in memory (services/page_view_batch.py) in one transaction: each visit's
        and visitor's last-seen time moves to its latest view. Views of a visit that no longer exists (its
        visitor was erased or purged meanwhile) are dropped. Returns the visitors whose views were written."""
        try:
            return self._write_page_views(views)
        except IntegrityError:  # an erasure committed between our check and our insert: check again
            return self._write_page_views(views)

    def _write_page_views(self, views: list[QueuedPageView]) -> set[str]:
        with self._db.writing() as connection:
            # Key-share locks (PostgreSQL): an erasure deleting these visits waits for this commit, then
            # deletes what it wrote too.
            alive = set(
                connection.execute(
                    select(Visit.id)
                    .where(Visit.id.in_({view.visit_id for view in views}))
                    .with_for_update(read=True, key_share=True)
                ).scalars()
            )
            kept = [view for view in views if view.visit_id in alive]
            if not kept:
                return set()
            ids = connection.execute(
                insert(PageView).returning(PageView.id, sort_by_parameter_order=True),
                [
                    {
                        "visit_id": view.visit_id,
                        "visitor_id": view.visitor_id,
                        "url": view.page.url,
                        "title": view.page.title,
                        "referrer": view.page.referrer,
                        "viewed_at": view.viewed_at,
                    }
                    for view in kept
                ],
            ).scalars()
            reports.pages_viewed(
                connection,
                [
                    (page_view_id, view.visitor_id, view.viewed_at, view.page.url)
                    for page_view_id, view in zip(ids, kept, strict=True)
                    if not view.staff
                ],
            )
            visits = {view.visit_id: view.viewed_at for view in kept}
            visitors = {view.visitor_id: view.viewed_at for view in kept}
            connection.execute(
                update(Visit).where(Visit.id == bindparam("b_id")).values(last_seen_at=bindparam("b_seen")),
                [{"b_id": visit_id, "b_seen": seen} for visit_id, seen in visits.items()],
            )
            connection.execute(
                update(Visitor)
                .where(Visitor.id == bindparam("b_id"))
                .values(last_seen_at=bindparam("b_seen")),
                [{"b_id": visitor_id, "b_seen": seen} for visitor_id, seen in visitors.items()],
            )
        return set(visitors)

    def page_views_of(self, visitor_id: str) -> list[PageInfo]:
        with self._db.reading() as connection:
            rows = connection.execute(
                select(PageView.url, PageView.title, PageView.referrer)
                .where(PageView.visitor_id == visitor_id)
                .order_by(PageView.viewed_at, PageView.id)
            ).all()
        return [PageInfo(url=row.url, title=row.title, referrer=row.referrer) for row in rows]

    def visits_of(self, visitor_id: str) -> list[dict[str, Any]]:
        with self._db.reading() as connection:
            rows = connection.execute(
                select(Visit).where(Visit.visitor_id == visitor_id).order_by(Visit.started_at)
            ).all()
        return [dict(row._mapping) for row in rows]

    # --- the console's live list of who is on the site, and everything agents see about one visitor ---

    def live_visitors(
        self,
        *,
        since: datetime,
        connection_cutoff: datetime,
        departments: Departments = None,
        limit: int = 200,
    ) -> list[LiveVisitor]:
        """Visitors with a widget open now or seen since ``since``: those with a widget open first (so a burst
        of page views from elsewhere cannot push someone who is on the site out of the list), then the most
        recently seen."""
        with self._db.reading() as connection:
            connected = (
                select(VisitorConnection.visitor_id)
                .where(VisitorConnection.last_seen_at >= connection_cutoff)
                .scalar_subquery()
            )
            ids = [
                row.id
                for row in connection.execute(
                    select(Visitor.id)
                    .where(
                        or_(Visitor.last_seen_at >= since, Visitor.id.in_(connected)),
                        Visitor.staff.is_(False),
                        in_departments(Visitor.department, departments),
                    )
                    .order_by(case((Visitor.id.in_(connected), 0), else_=1), Visitor.last_seen_at.desc())
                    .limit(limit)
                )
            ]
        return [
            found
            for found in (
                self.visitor_details(i, connection_cutoff=connection_cutoff, departments=departments)
                for i in ids
            )
            if found is not None
        ]

    def visitor_details(
        self, visitor_id: str, *, connection_cutoff: datetime, departments: Departments = None
    ) -> LiveVisitor | None:
        with self._db.reading() as connection:
            row = connection.execute(
                select(Visitor).where(
                    Visitor.id == visitor_id, in_departments(Visitor.department, departments)
                )
            ).first()
            if row is None:
                return None
            visitor = to_record(VisitorRecord, row)
            sockets = connection.execute(
                select(VisitorConnection)
                .where(
                    VisitorConnection.visitor_id == visitor_id,
                    VisitorConnection.last_seen_at >= connection_cutoff,
                )
                .order_by(VisitorConnection.last_seen_at.desc())
            ).all()
            visit = connection.execute(
                select(Visit)
                .where(Visit.visitor_id == visitor_id)
                .order_by(Visit.last_seen_at.desc())
                .limit(1)
            ).first()
            pages: list[PageVisit] = []
            if visit is not None:
                pages = [
                    PageVisit(p.url, p.title, p.viewed_at)
                    for p in connection.execute(
                        select(PageView.url, PageView.title, PageView.viewed_at)
                        .where(PageView.visit_id == visit.id)
                        .order_by(PageView.viewed_at, PageView.id)
                        .limit(200)
                    )
                ]
            conversations = [
                to_record(ConversationRecord, c)
                for c in connection.execute(
                    select(Conversation)
                    .where(
                        Conversation.visitor_id == visitor_id,
                        in_departments(Conversation.department, departments),
                    )
                    .order_by(Conversation.created_at.desc())
                    .limit(50)
                )
            ]
        current = next((s for s in sockets if s.url), None)
        last_page = pages[-1] if pages else None
        last_seen = max([visitor.last_seen_at, *(s.last_seen_at for s in sockets)])
        return LiveVisitor(
            visitor=visitor,
            connections=len(sockets),
            current_url=current.url if current else (last_page.url if last_page else None),
            current_title=current.title if current else (last_page.title if last_page else None),
            last_seen_at=last_seen,
            visit=dict(visit._mapping) if visit is not None else None,
            pages=tuple(pages),
            conversations=tuple(conversations),
            customer=next((s.customer for s in sockets if s.customer), None),
        )

    def update_visitor(self, visitor_id: str, **values: Any) -> None:
        """Sets profile fields the chat learned (host user link, time zone, department)."""
        if not values:
            return
        with self._db.writing() as connection:
            _set_fields(connection, visitor_id, values)

    def on_page(
        self, sid: str, visitor_id: str, *, url: str | None, title: str | None, learned: dict[str, Any]
    ) -> None:
        """What a widget's ``hello`` tells about a stored visitor, in one transaction (a reconnect storm is
        thousands of them): the connection's page, the title of their latest view of ``url`` when the page's
        HTML had none (a title its script set), and profile fields the widget told us (time zone,
        department)."""
        with self._db.writing() as connection:
            on_page = {"of_sid": sid, "new_url": url, "new_title": title, "now": utcnow()}
            connection.execute(_CONNECTION_ON_PAGE, on_page)
            if url and title:
                latest = connection.execute(_UNTITLED_VIEW, {"visitor_id": visitor_id, "url": url}).scalar()
                if latest is not None:
                    connection.execute(_TITLE_VIEW, {"view_id": latest, "new_title": title[:512]})
            if learned:
                _set_fields(connection, visitor_id, learned)

    def merge_into(self, source_id: str, target_id: str) -> None:
        """A page session's visitor (``source_id``) turns out to be a visitor we already recognise
        (``target_id``): their conversations, pre-chat answers and live connections move to the recognised
        record and the page's record goes, in one transaction, so nothing is left that nobody can reach."""
        with self._db.writing() as connection:
            connection.execute(
                update(Conversation).where(Conversation.visitor_id == source_id).values(visitor_id=target_id)
            )
            connection.execute(
                update(ReportChat).where(ReportChat.visitor_id == source_id).values(visitor_id=target_id)
            )
            connection.execute(
                update(VisitorConnection)
                .where(VisitorConnection.visitor_id == source_id)
                .values(visitor_id=target_id)
            )
            answers = connection.execute(
                select(VisitorProfile.fields).where(VisitorProfile.visitor_id == source_id)
            ).scalar()
            kept = connection.execute(
                select(VisitorProfile.fields).where(VisitorProfile.visitor_id == target_id)
            ).scalar()
            connection.execute(delete(VisitorProfile).where(VisitorProfile.visitor_id == source_id))
            if answers is not None:
                if kept is None:
                    connection.execute(
                        insert(VisitorProfile).values(
                            visitor_id=target_id, submitted_at=utcnow(), fields=answers
                        )
                    )
                else:
                    connection.execute(
                        update(VisitorProfile)
                        .where(VisitorProfile.visitor_id == target_id)
                        .values(fields={**kept, **answers})
                    )
            source = connection.execute(
                select(Visitor.name, Visitor.email).where(Visitor.id == source_id)
            ).first()
            if source is not None and (source.name or source.email):
                contact = {key: value for key, value in source._mapping.items() if value}
                connection.execute(update(Visitor).where(Visitor.id == target_id).values(**contact))
            connection.execute(delete(Visitor).where(Visitor.id == source_id))
