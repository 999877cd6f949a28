"""Whether visitors can expect an answer now: the one place that decides the widget's online/offline state.

``hello``, the presence push and the business-hours watcher all ask ``AvailabilityService.available``, so a
widget is never told "online" by one route and "offline" by another.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..hours import BusinessHours, parse_business_hours
from .presence import PresenceService


class AvailabilityService:
    def __init__(self, presence: PresenceService, business_hours: Any) -> None:
        self._presence = presence
        self._hours: BusinessHours | None = parse_business_hours(business_hours)

    @property
    def has_hours(self) -> bool:
        """Whether opening hours are configured at all (only then is there anything to watch)."""
        return self._hours is not None

    def within_business_hours(self, now: datetime | None = None) -> bool:
        """True when ``LIVECHAT_BUSINESS_HOURS`` is not set, or its hours are open now."""
        return self._hours is None or self._hours.is_open(now or datetime.now(UTC))

    def available(self, now: datetime | None = None) -> bool:
        """True within business hours while at least one agent is online (not away) in a live console tab,
        in any server process (presence is stored per connection, see services/presence.py)."""
        return self.within_business_hours(now) and self._presence.available()
