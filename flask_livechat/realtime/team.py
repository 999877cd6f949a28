"""The team the widget's header shows: who of the staff is online now, by name and picture.

Visitors see the same public names agents sign their messages with (``host.display_name``, never an email
address) and a picture from the host's ``agent_avatar`` loader; no ids, roles or departments. The list is
small (``MAX_TEAM``) and goes out in the ``hello`` ack and as ``team`` pushes when it changes.
"""

from __future__ import annotations

import logging
import re
import time
import weakref
from collections.abc import Callable
from typing import Any

from ..state import current_livechat

logger = logging.getLogger("flask_livechat")

#: At most this many agents are named in the header (the widget draws three faces and "+n").
MAX_TEAM = 6
#: Seconds an ``agent_avatar`` answer is reused: a visitor's hello must not ask the host every time.
AVATAR_TTL = 300.0
_URL = re.compile(r"^(https://|http://|/(?!/))[^\s\"'<>\\]{0,1000}$")

#: Per registered loader (a new loader starts afresh): agent id -> (when asked, its answer).
_avatars: weakref.WeakKeyDictionary[Callable[..., Any], dict[str, tuple[float, str | None]]] = (
    weakref.WeakKeyDictionary()
)


def avatar_of(agent_id: str) -> str | None:
    """The host's picture URL for ``agent_id`` (cached), or ``None``: none registered, none given, a URL
    that is not http(s) or a site path, or a loader that raised (logged)."""
    loader = current_livechat.livechat.load_agent_avatar
    if loader is None:
        return None
    try:
        answers = _avatars.setdefault(loader, {})
    except TypeError:  # a callable that cannot be weakly referenced: asked every time
        answers = {}
    now = time.monotonic()
    cached = answers.get(agent_id)
    if cached is not None and now - cached[0] < AVATAR_TTL:
        return cached[1]
    try:
        url = loader(agent_id)
    except Exception:
        logger.exception("flask-livechat: the agent_avatar loader raised for agent %s", agent_id)
        url = None
    if url is not None and not (isinstance(url, str) and _URL.match(url)):
        logger.warning("flask-livechat: agent_avatar gave %r, not an http(s) URL or a path: left out", url)
        url = None
    answers[agent_id] = (now, url)
    return url


def team() -> list[dict[str, Any]]:
    """The agents online now (not away), each once, by name: ``[{"name", "avatar"}]``."""
    seen: dict[str, str] = {}
    for agent in current_livechat.presence.agents():
        if agent.status == "online" and agent.agent_id not in seen:
            seen[agent.agent_id] = agent.name
    chosen = sorted(seen.items(), key=lambda item: (item[1].casefold(), item[0]))[:MAX_TEAM]
    return [{"name": name, "avatar": avatar_of(agent_id)} for agent_id, name in chosen]
