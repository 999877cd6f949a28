"""The console's live list of who is on the site, and everything agents see about one visitor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select, update

from .conversations import in_departments
from .database import Database
from .models import Conversation, PageView, Visit, Visitor, VisitorConnection
from .records import ConversationRecord, Departments, VisitorRecord, to_record


@dataclass(frozen=True)
class PageVisit:
    url: str
    title: str | None
    viewed_at: datetime


@dataclass(frozen=True)
class LiveVisitor:
    visitor: VisitorRecord
    #: Widget connections open now (all tabs, all processes); 0 for a visitor seen recently.
    connections: int
    current_url: str | None
    current_title: str | None
    last_seen_at: datetime
    visit: dict[str, Any] | None
    #: This visit's pages in order, with times: the navigation path.
    pages: tuple[PageVisit, ...]
    conversations: tuple[ConversationRecord, ...]
    #: JSON of the host user and billing, while a logged-in visitor is connected.
    customer: str | None = None


class VisitorListQueries(Database):
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
        with self.reading() as connection:
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
        with self.reading() as connection:
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
        with self.writing() as connection:
            connection.execute(update(Visitor).where(Visitor.id == visitor_id).values(**values))

    def title_page_view(self, visitor_id: str, url: str, title: str) -> None:
        """Gives the visitor's latest view of ``url`` the title the widget read (the server never sees it)."""
        with self.writing() as connection:
            latest = connection.execute(
                select(PageView.id)
                .where(PageView.visitor_id == visitor_id, PageView.url == url, PageView.title.is_(None))
                .order_by(PageView.viewed_at.desc(), PageView.id.desc())
                .limit(1)
            ).scalar()
            if latest is not None:
                connection.execute(update(PageView).where(PageView.id == latest).values(title=title[:512]))

    def count_visitors(self) -> int:
        with self.reading() as connection:
            return int(connection.execute(select(func.count()).select_from(Visitor)).scalar_one())
