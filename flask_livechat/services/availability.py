"""Whether visitors can expect an answer now: the one place that decides the widget's online/offline state."""

from __future__ import annotations

from typing import Any

from ..realtime.rooms import AGENT_NAMESPACE, AGENTS_ROOM


def agents_available(socketio: Any) -> bool:
    """True while an agent console is connected to this process."""
    return any(True for _ in socketio.server.manager.get_participants(AGENT_NAMESPACE, AGENTS_ROOM))
