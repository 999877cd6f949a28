"""The admin's reports: which window, in which time zone, and which figures may be shown.

Every figure is aggregated in SQL (store/reports.py). This module turns the rows into tables and applies the
one privacy rule of the reports: a figure computed from fewer than ``min_count`` distinct visitors (but more
than none) is replaced by "< min_count", on the page, in the charts and in the CSV alike. docs/reports.md says
what each figure means. Titles, headings, labels and notes are ``N_`` texts: English as they are (the REST API
answers in English), and the admin pages show them in the admin's language (``i18n.localize``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import InvalidPayload
from ..i18n import N_

if TYPE_CHECKING:
    from ..store import Store

EPOCH = date(1970, 1, 1)
MAX_DAYS = 400
PERIODS = ("day", "week")
WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
DURATION_BINS = (
    N_("under 1 min"),
    N_("1-5 min"),
    N_("5-15 min"),
    N_("15-30 min"),
    N_("30-60 min"),
    N_("over 1 hour"),
)
#: Presets of the date range picker: key, label.
PRESETS = (
    ("today", N_("Today")),
    ("yesterday", N_("Yesterday")),
    ("7d", N_("Last 7 days")),
    ("30d", N_("Last 30 days")),
    ("this_month", N_("This month")),
    ("last_month", N_("Last month")),
    ("90d", N_("Last 90 days")),
)


@dataclass(frozen=True)
class Window:
    """Whole local days ``first``..``last`` in ``zone``, as epoch seconds ``[start, end)``."""

    first: date
    last: date
    zone: str
    period: str
    start: int
    end: int
    #: ``(from_ts, utc_offset_seconds)`` for each offset in force during the window.
    offsets: tuple[tuple[int, int], ...]
    #: Reads that several reports of one page share (the chats per period), made once per window.
    shared: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def periods(self) -> list[int]:
        """The day numbers (days since 1970-01-01) of every day, or every week's Monday, in the window."""
        first, last = (self.first - EPOCH).days, (self.last - EPOCH).days
        if self.period == "week":
            first -= (first + 3) % 7
            return list(range(first, last + 1, 7))
        return list(range(first, last + 1))


@dataclass(frozen=True)
class Cell:
    """One figure: ``value`` is ``None`` when suppressed (``text`` then says "< 5")."""

    value: float | int | None
    text: str

    @property
    def suppressed(self) -> bool:
        return self.value is None and self.text.startswith("<")


@dataclass(frozen=True)
class Table:
    """One report: a table (always shown, for screen readers and without JavaScript) and the chart of it."""

    key: str
    title: str
    #: ``line``, ``bar``, ``doughnut``, ``heatmap`` or ``none`` (a table only).
    chart: str
    columns: tuple[str, ...]
    #: Each row: its label, then one cell per further column.
    rows: tuple[tuple[str, tuple[Cell, ...]], ...]
    note: str = ""
    #: Which columns (indexes into the cells) the chart draws.
    series: tuple[int, ...] = ()
    elapsed_ms: float = field(default=0.0, compare=False)

    def chart_data(self) -> dict[str, Any]:
        """What the page's script draws: labels, and per series its name and values (``None`` suppressed)."""
        return {
            "key": self.key,
            "title": self.title,
            "chart": self.chart,
            "labels": [label for label, _ in self.rows],
            "series": [
                {"name": self.columns[index + 1], "values": [cells[index].value for _, cells in self.rows]}
                for index in self.series
            ],
        }

    def csv_rows(self) -> list[list[str]]:
        out = [list(self.columns)]
        for label, cells in self.rows:
            out.append([label, *[_csv_value(cell) for cell in cells]])
        return out


def _csv_value(cell: Cell) -> str:
    if cell.value is None:
        return cell.text if cell.suppressed else ""
    return str(cell.value)


