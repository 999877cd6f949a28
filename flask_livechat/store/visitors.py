"""Visitors, visits and page views."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from .database import Database
from .models import PageView, Visit, Visitor, new_public_id, utcnow
from .records import ClientInfo, PageInfo, VisitorRecord, VisitRecord, to_record


class VisitorQueries(Database):
    def get_visitor(self, visitor_id: str) -> VisitorRecord | None:
        with self.reading() as connection:
            row = connection.execute(select(Visitor).where(Visitor.id == visitor_id)).first()
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
        with self.writing() as connection:
            exists = (
                visitor_id is not None
                and connection.execute(select(Visitor.id).where(Visitor.id == visitor_id)).first()
            )
            if not exists:
                visitor_id = self._insert_visitor(
                    connection, persistent=persistent, host_user_id=host_user_id, visitor_id=visitor_id
                )
            row = connection.execute(select(Visitor).where(Visitor.id == visitor_id)).one()
        return to_record(VisitorRecord, row)

    def keep_visitor(self, visitor_id: str) -> None:
        """A visitor known for one page session becomes one we recognise (they accepted recognition)."""
        with self.writing() as connection:
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
        with self.writing() as connection:
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
            connection.execute(
                insert(PageView).values(
                    visit_id=visit_id,
                    visitor_id=visitor_id,
                    url=page.url,
                    title=page.title,
                    referrer=page.referrer,
                    viewed_at=now,
                )
            )
        return VisitRecord(
            visitor_id=visitor_id,
            visit_id=visit_id,
            new_visitor=new_visitor,
            new_visit=new_visit,
            left_department=left_department,
        )

    def page_views_of(self, visitor_id: str) -> list[PageInfo]:
        with self.reading() as connection:
            rows = connection.execute(
                select(PageView.url, PageView.title, PageView.referrer)
                .where(PageView.visitor_id == visitor_id)
                .order_by(PageView.viewed_at, PageView.id)
            ).all()
        return [PageInfo(url=row.url, title=row.title, referrer=row.referrer) for row in rows]

    def visits_of(self, visitor_id: str) -> list[dict[str, Any]]:
        with self.reading() as connection:
            rows = connection.execute(
                select(Visit).where(Visit.visitor_id == visitor_id).order_by(Visit.started_at)
            ).all()
        return [dict(row._mapping) for row in rows]
