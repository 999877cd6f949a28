"""``python -m example_site``: serves the example on http://127.0.0.1:5000 (PORT and ASYNC_MODE override)."""

import json
import os
from typing import Any

from werkzeug.serving import WSGIRequestHandler

from .app import create_app, socketio


def socket_timeout() -> float:
    """Seconds a client socket may stay silent before the server drops it, so half-sent requests cannot
    hold the server's connections for good. A WebSocket hears a ping every ping interval, so it must be
    longer than interval plus timeout (EXAMPLE_SOCKET_TIMEOUT in EXAMPLE_CONFIG overrides, for tests)."""
    engine = socketio.server.eio
    return float(engine.ping_interval + engine.ping_timeout + 5)


if __name__ == "__main__":
    async_mode = os.environ.get("ASYNC_MODE", "eventlet")
    # EXAMPLE_CONFIG: extra config as JSON, e.g. '{"LIVECHAT_LANGUAGE": "de"}' (the browser tests use it).
    extra = json.loads(os.environ.get("EXAMPLE_CONFIG") or "{}")
    app = create_app({"ASYNC_MODE": async_mode, **extra})
    port = int(os.environ.get("PORT", "5000"))
    timeout = float(app.config.get("EXAMPLE_SOCKET_TIMEOUT") or socket_timeout())
    server_options: dict[str, Any] = {}
    if socketio.async_mode == "eventlet":
        server_options["socket_timeout"] = timeout
    elif socketio.async_mode == "threading":  # werkzeug's threaded server: the handler's socket timeout
        server_options["request_handler"] = type(
            "TimeoutRequestHandler", (WSGIRequestHandler,), {"timeout": timeout}
        )
    print(
        f"Example site on http://127.0.0.1:{port} ({async_mode}); agent console at /livechat/agent/",
        flush=True,
    )
    socketio.run(
        app, host="127.0.0.1", port=port, allow_unsafe_werkzeug=True, log_output=False, **server_options
    )
