"""Retention: what is older than ``LIVECHAT_RETENTION_DAYS`` goes, daily in the server and on demand."""

from __future__ import annotations

import logging

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
                counts = state.privacy.purge_expired()
            if any(counts.values()):
                logger.info("flask-livechat: retention purge removed %s", counts)
        except Exception:
            logger.exception("flask-livechat: retention purge failed; it will run again")
        state.socketio.sleep(app.config["LIVECHAT_PURGE_INTERVAL"])
