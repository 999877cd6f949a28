"""What the server process can do: which async mode to use, and the setups we refuse because they hang.

The async mode is the host's choice. When nobody names one we use ``threading`` (simple-websocket), or the
green library the process is already monkey-patched with (gunicorn's gevent worker patches before it loads
the app). We never import eventlet or gevent to find out: importing eventlet alone warns
(``EventletDeprecationWarning``), which fails a host's test suite run with warnings as errors.
"""

from __future__ import annotations

import sys

from .errors import ConfigError

__all__ = ["GREEN_MODES", "check_message_queue", "default_async_mode", "monkey_patched_with"]

#: Async modes whose concurrency is greenlets: blocking calls only yield when the stdlib is monkey-patched.
GREEN_MODES = ("eventlet", "gevent", "gevent_uwsgi")


def monkey_patched_with() -> str | None:
    """``"eventlet"`` or ``"gevent"`` when that library has patched ``socket`` in this process, else
    ``None``. A library nobody imported has patched nothing, so neither is imported here."""
    patcher = sys.modules.get("eventlet.patcher")
    if patcher is not None and patcher.is_monkey_patched("socket"):
        return "eventlet"
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("socket"):
        return "gevent"
    return None


def default_async_mode(configured: str | None) -> str:
    """``LIVECHAT_ASYNC_MODE`` when set; else the patching library's mode; else ``threading``. Never what
    happens to be installed: installing an extra must not change how a host's app runs."""
    return configured or monkey_patched_with() or "threading"


def check_message_queue(async_mode: str, has_queue: bool) -> None:
    """The Redis (or Kombu) queue's listener blocks in a real socket read: under a green async mode without
    monkey patching it never yields, every connect fails and the server stops answering HTTP."""
    if not has_queue or async_mode not in GREEN_MODES:
        return
    library = "eventlet" if async_mode == "eventlet" else "gevent"
    if monkey_patched_with() == library:
        return
    fix = (
        "import eventlet; eventlet.monkey_patch()"
        if library == "eventlet"
        else "from gevent import monkey; monkey.patch_all()"
    )
    raise ConfigError(
        f"The SocketIO server runs in {async_mode} mode with a message queue, but the process is not "
        f"monkey-patched by {library}: every connection would fail and the server would stop answering. "
        f"Add `{fix}` as the first lines of your entry point (before importing Flask), run under a server "
        f"that patches for you (gunicorn -k gevent), or use async_mode='threading'."
    )


#: Answered (503) to chat connections on a server that holds one request per worker; also logged once.
ONE_REQUEST_PER_WORKER = (
    "This server handles one request at a time per worker (a gunicorn sync worker, or a development server "
    "without threads), so a chat connection, which stays open, would block the site's pages. Run gunicorn "
    "with the gevent worker (-k gevent) or with threads (--threads 100); docs/deployment.md."
)


def holds_one_request_at_a_time(async_mode: str, environ: dict[str, object]) -> bool:
    """Whether the WSGI server behind ``environ`` would block on a long poll or a WebSocket.

    In threading mode each open connection needs a thread of its own, so a server that says it is not
    multithreaded (gunicorn's sync worker, werkzeug without ``threaded``) cannot hold one without starving
    the site. Green modes hold connections in greenlets whatever the environ says. An in-process test client
    (no ``SERVER_SOFTWARE``) holds nothing open, so it is left alone."""
    return (
        async_mode == "threading"
        and not environ.get("wsgi.multithread")
        and bool(environ.get("SERVER_SOFTWARE"))
    )
