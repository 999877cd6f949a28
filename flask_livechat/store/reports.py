"""The reports' facts: kept up to date as conversations, messages, visits and page views are stored, and read
back as aggregates for the admin's reports.

Every read groups by an integer bucket of local time: ``(ts + offset) // 86400`` is the admin's local day,
where ``offset`` is a ``CASE`` over the time zone's UTC offsets in the window (daylight saving included). Each
row it returns carries ``people``, the number of distinct visitors behind the figure, so the service can
suppress small cells. Percentiles are nearest-rank (``row_number()`` over the sorted values), the same on both
databases.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import (
    Connection,
    Integer,
    bindparam,
    case,
    cast,
    delete,
    distinct,
    func,
    insert,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from .database import Database
from .models import (
    Conversation,
    Message,
    PageView,
    ReportChat,
    ReportView,
    ReportVisit,
    Visit,
    Visitor,
    VisitorConnection,
)
from .records import MessageRecord, from_offline_form

#: A time zone's UTC offsets in a window: ``(from_ts, offset_seconds)``, the first from the window's start.
Offsets = Sequence[tuple[int, int]]
Row = dict[str, Any]

DAY = 86400
#: Day 0 (1970-01-01) was a Thursday: ``(day + 3) % 7`` is the weekday with Monday 0.
_THURSDAY = 3


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


# --- writes, in the caller's transaction ------------------------------------------------------------------


def chat_opened(
    connection: Connection, conversation_id: str, visitor_id: str, department: str | None
) -> None:
    connection.execute(
        insert(ReportChat).values(
            conversation_id=conversation_id,
            visitor_id=visitor_id,
            department=department,
            plan=_current_plan(connection, visitor_id),
        )
    )


def _message_timings(sender: str) -> Any:
    """The UPDATE that moves a conversation's timings on for a message of ``sender``, built once."""
    ts: Any = bindparam("message_ts")
    values: dict[str, Any] = {
        "first_message": func.coalesce(ReportChat.first_message, ts),
        "last_message": ts,
    }
    if sender == "visitor":
        values["started"] = func.coalesce(ReportChat.started, ts)
        values["left_message"] = case(
            (ReportChat.started.is_(None), bindparam("message_offline")), else_=ReportChat.left_message
        )
    else:
        waiting = ReportChat.started.is_not(None) & ReportChat.first_reply.is_(None)
        values["first_reply"] = case((waiting, ts), else_=ReportChat.first_reply)
        values["agent"] = case((waiting, bindparam("message_author")), else_=ReportChat.agent)
    return update(ReportChat).where(ReportChat.conversation_id == bindparam("message_chat")).values(**values)


#: Built once (a statement per message would cost more than its SQL): see conversations._AppendStatements.
_MESSAGE_TIMINGS = {sender: _message_timings(sender) for sender in ("visitor", "agent")}


def message_stored(
    connection: Connection,
    conversation_id: str,
    *,
    sender: str,
    author: str | None,
    client_id: str,
    at: datetime,
) -> None:
    """Moves the conversation's timings on; a conversation stored before the reports existed has no row and
    keeps none (``flask livechat reports-rebuild`` fills those in)."""
    statement = _MESSAGE_TIMINGS.get(sender)
    if statement is None:
        return
    connection.execute(statement, _timing_parameters(conversation_id, sender, author, client_id, at))


def visitor_messages_stored(connection: Connection, messages: Sequence[MessageRecord]) -> None:
    """``message_stored`` for many visitor messages at once (group commit): one statement, many rows."""
    connection.execute(
        _MESSAGE_TIMINGS["visitor"],
        [_timing_parameters(m.conversation_id, "visitor", None, m.client_id, m.created_at) for m in messages],
    )


def _timing_parameters(
    conversation_id: str, sender: str, author: str | None, client_id: str, at: datetime
) -> dict[str, Any]:
    parameters: dict[str, Any] = {"message_chat": conversation_id, "message_ts": epoch(at)}
    if sender == "visitor":
        parameters["message_offline"] = from_offline_form(client_id)
    else:
        parameters["message_author"] = author
    return parameters


def chat_rated(connection: Connection, conversation_id: str, rating: int) -> None:
    connection.execute(
        update(ReportChat).where(ReportChat.conversation_id == conversation_id).values(rating=rating)
    )


