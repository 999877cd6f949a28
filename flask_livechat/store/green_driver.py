"""psycopg2 waits for PostgreSQL through the event loop when gevent has patched the process.

psycopg2 is a C extension: monkey patching never reaches its sockets, so each query holds the whole process,
every chat connection and the host's pages with it, until the database answers. With psycopg2's wait
callback the driver hands each wait to the green hub instead, and the process serves others meanwhile: on
one core past saturation, PostgreSQL had kept the process idle about a quarter of the time (bench/README.md).

The callback is psycopg2's process-wide setting, so the host's own psycopg2 connections become cooperative
too, which is what a gevent application needs anyway (psycogreen does the same). A callback set first is
kept: the host's, or eventlet's own, which ``eventlet.monkey_patch()`` sets. psycopg 3 waits in Python and
needs nothing.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from ..serving import monkey_patched_with


def make_psycopg2_green() -> bool:
    """Sets the wait callback when gevent has patched this process and psycopg2 has none; whether it did."""
    if monkey_patched_with() != "gevent" or importlib.util.find_spec("psycopg2") is None:
        return False
    import psycopg2
    from psycopg2 import extensions

    if extensions.get_wait_callback() is not None:
        return False
    from gevent.socket import wait_read, wait_write

    ready = (extensions.STATUS_READY, extensions.STATUS_BEGIN, extensions.STATUS_PREPARED)

    def wait(connection: Any) -> None:
        # Waiting this way, libpq no longer enforces ``connect_timeout`` (its own doc: not with
        # PQconnectPoll), and a server that accepts and never answers would hold the connect forever.
        # So while connecting (only then: this runs for every query) each wait is bounded by it.
        bounded: dict[str, Any] = {}
        limit = None if connection.status in ready else _connect_timeout(connection.dsn)
        if limit is not None:
            bounded = {"timeout": limit, "timeout_exc": psycopg2.OperationalError("timeout expired")}
        while True:
            state = connection.poll()
            if state == extensions.POLL_OK:
                return
            if state == extensions.POLL_READ:
                wait_read(connection.fileno(), **bounded)
            elif state == extensions.POLL_WRITE:
                wait_write(connection.fileno(), **bounded)
            else:
                raise psycopg2.OperationalError(f"bad state from poll: {state}")

    extensions.set_wait_callback(wait)
    return True


def _connect_timeout(dsn: str) -> float | None:
    """The connection's ``connect_timeout`` in seconds (the store sets 3), ``None`` when it has none."""
    from psycopg2.extensions import parse_dsn

    value = parse_dsn(dsn).get("connect_timeout")
    return float(value) if value and float(value) > 0 else None
