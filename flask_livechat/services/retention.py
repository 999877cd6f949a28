"""Retention: what is older than ``LIVECHAT_RETENTION_DAYS`` goes, daily in the server and on demand."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from ..host_request import own_hook

logger = logging.getLogger("flask_livechat")


def init_app(app: Flask) -> None:
    """Starts the daily purge with the first request, so importing or testing an app starts nothing."""
    if app.config["LIVECHAT_PURGE_INTERVAL"] <= 0:
        return
    started = False

    def start_daily_purge() -> None:
        nonlocal started
        if started:
            return
        started = True
        state = app.extensions["livechat"]
        state.socketio.start_background_task(_purge_forever, app)

    app.before_request(own_hook(start_daily_purge))


def _purge_forever(app: Flask) -> None:
    """Purges, sleeps, repeats; setting ``LIVECHAT_PURGE_INTERVAL`` to 0 stops it after its current sleep."""
    state = app.extensions["livechat"]
    while app.config["LIVECHAT_PURGE_INTERVAL"] > 0:
        try:
            with app.app_context():
                counts = purge_once(state)
            if any(counts.values()):
                logger.info("flask-livechat: retention purge removed %s", counts)
        except Exception:
            logger.exception("flask-livechat: retention purge failed; it will run again")
        state.socketio.sleep(app.config["LIVECHAT_PURGE_INTERVAL"])


def purge_once(state: Any) -> dict[str, int]:
    """One round: retention, and the connection rows of processes that died without saying so (their URL
    and title would otherwise stay until a process with live connections sweeps; live processes refresh
    theirs every third of the presence timeout, so only dead rows go)."""
    state.presence.sweep([], [])
    counts: dict[str, int] = state.privacy.purge_expired()
    return counts