def visit_started(
    connection: Connection,
    visit_id: int,
    visitor_id: str,
    *,
    at: datetime,
    browser: str | None,
    os: str | None,
    referrer: str | None,
    site_url: str,
    came_before: bool,
) -> None:
    connection.execute(
        insert(ReportVisit).values(
            visit_id=visit_id,
            visitor_id=visitor_id,
            started=epoch(at),
            browser=browser,
            os=os,
            referrer_origin=external_origin(referrer, site_url),
            came_before=came_before,
        )
    )


def page_viewed(
    connection: Connection, page_view_id: int, visitor_id: str, *, at: datetime, url: str
) -> None:
    pages_viewed(connection, [(page_view_id, visitor_id, at, url)])


def pages_viewed(connection: Connection, views: list[tuple[int, str, datetime, str]]) -> None:
    """The report rows of page views: (page view id, visitor id, viewed at, url) each."""
    if views:
        connection.execute(
            insert(ReportView),
            [
                {
                    "page_view_id": view_id,
                    "visitor_id": visitor_id,
                    "viewed": epoch(at),
                    "path": page_path(url),
                }
                for view_id, visitor_id, at, url in views
            ],
        )


def page_path(url: str) -> str:
    """The path alone: a query string or fragment may carry a search term, a token or an email address."""
    try:
        path = urlsplit(url).path
    except ValueError:
        path = ""
    return (path or "/")[:512]