class ReportService:
    def __init__(self, store: Store, *, min_count: int, missed_after: int) -> None:
        self._store = store
        self.min_count = min_count
        self.missed_after = missed_after
        self._builders: dict[str, tuple[str, Callable[[Window], Table]]] = {
            "summary": (N_("Summary"), self._summary),
            "conversations": (N_("Conversations"), self._conversations),
            "first_response": (N_("First response time"), self._first_response),
            "durations": (N_("Chat duration"), self._durations),
            "satisfaction": (N_("Satisfaction"), self._satisfaction),
            "agents": (N_("Agents"), self._agents),
            "left_messages": (N_("Left messages"), self._left_messages),
            "traffic": (N_("Visitors and page views"), self._traffic),
            "busiest_hours": (N_("Busiest hours"), self._busiest_hours),
            "top_pages": (N_("Top pages"), self._top_pages),
            "referrers": (N_("Top referrers"), self._referrers),
            "browsers": (
                N_("Browsers"),
                lambda w: self._visits_by(w, "browsers", "browser", N_("Browser"), N_("Visitors by browser")),
            ),
            "systems": (
                N_("Operating systems"),
                lambda w: self._visits_by(w, "systems", "os", N_("System"), N_("Visitors by system")),
            ),
            "new_returning": (N_("New and returning visitors"), self._new_returning),
            "plans": (
                N_("Chats by plan"),
                lambda w: self._chats_by(
                    w, "plans", "plan", N_("Plan"), N_("Chats by plan"), N_("No plan known")
                ),
            ),
            "departments": (
                N_("Chats by department"),
                lambda w: self._chats_by(
                    w,
                    "departments",
                    "department",
                    N_("Department"),
                    N_("Chats by department"),
                    N_("No department"),
                ),
            ),
        }

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self._builders)

    # --- the window --------------------------------------------------------------------------------------

    def window(
        self,
        *,
        first: str | None = None,
        last: str | None = None,
        preset: str | None = None,
        zone: str | None = None,
        period: str | None = None,
        now: datetime | None = None,
    ) -> Window:
        """The window an admin asked for; ``InvalidPayload`` (400) saying what to fix for anything else."""
        zone_name = zone or "UTC"
        try:
            tz = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise InvalidPayload(
                f"Unknown time zone {zone_name!r}: use a name such as Europe/Berlin."
            ) from None
        chosen_period = period or "day"
        if chosen_period not in PERIODS:
            raise InvalidPayload("The period is 'day' or 'week'.")
        today = (now or datetime.now(UTC)).astimezone(tz).date()
        if first or last:
            try:
                start_day = date.fromisoformat(first or "")
                last_day = date.fromisoformat(last or "")
            except ValueError:
                raise InvalidPayload("Dates are YYYY-MM-DD, both 'from' and 'to'.") from None
        else:
            start_day, last_day = preset_range(preset or "7d", today)
        if last_day < start_day:
            raise InvalidPayload("'to' is before 'from'.")
        if (last_day - start_day).days >= MAX_DAYS:
            raise InvalidPayload(f"A report covers at most {MAX_DAYS} days.")
        if start_day.year < 1971 or last_day.year > 9000:
            raise InvalidPayload("That date range is out of bounds.")
        start = _local_midnight(start_day, tz)
        end = _local_midnight(last_day + timedelta(days=1), tz)
        return Window(
            first=start_day,
            last=last_day,
            zone=zone_name,
            period=chosen_period,
            start=start,
            end=end,
            offsets=utc_offsets(tz, start, end),
        )

    # --- the reports -------------------------------------------------------------------------------------

    def report(self, key: str, window: Window) -> Table:
        """One report by key; ``InvalidPayload`` for a key that is not one."""
        entry = self._builders.get(key)
        if entry is None:
            raise InvalidPayload(f"No report {key!r}.")
        began = time.perf_counter()
        table = entry[1](window)
        return _with_elapsed(table, (time.perf_counter() - began) * 1000)

    def all(self, window: Window) -> list[Table]:
        return [self.report(key, window) for key in self._builders]

    # --- cells -------------------------------------------------------------------------------------------

    def _cell(self, value: float | int | None, people: int, text: str | None = None) -> Cell:
        """A figure behind ``people`` distinct visitors: hidden when 1..min_count-1 of them."""
        if 0 < people < self.min_count:
            return Cell(None, f"< {self.min_count}")
        if value is None:
            return Cell(None, "-")
        return Cell(value, text if text is not None else _number(value))

    def _seconds(self, value: int | None, people: int) -> Cell:
        return self._cell(value, people, duration_text(value) if value is not None else None)

    def _period_label(self, day: int) -> str:
        return (EPOCH + timedelta(days=day)).isoformat()

    def _per_period(
        self, w: Window, found: dict[int, dict[str, Any]], cells: Callable[[dict[str, Any]], tuple[Cell, ...]]
    ) -> tuple[tuple[str, tuple[Cell, ...]], ...]:
        """One row per day or week of the window, empty periods included, from rows keyed by bucket."""
        return tuple((self._period_label(day), cells(found.get(day, {}))) for day in w.periods())

    # --- conversations ----------------------------------------------------------------------------------

    def _chats(self, w: Window) -> list[dict[str, Any]]:
        """Chats per period: the conversations and the traffic report both show them, so one read serves."""
        if "chats" not in w.shared:
            w.shared["chats"] = self._store.reports.chats(
                w.start, w.end, w.offsets, w.period, missed_after=self.missed_after, now=_now()
            )
        return w.shared["chats"]  # type: ignore[no-any-return]

    def _summary(self, w: Window) -> Table:
        reports = self._store.reports
        totals = reports.chat_totals(w.start, w.end, missed_after=self.missed_after, now=_now())
        frt = _one(reports.first_response(w.start, w.end, w.offsets, None))
        lengths = _one(reports.duration_percentiles(w.start, w.end))
        left = _one(reports.left_message_answer_time(w.start, w.end))
        views = reports.view_totals(w.start, w.end)
        rated = totals["rated"]
        average = round(totals["rating_sum"] / rated, 2) if rated else None
        rows = [
            (N_("Chats"), self._cell(totals["chats"], totals["people"])),
            (N_("Missed chats"), self._cell(totals["missed"], totals["missed_people"])),
            (N_("First response, median"), self._seconds(frt.get("p50"), frt.get("people", 0))),
            (N_("First response, 90th percentile"), self._seconds(frt.get("p90"), frt.get("people", 0))),
            (N_("Chat duration, median"), self._seconds(lengths.get("p50"), lengths.get("people", 0))),
            (N_("Satisfaction, average of 5"), self._cell(average, totals["rated_people"])),
            (N_("Ratings"), self._cell(rated, totals["rated_people"])),
            (
                N_("Left messages answered, median time"),
                self._seconds(left.get("p50"), left.get("people", 0)),
            ),
            (N_("Visitors"), self._cell(views["people"], views["people"])),
            (N_("Page views"), self._cell(views["views"], views["people"])),
        ]
        return Table(
            "summary",
            N_("Summary"),
            "none",
            (N_("Figure"), N_("Value")),
            tuple((label, (cell,)) for label, cell in rows),
            note=N_("Times from a visitor's first message to the first agent reply."),
        )

    def _conversations(self, w: Window) -> Table:
        found = {r["bucket"]: r for r in self._chats(w)}
        rows = self._per_period(
            w,
            found,
            lambda r: (
                self._cell(r.get("chats", 0), r.get("people", 0)),
                self._cell(r.get("missed", 0), r.get("missed_people", 0)),
            ),
        )
        return Table(
            "conversations",
            N_("Chats per week") if w.period == "week" else N_("Chats per day"),
            "bar",
            (_period_heading(w), N_("Chats"), N_("Missed")),
            rows,
            note=N_("Missed: no agent reply within %(time)s.", time=duration_text(self.missed_after)),
            series=(0, 1),
        )

    def _first_response(self, w: Window) -> Table:
        found = {
            r["bucket"]: r for r in self._store.reports.first_response(w.start, w.end, w.offsets, w.period)
        }
        rows = self._per_period(
            w,
            found,
            lambda r: (
                self._seconds(r.get("p50"), r.get("people", 0)),
                self._seconds(r.get("p90"), r.get("people", 0)),
            ),
        )
        return Table(
            "first_response",
            N_("First response time per week (seconds)")
            if w.period == "week"
            else N_("First response time per day (seconds)"),
            "line",
            (_period_heading(w), N_("Median"), N_("90th percentile")),
            rows,
            note=N_("Of answered chats; nearest-rank percentiles."),
            series=(0, 1),
        )

    def _durations(self, w: Window) -> Table:
        found = {r["bucket"]: r for r in self._store.reports.durations(w.start, w.end)}
        rows = tuple(
            (label, (self._cell(found.get(i, {}).get("chats", 0), found.get(i, {}).get("people", 0)),))
            for i, label in enumerate(DURATION_BINS)
        )
        return Table(
            "durations",
            N_("Chat duration"),
            "bar",
            (N_("Length"), N_("Chats")),
            rows,
            note=N_("From the first to the last visitor or agent message."),
            series=(0,),
        )

    def _satisfaction(self, w: Window) -> Table:
        found = {r["bucket"]: r for r in self._store.reports.ratings(w.start, w.end)}
        rows = tuple(
            (
                N_("%(score)s of 5", score=score),
                (self._cell(found.get(score, {}).get("chats", 0), found.get(score, {}).get("people", 0)),),
            )
            for score in range(1, 6)
        )
        return Table(
            "satisfaction",
            N_("Satisfaction ratings"),
            "bar",
            (N_("Rating"), N_("Chats")),
            rows,
            series=(0,),
        )

    def _agents(self, w: Window) -> Table:
        reports = self._store.reports
        times = {r["bucket"]: r for r in reports.agent_first_response(w.start, w.end)}
        rows = []
        for r in reports.agents(w.start, w.end):
            frt = times.get(r["bucket"], {})
            average = round(r["rating_sum"] / r["rated"], 2) if r["rated"] else None
            rows.append(
                (
                    str(r["bucket"]),
                    (
                        self._cell(r["chats"], r["people"]),
                        self._seconds(frt.get("p50"), frt.get("people", 0)),
                        self._cell(r["rated"], r["rated_people"]),
                        self._cell(average, r["rated_people"]),
                    ),
                )
            )
        return Table(
            "agents",
            N_("Agents"),
            "bar",
            (N_("Agent"), N_("Chats"), N_("First response, median"), N_("Ratings"), N_("Average rating")),
            tuple(rows),
            note=N_("Each chat counts for the agent who sent its first reply."),
            series=(0,),
        )

    def _left_messages(self, w: Window) -> Table:
        reports = self._store.reports
        found = {r["bucket"]: r for r in reports.left_messages(w.start, w.end, w.offsets, w.period)}
        rows = self._per_period(
            w,
            found,
            lambda r: (
                self._cell(r.get("left", 0), r.get("people", 0)),
                self._cell(r.get("answered", 0), r.get("answered_people", 0)),
            ),
        )
        answer = _one(reports.left_message_answer_time(w.start, w.end))
        people = answer.get("people", 0)
        median, p90 = self._seconds(answer.get("p50"), people), self._seconds(answer.get("p90"), people)
        return Table(
            "left_messages",
            N_("Left messages per week") if w.period == "week" else N_("Left messages per day"),
            "bar",
            (_period_heading(w), N_("Left"), N_("Answered")),
            rows,
            note=N_(
                "Time to the first answer: median %(median)s, 90th percentile %(p90)s.",
                median=median.text,
                p90=p90.text,
            ),
            series=(0, 1),
        )

    # --- visitors ----------------------------------------------------------------------------------------

    def _traffic(self, w: Window) -> Table:
        reports = self._store.reports
        views = {r["bucket"]: r for r in reports.traffic(w.start, w.end, w.offsets, w.period)}
        chats = {r["bucket"]: r for r in self._chats(w)}
        # Both sources keyed by bucket in one row: {"people", "views"} from page views, "chats"/"chat_people".
        merged = {day: dict(row) for day, row in views.items()}
        for day, row in chats.items():
            merged.setdefault(day, {}).update(chats=row.get("chats", 0), chat_people=row.get("people", 0))
        rows = self._per_period(
            w,
            merged,
            lambda r: (
                self._cell(r.get("people", 0), r.get("people", 0)),
                self._cell(r.get("views", 0), r.get("people", 0)),
                self._cell(r.get("chats", 0), r.get("chat_people", 0)),
            ),
        )
        return Table(
            "traffic",
            N_("Visitors, page views and chats per week")
            if w.period == "week"
            else N_("Visitors, page views and chats per day"),
            "line",
            (_period_heading(w), N_("Visitors"), N_("Page views"), N_("Chats")),
            rows,
            series=(0, 1, 2),
        )

    def _busiest_hours(self, w: Window) -> Table:
        found = {
            (r["weekday"], r["hour"]): r for r in self._store.reports.busiest_hours(w.start, w.end, w.offsets)
        }
        rows = tuple(
            (
                name,
                tuple(
                    self._cell(
                        found.get((day, hour), {}).get("chats", 0),
                        found.get((day, hour), {}).get("people", 0),
                    )
                    for hour in range(24)
                ),
            )
            for day, name in enumerate(WEEKDAYS)
        )
        return Table(
            "busiest_hours",
            N_("Busiest hours (chats started)"),
            "heatmap",
            (N_("Weekday"), *[f"{hour:02d}:00" for hour in range(24)]),
            rows,
            note=N_("Local time in %(zone)s.", zone=w.zone),
            series=tuple(range(24)),
        )

    def _top_pages(self, w: Window) -> Table:
        rows = tuple(
            (str(r["bucket"]), (self._cell(r["views"], r["people"]), self._cell(r["people"], r["people"])))
            for r in self._store.reports.top_pages(w.start, w.end, min_people=self.min_count)
        )
        return Table(
            "top_pages",
            N_("Top pages"),
            "bar",
            (N_("Page"), N_("Page views"), N_("Visitors")),
            rows,
            note=N_(
                "Paths without query strings; a page seen by fewer than %(min)s visitors is not listed.",
                min=self.min_count,
            ),
            series=(0,),
        )

    def _referrers(self, w: Window) -> Table:
        rows = tuple(
            (str(r["bucket"]), (self._cell(r["visits"], r["people"]), self._cell(r["people"], r["people"])))
            for r in self._store.reports.visits_by(w.start, w.end, "referrer", min_people=self.min_count)
        )
        return Table(
            "referrers",
            N_("Top referrers"),
            "bar",
            (N_("Origin"), N_("Visits"), N_("Visitors")),
            rows,
            note=N_(
                "Other sites visits came from; one that fewer than %(min)s visitors came from is not listed.",
                min=self.min_count,
            ),
            series=(0,),
        )

    def _visits_by(self, w: Window, key: str, column: str, label: str, title: str) -> Table:
        rows = tuple(
            (str(r["bucket"]) if r["bucket"] else N_("Unknown"), (self._cell(r["people"], r["people"]),))
            for r in self._store.reports.visits_by(w.start, w.end, column)
        )
        return Table(key, title, "doughnut", (label, N_("Visitors")), rows, series=(0,))

    def _new_returning(self, w: Window) -> Table:
        found = {r["bucket"]: r["people"] for r in self._store.reports.new_and_returning(w.start, w.end)}
        rows = (
            (N_("New"), (self._cell(found.get(1, 0), found.get(1, 0)),)),
            (N_("Returning"), (self._cell(found.get(0, 0), found.get(0, 0)),)),
        )
        return Table(
            "new_returning",
            N_("New and returning visitors"),
            "doughnut",
            (N_("Visitors"), N_("Visitors")),
            rows,
            note=N_("New: their first visit was in this range."),
            series=(0,),
        )

    def _chats_by(self, w: Window, key: str, column: str, label: str, title: str, none: str) -> Table:
        rows = tuple(
            (str(r["bucket"]) if r["bucket"] is not None else none, (self._cell(r["chats"], r["people"]),))
            for r in self._store.reports.chats_by(w.start, w.end, column)
        )
        return Table(key, title, "bar", (label, N_("Chats")), rows, series=(0,))


