"""Tells open widgets when business hours begin or end (``availability``), checked twice a minute."""

from __future__ import annotations

import weakref

from flask import Flask
from flask_socketio import SocketIO

from ..services.availability import agents_available
from .rooms import VISITOR_NAMESPACE

CHECK_SECONDS = 30

_watched: weakref.WeakSet[SocketIO] = weakref.WeakSet()


def watch_business_hours(socketio: SocketIO, app: Flask) -> None:
    """Starts the watcher once per server, on the first visitor connection, when hours are configured."""
    if app.config["LIVECHAT_BUSINESS_HOURS"] is None or socketio in _watched:
        return
    _watched.add(socketio)
    socketio.start_background_task(_watch, socketio, app)


def _watch(socketio: SocketIO, app: Flask) -> None:
    last: bool | None = None
    while True:
        with app.app_context():
            now = agents_available(socketio)
        if last is not None and now != last:
            socketio.emit("availability", {"agents_online": now}, namespace=VISITOR_NAMESPACE)
        last = now
        socketio.sleep(CHECK_SECONDS)