def external_origin(referrer: str | None, site_url: str) -> str | None:
    """``scheme://host[:port]`` of a referrer on another site; ``None`` for none, a same-site one, or junk."""
    if not referrer:
        return None
    try:
        parts, site = urlsplit(referrer), urlsplit(site_url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = (parts.hostname or "").lower()
    if not host or host == (site.hostname or "").lower():
        return None
    port = f":{parts.port}" if _port(parts) else ""
    return f"{parts.scheme}://{host}{port}"[:300]


def _port(parts: Any) -> int | None:
    try:
        port: int | None = parts.port
    except ValueError:
        return None
    return port if port not in (80, 443) else None


def _current_plan(connection: Connection, visitor_id: str) -> str | None:
    stored = connection.execute(
        select(VisitorConnection.customer)
        .where(VisitorConnection.visitor_id == visitor_id, VisitorConnection.customer.is_not(None))
        .order_by(VisitorConnection.last_seen_at.desc())
        .limit(1)
    ).scalar()
    if not stored:
        return None
    try:
        billing = json.loads(stored).get("billing") or {}
        plan = billing.get("plan")
    except (ValueError, AttributeError):
        return None
    return str(plan)[:64] if plan else None


# --- reads --------------------------------------------------------------------------------------------------


def local(column: Any, offsets: Offsets) -> Any:
    """``column`` (epoch seconds) shifted into local time, with the offset in force at each moment."""
    if len(offsets) == 1:
        return column + offsets[0][1]
    whens = [(column < start, offset) for (_, offset), (start, _) in itertools.pairwise(offsets)]
    return column + case(*whens, else_=offsets[-1][1])


def bucket(column: Any, offsets: Offsets, period: str) -> Any:
    """The local day number (days since 1970-01-01), or for ``week`` the day number of its Monday."""
    day = local(column, offsets) // DAY
    if period == "week":
        return ((day + _THURSDAY) // 7) * 7 - _THURSDAY
    return day


def period_ranges(start: int, end: int, offsets: Offsets, period: str) -> list[tuple[int, int, int]]:
    """``(bucket, low, high)`` for each local day or week of ``[start, end)``: the bucket as ``bucket()``
    numbers it, and the epoch seconds where it begins and ends (clipped to the window)."""
    first, last = _bucket_of(start, offsets, period), _bucket_of(end - 1, offsets, period)
    step = 7 if period == "week" else 1
    days = range(first, last + 1, step)
    edges = [_local_midnight(day, offsets) for day in days] + [_local_midnight(last + step, offsets)]
    return [
        (day, max(low, start), min(high, end)) for day, low, high in zip(days, edges, edges[1:], strict=False)
    ]


def _offset_at(moment: int, offsets: Offsets) -> int:
    """The UTC offset in force at ``moment``, as ``local()`` picks it in SQL."""
    for (_, offset), (following, _) in itertools.pairwise(offsets):
        if moment < following:
            return offset
    return offsets[-1][1]


def _bucket_of(moment: int, offsets: Offsets, period: str) -> int:
    day = (moment + _offset_at(moment, offsets)) // DAY
    return ((day + _THURSDAY) // 7) * 7 - _THURSDAY if period == "week" else day


def _local_midnight(day: int, offsets: Offsets) -> int:
    """The epoch second where local day number ``day`` begins: one of ``offsets`` is in force then, and it
    is the one that maps the candidate back onto the day's first second."""
    for _, offset in offsets:
        candidate = day * DAY - offset
        if candidate + _offset_at(candidate, offsets) == day * DAY:
            return candidate
    return day * DAY - offsets[-1][1]


class ReportQueries:
    """Aggregates over the facts in ``[start, end)`` (epoch seconds); each method is one read."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def _rows(self, query: Any) -> list[Row]:
        with self._db.reading() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    # conversations

    def chats(
        self, start: int, end: int, offsets: Offsets, period: str, *, missed_after: int, now: int
    ) -> list[Row]:
        """Chats per period, and how many of them were missed (no reply within ``missed_after`` seconds)."""
        missed = _missed(missed_after, now)
        group = bucket(ReportChat.started, offsets, period).label("bucket")
        return self._rows(
            select(
                group,
                func.count().label("chats"),
                func.count(distinct(ReportChat.visitor_id)).label("people"),
                func.sum(case((missed, 1), else_=0)).label("missed"),
                func.count(distinct(case((missed, ReportChat.visitor_id)))).label("missed_people"),
            )
            .where(*_chat_window(start, end), ReportChat.left_message.is_(False))
            .group_by(group)
            .order_by(group)
        )

    def chat_totals(self, start: int, end: int, *, missed_after: int, now: int) -> Row:
        """The window's chats, missed chats and ratings, each with its own distinct visitor count."""
        missed = _missed(missed_after, now)
        rated = ReportChat.rating.is_not(None)
        rows = self._rows(
            select(
                func.count().label("chats"),
                func.count(distinct(ReportChat.visitor_id)).label("people"),
                func.coalesce(func.sum(case((missed, 1), else_=0)), 0).label("missed"),
                func.count(distinct(case((missed, ReportChat.visitor_id)))).label("missed_people"),
                func.count(ReportChat.rating).label("rated"),
                func.coalesce(func.sum(ReportChat.rating), 0).label("rating_sum"),
                func.count(distinct(case((rated, ReportChat.visitor_id)))).label("rated_people"),
            ).where(*_chat_window(start, end), ReportChat.left_message.is_(False))
        )
        return rows[0]

    def view_totals(self, start: int, end: int) -> Row:
        """The window's page views and distinct visitors. Grouped by visitor, the read follows the
        (visitor_id, viewed) index in order; a ``count(DISTINCT)`` let SQLite pick the (viewed, visitor_id)
        one and sort (a year: 71 ms against 534 ms)."""
        per_visitor = (
            select(func.count().label("views"))
            .where(*_in_range(ReportView.viewed, start, end))
            .group_by(ReportView.visitor_id)
            .subquery()
        )
        rows = self._rows(
            select(
                func.coalesce(func.sum(per_visitor.c.views), 0).label("views"), func.count().label("people")
            )
        )
        return rows[0]

    def first_response(self, start: int, end: int, offsets: Offsets, period: str | None) -> list[Row]:
        """Median and 90th percentile seconds to the first agent reply, per period (or overall)."""
        group = bucket(ReportChat.started, offsets, period) if period else None
        return self._percentiles(
            group,
            ReportChat.first_reply - ReportChat.started,
            [
                *_chat_window(start, end),
                ReportChat.left_message.is_(False),
                ReportChat.first_reply.is_not(None),
            ],
        )

    def durations(self, start: int, end: int) -> list[Row]:
        """Chats by length (first to last message), in the bins the report shows."""
        length = ReportChat.last_message - ReportChat.first_message
        limits = (60, 5 * 60, 15 * 60, 30 * 60, 60 * 60)
        label = case(*[(length < limit, index) for index, limit in enumerate(limits)], else_=len(limits))
        group = label.label("bucket")
        return self._rows(
            select(
                group,
                func.count().label("chats"),
                func.count(distinct(ReportChat.visitor_id)).label("people"),
            )
            .where(*_chat_window(start, end), ReportChat.left_message.is_(False))
            .group_by(group)
            .order_by(group)
        )

    def duration_percentiles(self, start: int, end: int) -> list[Row]:
        return self._percentiles(
            None,
            ReportChat.last_message - ReportChat.first_message,
            [*_chat_window(start, end), ReportChat.left_message.is_(False)],
        )

    def ratings(self, start: int, end: int) -> list[Row]:
        group = ReportChat.rating.label("bucket")
        return self._rows(
            select(
                group,
                func.count().label("chats"),
                func.count(distinct(ReportChat.visitor_id)).label("people"),
            )
            .where(
                *_chat_window(start, end), ReportChat.left_message.is_(False), ReportChat.rating.is_not(None)
            )
            .group_by(group)
            .order_by(group)
        )

    def agents(self, start: int, end: int) -> list[Row]:
        """Per agent who sent a chat's first reply: chats, distinct visitors, ratings."""
        rated = ReportChat.rating.is_not(None)
        return self._rows(
            select(
                ReportChat.agent.label("bucket"),
                func.count().label("chats"),
                func.count(distinct(ReportChat.visitor_id)).label("people"),
                func.count(ReportChat.rating).label("rated"),
                func.count(distinct(case((rated, ReportChat.visitor_id)))).label("rated_people"),
                func.sum(ReportChat.rating).label("rating_sum"),
            )
            .where(
                *_chat_window(start, end), ReportChat.left_message.is_(False), ReportChat.agent.is_not(None)
            )
            .group_by(ReportChat.agent)
            .order_by(func.count().desc(), ReportChat.agent)
        )

    def agent_first_response(self, start: int, end: int) -> list[Row]:
        return self._percentiles(
            ReportChat.agent,
            ReportChat.first_reply - ReportChat.started,
            [*_chat_window(start, end), ReportChat.agent.is_not(None), ReportChat.left_message.is_(False)],
        )

    def left_messages(self, start: int, end: int, offsets: Offsets, period: str) -> list[Row]:
        group = bucket(ReportChat.started, offsets, period).label("bucket")
        answered = ReportChat.first_reply.is_not(None)
        return self._rows(
            select(
                group,
                func.count().label("left"),
                func.count(distinct(ReportChat.visitor_id)).label("people"),
                func.sum(case((answered, 1), else_=0)).label("answered"),
                func.count(distinct(case((answered, ReportChat.visitor_id)))).label("answered_people"),
            )
            .where(*_chat_window(start, end), ReportChat.left_message.is_(True))
            .group_by(group)
            .order_by(group)
        )

    def left_message_answer_time(self, start: int, end: int) -> list[Row]:
        return self._percentiles(
            None,
            ReportChat.first_reply - ReportChat.started,
            [
                *_chat_window(start, end),
                ReportChat.left_message.is_(True),
                ReportChat.first_reply.is_not(None),
            ],
        )

    def chats_by(self, start: int, end: int, column: str) -> list[Row]:
        """Chats per ``plan`` or ``department`` (``None`` is its own group)."""
        key = {"plan": ReportChat.plan, "department": ReportChat.department}[column]
        return self._rows(
            select(
                key.label("bucket"),
                func.count().label("chats"),
                func.count(distinct(ReportChat.visitor_id)).label("people"),
            )
            .where(*_chat_window(start, end), ReportChat.left_message.is_(False))
            .group_by(key)
            .order_by(func.count().desc(), key)
        )

    def busiest_hours(self, start: int, end: int, offsets: Offsets) -> list[Row]:
        """Chats per local weekday (Monday 0) and hour."""
        shifted = local(ReportChat.started, offsets)
        weekday = ((shifted // DAY + _THURSDAY) % 7).label("weekday")
        hour = ((shifted % DAY) // 3600).label("hour")
        return self._rows(
            select(
                weekday,
                hour,
                func.count().label("chats"),
                func.count(distinct(ReportChat.visitor_id)).label("people"),
            )
            .where(*_chat_window(start, end), ReportChat.left_message.is_(False))
            .group_by(weekday, hour)
            .order_by(weekday, hour)
        )

    # visitors

    def traffic(self, start: int, end: int, offsets: Offsets, period: str) -> list[Row]:
        """Distinct visitors and page views per period.

        Counted per period's range of the ``viewed`` index (a correlated count for each day or week) rather
        than grouped by the computed local day: grouping sorted every page view of the window (a year's
        625,000 on SQLite: 334 ms against 171 ms this way)."""
        # The ranges as a CTE of one-row SELECTs (at most MAX_DAYS of them, under SQLite's 500-term limit of a
        # compound SELECT): a VALUES list would need ``Values.cte()``, which SQLAlchemy 2.0 lacks.
        periods = union_all(
            *[
                select(
                    literal(bucket_, Integer).label("bucket"),
                    literal(low, Integer).label("low"),
                    literal(high, Integer).label("high"),
                )
                for bucket_, low, high in period_ranges(start, end, offsets, period)
            ]
        ).cte("periods")
        in_period = [ReportView.viewed >= periods.c.low, ReportView.viewed < periods.c.high]
        return self._rows(
            select(
                periods.c.bucket,
                select(func.count()).where(*in_period).scalar_subquery().label("views"),
                select(func.count(distinct(ReportView.visitor_id)))
                .where(*in_period)
                .scalar_subquery()
                .label("people"),
            ).order_by(periods.c.bucket)
        )

    def top_pages(self, start: int, end: int, *, min_people: int, limit: int = 10) -> list[Row]:
        """The most viewed paths that at least ``min_people`` visitors saw (a rarer path could name one)."""
        people = func.count(distinct(ReportView.visitor_id))
        return self._rows(
            select(ReportView.path.label("bucket"), func.count().label("views"), people.label("people"))
            .where(*_in_range(ReportView.viewed, start, end))
            .group_by(ReportView.path)
            .having(people >= min_people)
            .order_by(func.count().desc(), ReportView.path)
            .limit(limit)
        )

    def visits_by(
        self, start: int, end: int, column: str, *, min_people: int = 0, limit: int = 20
    ) -> list[Row]:
        """Visits and distinct visitors per ``browser``, ``os`` or external ``referrer_origin``."""
        key = {"browser": ReportVisit.browser, "os": ReportVisit.os, "referrer": ReportVisit.referrer_origin}[
            column
        ]
        people = func.count(distinct(ReportVisit.visitor_id))
        query: Any = (
            select(key.label("bucket"), func.count().label("visits"), people.label("people"))
            .where(*_in_range(ReportVisit.started, start, end))
            .group_by(key)
            .order_by(people.desc(), key)
            .limit(limit)
        )
        if column == "referrer":
            query = query.where(key.is_not(None)).having(people >= min_people)
        return self._rows(query)

    def new_and_returning(self, start: int, end: int) -> list[Row]:
        """Visitors whose first visit was in the window (``bucket`` 1) and those who had come before (0)."""
        first = func.min(cast(ReportVisit.came_before, Integer))
        per_visitor = (
            select(ReportVisit.visitor_id, case((first == 0, 1), else_=0).label("new"))
            .where(*_in_range(ReportVisit.started, start, end))
            .group_by(ReportVisit.visitor_id)
            .subquery()
        )
        return self._rows(
            select(per_visitor.c.new.label("bucket"), func.count().label("people"))
            .group_by(per_visitor.c.new)
            .order_by(per_visitor.c.new)
        )

    # helpers

    def _percentiles(self, group: Any | None, value: Any, conditions: list[Any]) -> list[Row]:
        """``n``, distinct ``people``, and the median and 90th percentile (nearest rank) of ``value`` per
        ``group`` (or over all rows as bucket 0).

        Two reads in one transaction: the counts straight from the facts, then the percentiles from a
        histogram (one row per distinct value, with its running count), which sorts a few thousand rows
        where ranking every chat sorted all of them (a year on SQLite: 44 ms against 115 ms)."""
        key = group if group is not None else literal(0)
        counts = select(
            key.label("bucket"),
            func.count().label("n"),
            func.count(distinct(ReportChat.visitor_id)).label("people"),
        ).where(*conditions)
        if group is not None:
            counts = counts.group_by(group)
        histogram = (
            select(key.label("bucket"), value.label("value"), func.count().label("times"))
            .where(*conditions)
            .group_by(*([group] if group is not None else []), value)
            .subquery()
        )
        partition = histogram.c.bucket if group is not None else None
        times = func.sum(histogram.c.times)
        running = (
            select(
                histogram.c.bucket,
                histogram.c.value,
                cast(times.over(partition_by=partition, order_by=histogram.c.value), Integer).label(
                    "running"
                ),
                cast(times.over(partition_by=partition), Integer).label("n"),
            )
        ).subquery()
        n = running.c.n
        picked = select(
            running.c.bucket,
            *[
                func.min(case((running.c.running >= (p * n + 99) // 100, running.c.value))).label(f"p{p}")
                for p in (50, 90)
            ],
        ).group_by(running.c.bucket)
        with self._db.reading() as connection:
            found = {row.bucket: dict(row._mapping) for row in connection.execute(counts) if row.n}
            for row in connection.execute(picked):
                found[row.bucket].update(p50=row.p50, p90=row.p90)
        return [found[bucket] for bucket in sorted(found, key=_sort_key)]

    # upkeep

    def rebuild(self) -> dict[str, int]:
        """Recomputes every fact from the stored rows (for history stored before the reports existed, or after
        a bulk import). One transaction; returns the rows written per table."""
        with self._db.writing() as connection:
            # A plan is known only when the chat started (the customer was connected): keep those.
            plans = [
                {"cid": row.conversation_id, "plan": row.plan}
                for row in connection.execute(
                    select(ReportChat.conversation_id, ReportChat.plan).where(ReportChat.plan.is_not(None))
                )
            ]
            connection.execute(delete(ReportChat))
            connection.execute(delete(ReportVisit))
            connection.execute(delete(ReportView))
            chats = _rebuild_chats(connection)
            if plans:
                connection.execute(
                    update(ReportChat)
                    .where(ReportChat.conversation_id == bindparam("cid"))
                    .values(plan=bindparam("plan")),
                    plans,
                )
            visits = _rebuild_visits(connection)
            views = _rebuild_views(connection)
        return {"chats": chats, "visits": visits, "views": views}

    def is_behind(self) -> bool:
        """Whether conversations exist but none has its facts yet (a store from before the reports)."""
        with self._db.reading() as connection:
            has_chats = connection.execute(select(ReportChat.conversation_id).limit(1)).first() is not None
            has_conversations = connection.execute(select(Conversation.id).limit(1)).first() is not None
        return has_conversations and not has_chats


class scanned(FunctionElement[int]):
    """A column whose range condition must not pick its index on SQLite (``+column``): the fact tables are
    narrow, so reading one whole is a sequential pass, while the index would fetch each row at random
    (measured: a year's chats 15 ms scanned, 90-120 ms through the index). PostgreSQL plans this itself."""

    type = Integer()
    inherit_cache = True
    name = "scanned"


@compiles(scanned)
def _scanned(element: scanned, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(scanned, "sqlite")
def _scanned_sqlite(element: scanned, compiler: Any, **kw: Any) -> str:
    return "+" + str(compiler.process(element.clauses, **kw))


def _sort_key(bucket: Any) -> tuple[bool, Any]:
    """Buckets in order, a ``None`` bucket last (agents' names may be missing)."""
    return (bucket is None, bucket)


def _in_range(column: Any, start: int, end: int) -> list[Any]:
    return [scanned(column) >= start, scanned(column) < end]


def _chat_window(start: int, end: int) -> list[Any]:
    return _in_range(ReportChat.started, start, end)


def _missed(missed_after: int, now: int) -> Any:
    late = ReportChat.first_reply - ReportChat.started > missed_after
    unanswered = ReportChat.first_reply.is_(None) & (ReportChat.started + missed_after <= now)
    return late | unanswered


def _epoch_sql(connection: Connection, column: Any) -> Any:
    if connection.dialect.name == "sqlite":
        return cast(func.strftime("%s", column), Integer)
    return cast(func.floor(func.extract("epoch", column)), Integer)


def _rebuild_chats(connection: Connection) -> int:
    ts = _epoch_sql(connection, Message.created_at)
    spoken = Message.sender.in_(("visitor", "agent"))
    first_visitor = (
        select(Message.conversation_id, func.min(ts).label("started"))
        .where(Message.sender == "visitor")
        .group_by(Message.conversation_id)
        .subquery()
    )
    span = (
        select(Message.conversation_id, func.min(ts).label("first"), func.max(ts).label("last"))
        .where(spoken)
        .group_by(Message.conversation_id)
        .subquery()
    )
    reply = (
        select(Message.conversation_id, func.min(ts).label("reply"))
        .join(first_visitor, first_visitor.c.conversation_id == Message.conversation_id)
        .where(Message.sender == "agent", ts >= first_visitor.c.started)
        .group_by(Message.conversation_id)
        .subquery()
    )
    facts = (
        select(
            Conversation.id,
            Conversation.visitor_id,
            first_visitor.c.started,
            reply.c.reply,
            span.c.first,
            span.c.last,
            Conversation.department,
            Conversation.rating,
        )
        .outerjoin(first_visitor, first_visitor.c.conversation_id == Conversation.id)
        .outerjoin(reply, reply.c.conversation_id == Conversation.id)
        .outerjoin(span, span.c.conversation_id == Conversation.id)
    )
    connection.execute(
        insert(ReportChat).from_select(
            [
                "conversation_id",
                "visitor_id",
                "started",
                "first_reply",
                "first_message",
                "last_message",
                "department",
                "rating",
            ],
            facts,
        )
    )
    # Who replied first and whether a left message opened it: one pass over the earliest rows.
    first_agent = (
        select(Message.author)
        .where(
            Message.conversation_id == ReportChat.conversation_id,
            Message.sender == "agent",
            ts == ReportChat.first_reply,
        )
        .order_by(Message.seq)
        .limit(1)
        .scalar_subquery()
    )
    opening = (
        select(Message.client_id)
        .where(Message.conversation_id == ReportChat.conversation_id, Message.sender == "visitor")
        .order_by(Message.seq)
        .limit(1)
        .scalar_subquery()
    )
    connection.execute(
        update(ReportChat).where(ReportChat.first_reply.is_not(None)).values(agent=first_agent)
    )
    connection.execute(
        update(ReportChat)
        .where(ReportChat.started.is_not(None))
        .values(left_message=func.coalesce(opening.like("offline-%"), literal(False)))
    )
    return int(connection.execute(select(func.count()).select_from(ReportChat)).scalar_one())


def _rebuild_visits(connection: Connection) -> int:
    # A visitor's first visit is their one with the smallest id.
    first_ids = {
        row.first
        for row in connection.execute(select(func.min(Visit.id).label("first")).group_by(Visit.visitor_id))
    }
    staff = set(connection.execute(select(Visitor.id).where(Visitor.staff.is_(True))).scalars())
    written = 0
    batch: list[dict[str, Any]] = []
    for visit in connection.execute(
        select(
            Visit.id,
            Visit.visitor_id,
            Visit.started_at,
            Visit.browser,
            Visit.os,
            Visit.referrer,
            Visit.landing_url,
        )
    ):
        if visit.visitor_id in staff:
            continue
        batch.append(
            {
                "visit_id": visit.id,
                "visitor_id": visit.visitor_id,
                "started": epoch(visit.started_at),
                "browser": visit.browser,
                "os": visit.os,
                "referrer_origin": external_origin(visit.referrer, visit.landing_url or ""),
                "came_before": visit.id not in first_ids,
            }
        )
        if len(batch) >= 5000:
            connection.execute(insert(ReportVisit), batch)
            written += len(batch)
            batch = []
    if batch:
        connection.execute(insert(ReportVisit), batch)
        written += len(batch)
    return written


def _rebuild_views(connection: Connection) -> int:
    staff = select(Visitor.id).where(Visitor.staff.is_(True))
    written = 0
    batch: list[dict[str, Any]] = []
    rows = connection.execute(
        select(PageView.id, PageView.visitor_id, PageView.viewed_at, PageView.url).where(
            PageView.visitor_id.not_in(staff)
        )
    ).all()
    for view in rows:
        batch.append(
            {
                "page_view_id": view.id,
                "visitor_id": view.visitor_id,
                "viewed": epoch(view.viewed_at),
                "path": page_path(view.url),
            }
        )
        if len(batch) >= 5000:
            connection.execute(insert(ReportView), batch)
            written += len(batch)
            batch = []
    if batch:
        connection.execute(insert(ReportView), batch)
        written += len(batch)
    return written
