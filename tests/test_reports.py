"""Reports, points 1, 2 and 6: every figure of every report equals what this test computes in Python from the
generated rows (tests/history.py), on SQLite and on PostgreSQL, in a time zone whose offset changes inside the
window (America/New_York, 2026-03-08)."""

from __future__ import annotations

import itertools
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from flask_livechat.services.reports import DURATION_BINS, WEEKDAYS, ReportService, Table, Window
from flask_livechat.store import Store
from flask_livechat.store.reports import period_ranges
from tests.history import Generator, Rows, insert_rows, utc

ZONE = "America/New_York"
FIRST, LAST = date(2026, 3, 1), date(2026, 3, 14)
MISSED_AFTER = 300


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Store]:
    url = request.getfixturevalue("database") if request.param == "postgres" else f"sqlite:///{tmp_path}/r.db"
    store = Store(url)
    store.create_all()
    try:
        yield store
    finally:
        store.dispose()


@pytest.fixture
def history(store: Store) -> Rows:
    rows = Rows()
    generator = Generator(7, utc(2026, 2, 26), 20, chat_chance=0.6)
    for part in generator.visitors(700):
        rows.extend(part)
    insert_rows(store.engine, rows)
    store.reports.rebuild()
    return rows


def service(store: Store, min_count: int = 1) -> ReportService:
    return ReportService(store, min_count=min_count, missed_after=MISSED_AFTER)


def window(reports: ReportService, period: str = "day") -> Window:
    return reports.window(first=FIRST.isoformat(), last=LAST.isoformat(), zone=ZONE, period=period)


# --- the expected figures, from the Python rows ----------------------------------------------------------

TZ = ZoneInfo(ZONE)


def local_day(moment: datetime) -> date:
    return moment.astimezone(TZ).date()


def in_window(moment: datetime) -> bool:
    return FIRST <= local_day(moment) <= LAST


def ts(moment: datetime) -> int:
    return int(moment.timestamp())


