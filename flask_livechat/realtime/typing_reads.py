"""``typing`` and ``mark_read`` for both namespaces: the same rules on either side (the emits are in push)."""

from __future__ import annotations

import time
from typing import Any

from ..services.typing_reads import TypingReadsService
from ..state import current_livechat

#: A client repeating the same typing state faster than this is not relayed (clients send every 2 s).
TYPING_REPEAT_SECONDS = 1.0


def typing_reads() -> TypingReadsService:
    return current_livechat.typing_reads


def should_relay_typing(connection: dict[str, Any], conversation_id: str, typing: bool) -> bool:
    """Server-side throttle: a change is always relayed, a repeat only once per ``TYPING_REPEAT_SECONDS``."""
    now = time.monotonic()
    last = connection.get("typing")
    if last is not None and last[0] == (conversation_id, typing) and now - last[1] < TYPING_REPEAT_SECONDS:
        return False
    connection["typing"] = ((conversation_id, typing), now)
    return True
