"""The engine's check for clients gone silent, as one pass every two seconds.

python-engineio's own service task visits its sessions one at a time, spreading one pass over
``ping_timeout`` with a timed wait between two sessions: 250 timed waits a second with 5,000 idle visitors
and the default 20 s, which was half of an idle chat process's CPU (bench/README.md). This pass checks
every session at once (a few microseconds each) and then sleeps, so an idle chat costs little more than
its pings, and a client that stops answering is closed at most ``SWEEP_SECONDS`` (2 s) after its ping
timeout (the engine's own pass could be ``ping_timeout`` late with many sessions). What each session
check does is the engine's own (``check_ping_timeout``: close, the disconnect handlers, the visitor shown
as gone).
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("flask_livechat")

#: Seconds between two passes over the engine's sessions, at most (at 1 s the passes over 5,000 idle sessions
#: cost 0.5 % of a core).
SWEEP_SECONDS = 2.0


def sweep_period(engine: Any) -> float:
    """Short next to the ping timeout, so a dead client is shown gone about when the settings say."""
    return float(min(SWEEP_SECONDS, engine.ping_timeout / 4))


def sweep_sessions(engine: Any) -> None:
    """One pass: forgets the sessions already closed, closes those past their ping timeout."""
    sessions = engine.sockets
    for sid in list(sessions):  # the keys only: a tuple per session would set off garbage collections
        session = sessions.get(sid)
        if session is None:  # closed meanwhile by its own connection
            continue
        try:
            if session.closed:
                sessions.pop(sid, None)
            elif not session.closing:
                session.check_ping_timeout()
        except Exception:  # one session's failure must not end the sweep for the others
            logger.exception("flask-livechat: checking the Socket.IO session %s failed", sid)


def sweep_instead_of_service_task(engine: Any) -> None:
    """Puts the sweep in the place of the engine's service task, which the engine starts at its first
    connection and stops at ``shutdown()`` through ``service_task_event``. Left alone when the host turned
    the monitoring off (``monitor_clients=False``) or it runs already."""
    if not engine.start_service_task or getattr(engine, "service_task_handle", None) is not None:
        return

    def service_task() -> None:
        engine.service_task_event = engine.create_event()
        while not engine.service_task_event.wait(timeout=sweep_period(engine)):
            sweep_sessions(engine)

    engine._service_task = service_task
