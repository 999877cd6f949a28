"""Whether visitors can expect an answer now: the one place that decides the widget's online/offline state."""

from __future__ import annotations

from typing import Any

from ..state import current_livechat


def agents_available(socketio: Any) -> bool:
    """True while at least one agent is online (not away) in a live console tab, in any server process.

    Presence is stored per connection (services/presence.py), so a dead connection stops counting once it is
    older than ``LIVECHAT_PRESENCE_TIMEOUT``.
    """
    return current_livechat.presence.available()
