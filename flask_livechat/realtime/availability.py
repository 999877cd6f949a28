"""Tells open widgets when business hours begin or end (``availability``), checked twice a minute."""

from __future__ import annotations

import weakref

from flask import Flask
from flask_socketio import SocketIO

from ..state import current_livechat

CHECK_SECONDS = 30

_watched: weakref.WeakSet[SocketIO] = weakref.WeakSet()


def watch_business_hours(socketio: SocketIO, app: Flask) -> None:
    """Starts the watcher once per server, on the first visitor connection, when hours are configured."""
    if not current_livechat.availability.has_hours or socketio in _watched:
        return
    _watched.add(socketio)
    socketio.start_background_task(_watch, socketio, app)


def _watch(socketio: SocketIO, app: Flask) -> None:
    while True:
        with app.app_context():
            current_livechat.pusher.availability_check()
        socketio.sleep(CHECK_SECONDS)
