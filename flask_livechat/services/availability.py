"""Whether visitors can expect an answer now: the one place that decides the widget's online/offline state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app

from ..state import current_livechat

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


def within_business_hours(now: datetime | None = None) -> bool:
    """True when ``LIVECHAT_BUSINESS_HOURS`` is not set, or the current app's hours are open now."""
    hours = parse_business_hours(current_app.config["LIVECHAT_BUSINESS_HOURS"])
    return hours is None or hours.is_open(now or datetime.now(UTC))


def agents_available(socketio: Any) -> bool:
    """True within business hours while at least one agent is online (not away) in a live console tab, in
    any server process.

    Presence is stored per connection (services/presence.py), so a dead connection stops counting once it is
    older than ``LIVECHAT_PRESENCE_TIMEOUT``.
    """
    if not within_business_hours():
        return False
    return current_livechat.presence.available()
