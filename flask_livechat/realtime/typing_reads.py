"""``typing`` and ``mark_read`` for both namespaces: the same rules on either side (the emits are in push)."""

from __future__ import annotations

import math
import time
from typing import Any

from ..errors import RateLimited
from ..services.typing_reads import TypingReadsService
from ..state import current_livechat

#: A connection's ``typing: true`` is relayed at most once per this many seconds and conversation (clients
#: repeat it every 2 s while typing; a little less absorbs network jitter).
TYPING_INTERVAL_SECONDS = 1.5
#: Conversations whose typing state one connection keeps (agents type in several).
_TYPING_MARKS = 64


def typing_reads() -> TypingReadsService:
    return current_livechat.typing_reads


def should_relay_typing(connection: dict[str, Any], conversation_id: str, typing: bool) -> bool:
    """Server-side throttle, per connection and conversation: a start is relayed at most once per
    ``TYPING_INTERVAL_SECONDS`` (a faster one is ``RateLimited``, not relayed), a stop only when it ends a
    relayed start (otherwise it is a no-op). So a client flipping true/false relays at most two events per
    interval."""
    now = time.monotonic()
    marks: dict[str, tuple[bool, float]] = connection.setdefault("typing", {})
    relayed, started = marks.get(conversation_id, (False, -math.inf))
    if not typing:
        if not relayed:
            return False
        marks[conversation_id] = (False, started)
        return True
    waited = now - started
    if waited < TYPING_INTERVAL_SECONDS:
        raise RateLimited(retry_after=max(1, math.ceil(TYPING_INTERVAL_SECONDS - waited)))
    if conversation_id not in marks and len(marks) >= _TYPING_MARKS:
        marks.clear()
    marks[conversation_id] = (True, now)
    return True