# --- helpers ---------------------------------------------------------------------------------------------


def _period_heading(w: Window) -> str:
    return N_("Week") if w.period == "week" else N_("Day")


def preset_range(preset: str, today: date) -> tuple[date, date]:
    days = {"today": 0, "7d": 6, "30d": 29, "90d": 89}
    if preset in days:
        return today - timedelta(days=days[preset]), today
    if preset == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if preset == "this_month":
        return today.replace(day=1), today
    if preset == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    raise InvalidPayload(f"No preset {preset!r}.")


def utc_offsets(tz: ZoneInfo, start: int, end: int) -> tuple[tuple[int, int], ...]:
    """Each UTC offset ``tz`` has in ``[start, end)`` and the second it starts (found to the second)."""

    def offset(ts: int) -> int:
        delta = datetime.fromtimestamp(ts, UTC).astimezone(tz).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    found = [(start, offset(start))]
    step = 6 * 3600  # no zone changes its offset twice within six hours
    probe = start
    while probe < end:
        following = min(probe + step, end)
        if offset(following) != found[-1][1]:
            low, high = probe, following  # offset(low) is the old one, offset(high) the new one
            while high - low > 1:
                middle = (low + high) // 2
                if offset(middle) == found[-1][1]:
                    low = middle
                else:
                    high = middle
            found.append((high, offset(high)))
        probe = following
    return tuple(found)


def _local_midnight(day: date, tz: ZoneInfo) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp())


def duration_text(seconds: float | int | None) -> str:
    if seconds is None:
        return "-"
    total = int(seconds)
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _number(value: float | int) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


def _one(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return rows[0] if rows else {}


def _now() -> int:
    return int(time.time())


def _with_elapsed(table: Table, elapsed: float) -> Table:
    return Table(
        table.key,
        table.title,
        table.chart,
        table.columns,
        table.rows,
        note=table.note,
        series=table.series,
        elapsed_ms=elapsed,
    )