def nearest_rank(values: list[int], percent: int) -> int:
    ordered = sorted(values)
    rank = -(-percent * len(ordered) // 100)  # ceil
    return ordered[rank - 1]


def chats(rows: Rows) -> list[dict[str, Any]]:
    """Per conversation with a visitor message: its facts, as docs/reports.md defines them."""
    by_conversation: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for message in rows.messages:
        by_conversation[message["conversation_id"]].append(message)
    conversations = {c["id"]: c for c in rows.conversations}
    found = []
    for conversation_id, messages in by_conversation.items():
        messages.sort(key=lambda m: m["seq"])
        visitor = [m for m in messages if m["sender"] == "visitor"]
        if not visitor:
            continue
        started = visitor[0]["created_at"]
        replies = [m for m in messages if m["sender"] == "agent" and m["created_at"] >= started]
        spoken = [m["created_at"] for m in messages if m["sender"] in ("visitor", "agent")]
        conversation = conversations[conversation_id]
        found.append(
            {
                "visitor": conversation["visitor_id"],
                "started": started,
                "reply": replies[0]["created_at"] if replies else None,
                "agent": replies[0]["author"] if replies else None,
                "duration": ts(max(spoken)) - ts(min(spoken)),
                "left": visitor[0]["client_id"].startswith("offline-"),
                "rating": conversation["rating"],
                "department": conversation["department"],
            }
        )
    return found


def is_missed(chat: dict[str, Any]) -> bool:
    if chat["reply"] is None:
        return True  # all generated history is long past
    return ts(chat["reply"]) - ts(chat["started"]) > MISSED_AFTER


def first_response(chat: dict[str, Any]) -> int:
    return ts(chat["reply"]) - ts(chat["started"])


def values(table: Table, column: int = 0) -> dict[str, Any]:
    return {label: cells[column].value for label, cells in table.rows}


def days() -> list[str]:
    return [(FIRST + timedelta(days=n)).isoformat() for n in range((LAST - FIRST).days + 1)]


# --- the tests -------------------------------------------------------------------------------------------


def test_conversations_per_day_and_missed(store: Store, history: Rows) -> None:
    reports = service(store)
    table = reports.report("conversations", window(reports))
    live = [c for c in chats(history) if not c["left"] and in_window(c["started"])]
    per_day = Counter(local_day(c["started"]).isoformat() for c in live)
    missed = Counter(local_day(c["started"]).isoformat() for c in live if is_missed(c))
    assert [label for label, _ in table.rows] == days()
    assert values(table, 0) == {day: per_day.get(day, 0) for day in days()}
    assert values(table, 1) == {day: missed.get(day, 0) for day in days()}
    assert sum(per_day.values()) > 100 and sum(missed.values()) > 10  # the data exercises the figures


def test_conversations_per_week_start_on_monday(store: Store, history: Rows) -> None:
    reports = service(store)
    table = reports.report("conversations", window(reports, "week"))
    live = [c for c in chats(history) if not c["left"] and in_window(c["started"])]
    weeks = Counter(
        (local_day(c["started"]) - timedelta(days=local_day(c["started"]).weekday())).isoformat()
        for c in live
    )
    assert values(table, 0) == {
        week: weeks.get(week, 0) for week in ("2026-02-23", "2026-03-02", "2026-03-09")
    }


def test_first_response_median_and_90th_percentile(store: Store, history: Rows) -> None:
    reports = service(store)
    w = window(reports)
    answered = [c for c in chats(history) if not c["left"] and c["reply"] and in_window(c["started"])]
    summary = values(reports.report("summary", w))
    times = [first_response(c) for c in answered]
    assert summary["First response, median"] == nearest_rank(times, 50)
    assert summary["First response, 90th percentile"] == nearest_rank(times, 90)
    per_day = values(reports.report("first_response", w), 0)
    for day in days():
        that_day = [first_response(c) for c in answered if local_day(c["started"]).isoformat() == day]
        assert per_day[day] == (nearest_rank(that_day, 50) if that_day else None), day


def test_durations_and_satisfaction(store: Store, history: Rows) -> None:
    reports = service(store)
    w = window(reports)
    live = [c for c in chats(history) if not c["left"] and in_window(c["started"])]
    limits = (60, 300, 900, 1800, 3600)
    bins = Counter(next((i for i, limit in enumerate(limits) if c["duration"] < limit), 5) for c in live)
    assert values(reports.report("durations", w)) == {
        label: bins.get(i, 0) for i, label in enumerate(DURATION_BINS)
    }
    assert values(reports.report("summary", w))["Chat duration, median"] == nearest_rank(
        [c["duration"] for c in live], 50
    )
    ratings = [c["rating"] for c in live if c["rating"] is not None]
    counted = Counter(ratings)
    assert values(reports.report("satisfaction", w)) == {f"{s} of 5": counted.get(s, 0) for s in range(1, 6)}
    summary = values(reports.report("summary", w))
    assert summary["Satisfaction, average of 5"] == round(statistics.mean(ratings), 2)
    assert summary["Ratings"] == len(ratings)
    assert summary["Chats"] == len(live)
    assert summary["Missed chats"] == sum(1 for c in live if is_missed(c))


def test_agents_table(store: Store, history: Rows) -> None:
    reports = service(store)
    table = reports.report("agents", window(reports))
    live = [c for c in chats(history) if not c["left"] and c["agent"] and in_window(c["started"])]
    got = {label: [cell.value for cell in cells] for label, cells in table.rows}
    expected = {}
    for agent in {c["agent"] for c in live}:
        mine = [c for c in live if c["agent"] == agent]
        rated = [c["rating"] for c in mine if c["rating"] is not None]
        expected[agent] = [
            len(mine),
            nearest_rank([first_response(c) for c in mine], 50),
            len(rated),
            round(sum(rated) / len(rated), 2) if rated else None,
        ]
    assert got == expected


def test_left_messages_and_how_fast_they_were_answered(store: Store, history: Rows) -> None:
    reports = service(store)
    table = reports.report("left_messages", window(reports))
    left = [c for c in chats(history) if c["left"] and in_window(c["started"])]
    assert sum(v for v in values(table, 0).values()) == len(left) > 0
    assert sum(v for v in values(table, 1).values()) == sum(1 for c in left if c["reply"])
    answered = [first_response(c) for c in left if c["reply"]]
    assert f"median {reports._seconds(nearest_rank(answered, 50), 99).text}" in table.note


def test_traffic_busiest_hours_and_pages(store: Store, history: Rows) -> None:
    reports = service(store)
    w = window(reports)
    views = [v for v in history.page_views if in_window(v["viewed_at"])]
    traffic = reports.report("traffic", w)
    for day in days():
        that_day = [v for v in views if local_day(v["viewed_at"]).isoformat() == day]
        assert values(traffic, 0)[day] == len({v["visitor_id"] for v in that_day})
        assert values(traffic, 1)[day] == len(that_day)
    live = [c for c in chats(history) if not c["left"] and in_window(c["started"])]
    assert sum(values(traffic, 2).values()) == len(live)

    heat = reports.report("busiest_hours", w)
    cells = Counter((c["started"].astimezone(TZ).weekday(), c["started"].astimezone(TZ).hour) for c in live)
    got = {(day, hour): cells_[hour].value for day, (_, cells_) in enumerate(heat.rows) for hour in range(24)}
    assert got == {(d, h): cells.get((d, h), 0) for d in range(7) for h in range(24)}
    assert [label for label, _ in heat.rows] == list(WEEKDAYS)

    paths = Counter(urlsplit(v["url"]).path for v in views)
    top = reports.report("top_pages", w)
    assert values(top) == dict(paths.most_common(10))
    assert all("?" not in label for label, _ in top.rows)


def test_referrers_browsers_systems_and_new_visitors(store: Store, history: Rows) -> None:
    reports = service(store)
    w = window(reports)
    visits = [v for v in history.visits if in_window(v["started_at"])]
    origins: dict[str, set[str]] = defaultdict(set)
    for visit in visits:
        parts = urlsplit(visit["referrer"] or "")
        if parts.hostname and parts.hostname != "shop.example":
            origins[f"{parts.scheme}://{parts.hostname}"].add(visit["visitor_id"])
    assert values(reports.report("referrers", w), 1) == {o: len(p) for o, p in origins.items()}
    for key, column in (("browsers", "browser"), ("systems", "os")):
        people: dict[str, set[str]] = defaultdict(set)
        for visit in visits:
            people[visit[column]].add(visit["visitor_id"])
        assert values(reports.report(key, w)) == {name: len(p) for name, p in people.items()}
    first_visit = {}
    for visit in sorted(history.visits, key=lambda v: v["id"]):
        first_visit.setdefault(visit["visitor_id"], visit["id"])
    active = {v["visitor_id"] for v in visits}
    new = {v["visitor_id"] for v in visits if first_visit[v["visitor_id"]] == v["id"]}
    assert values(reports.report("new_returning", w)) == {"New": len(new), "Returning": len(active - new)}


def test_chats_per_department(store: Store, history: Rows) -> None:
    reports = service(store)
    live = [c for c in chats(history) if not c["left"] and in_window(c["started"])]
    counted = Counter(c["department"] or "No department" for c in live)
    assert values(reports.report("departments", window(reports))) == dict(counted)


def test_every_report_builds_for_a_window_without_data(store: Store) -> None:
    reports = service(store, min_count=5)
    for table in reports.all(window(reports)):
        assert table.columns and all(len(cells) == len(table.columns) - 1 for _, cells in table.rows)


@pytest.mark.parametrize("period", ["day", "week"])
def test_period_ranges_begin_at_local_midnights_and_tile_the_window(period: str) -> None:
    """The traffic report counts each period over its own range of epoch seconds: the ranges must start at
    the zone's midnights (a 23-hour day on 2026-03-08), on Mondays for weeks, and leave no second out."""
    reports = ReportService(Store("sqlite://"), min_count=5, missed_after=MISSED_AFTER)
    w = window(reports, period)
    ranges = period_ranges(w.start, w.end, w.offsets, period)
    assert [bucket for bucket, _, _ in ranges] == w.periods()
    assert ranges[0][1] == w.start and ranges[-1][2] == w.end
    assert all(high == following for (_, _, high), (_, following, _) in itertools.pairwise(ranges))
    for bucket, low, _high in ranges:
        day = date(1970, 1, 1) + timedelta(days=bucket)
        if low != w.start:
            assert datetime.fromtimestamp(low, TZ) == datetime(day.year, day.month, day.day, tzinfo=TZ)
        if period == "week":
            assert day.weekday() == 0
    if period == "day":
        lengths = {date(1970, 1, 1) + timedelta(days=b): (high - low) / 3600 for b, low, high in ranges}
        assert lengths[date(2026, 3, 8)] == 23 and lengths[date(2026, 3, 9)] == 24
