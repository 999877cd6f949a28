"""Opening hours (``LIVECHAT_BUSINESS_HOURS``): parsed once at start-up, asked "open now?" by availability."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class BusinessHours:
    """Opening hours per weekday in one time zone; a day that is not listed is closed."""

    zone: ZoneInfo
    ranges: tuple[tuple[tuple[time, time], ...], ...]  # one tuple of (start, end) per weekday, Monday first

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self.zone)
        moment = local.time().replace(tzinfo=None)
        return any(start <= moment < end for start, end in self.ranges[local.weekday()])


def parse_business_hours(value: Any) -> BusinessHours | None:
    """``{"timezone": "Europe/Berlin", "mon": "09:00-17:00", "sat": ["10:00-12:00", "13:00-15:00"]}``.

    ``None`` means always open. Raises ``ValueError`` with a message fit for a ``ConfigError``.
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("must be None or a dict such as {'timezone': 'UTC', 'mon': '09:00-17:00'}")
    unknown = set(value) - {"timezone", *DAYS}
    if unknown:
        raise ValueError(f"has unknown keys {sorted(unknown)}; use 'timezone' and {', '.join(DAYS)}")
    try:
        zone = ZoneInfo(str(value.get("timezone", "UTC")))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"names an unknown time zone {value.get('timezone')!r}") from None
    days = []
    for day in DAYS:
        spans = value.get(day, ())
        spans = [spans] if isinstance(spans, str) else spans
        days.append(tuple(_span(day, span) for span in spans))
    return BusinessHours(zone=zone, ranges=tuple(days))


def _span(day: str, span: Any) -> tuple[time, time]:
    try:
        start_text, end_text = str(span).split("-")
        start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
    except ValueError:
        raise ValueError(f"has {day}: {span!r}; write hours as 'HH:MM-HH:MM'") from None
    if end <= start and end != time(0, 0):
        raise ValueError(f"has {day}: {span!r}, which ends before it starts")
    return start, end if end != time(0, 0) else time.max
