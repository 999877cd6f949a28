"""gunicorn entry points, for the benchmarks' gevent mode: the server docs/deployment.md recommends.

    gunicorn -k gevent -w 1 --worker-connections 10000 --pythonpath bench,. 'wsgi:ours()'
    gunicorn -k gevent -w 1 --worker-connections 10000 --pythonpath bench,. 'wsgi:relay()'

``ours()`` is the example site configured as bench/site.py configures it (``EXAMPLE_INSTANCE_PATH``,
``EXAMPLE_CONFIG``, ``SECRET_KEY``, ``BENCH_WITHOUT_CHAT``); gunicorn's gevent worker has monkey-patched the
standard library before it calls either.

With ``BENCH_MESSAGE_QUEUE=redis://…`` both use that message queue (Flask-SocketIO's ``message_queue``) on
the channel ``BENCH_QUEUE_CHANNEL`` (Redis channels are not per database: a channel of its own keeps other
users of the same Redis out of the measurement). The example site passes its own ``SocketIO`` to the chat,
so, as any host with its own server, it must give that server the queue: ``LIVECHAT_MESSAGE_QUEUE`` only
configures a server the chat creates (docs/host-integration.md).
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any

QUEUE_ENV = "BENCH_MESSAGE_QUEUE"
CHANNEL_ENV = "BENCH_QUEUE_CHANNEL"


def queue_options() -> dict[str, str]:
    """Flask-SocketIO's options for the message queue the benchmark asked for, if any."""
    url = os.environ.get(QUEUE_ENV)
    if not url:
        return {}
    return {"message_queue": url, "channel": os.environ.get(CHANNEL_ENV) or "flask-socketio"}


def without_chat() -> None:
    """The same site with ``LiveChat(...)`` left out: every seam decorator hands its callback back."""
    import example_site.app

    class NoChat:
        def __init__(self, *_: Any, **__: Any) -> None:
            pass

        def __getattr__(self, _name: str) -> Any:
            return lambda callback: callback

    example_site.app.LiveChat = NoChat  # type: ignore[misc,assignment]
    if os.environ.get("BENCH_EMPTY_SCRIPT") == "1":
        with_empty_script()


EMPTY_SCRIPT_TAG = b'<script defer src="/bench-empty.js"></script></body>'


def with_empty_script() -> None:
    """Every HTML page gets one deferred script of zero bytes, served as our bundles are (immutable, from a
    URL of the site): what any external script costs a page, the floor under the loader's own cost."""
    from flask import Flask, Response

    import example_site.app

    create_app = example_site.app.create_app

    def create_app_with_empty_script(config: dict[str, Any] | None = None) -> Flask:
        app = create_app(config)

        @app.get("/bench-empty.js")
        def empty_script() -> Response:
            response = Response(b"", mimetype="text/javascript")
            response.cache_control.max_age = 31536000
            response.cache_control.immutable = True
            return response

        @app.after_request
        def add_empty_script(response: Response) -> Response:
            if response.mimetype == "text/html" and not response.direct_passthrough:
                response.set_data(response.get_data().replace(b"</body>", EMPTY_SCRIPT_TAG, 1))
            return response

        return app

    example_site.app.create_app = create_app_with_empty_script  # type: ignore[assignment]


def ours() -> Any:
    if os.environ.get("BENCH_WITHOUT_CHAT") == "1":
        without_chat()
    import example_site.app
    from example_site.app import create_app

    config = json.loads(os.environ.get("EXAMPLE_CONFIG") or "{}")
    queue = queue_options()
    if queue:
        # The site's own SocketIO gets the queue as a host would give it; the chat's setting says the same.
        socketio = example_site.app.socketio
        socketio.init_app = functools.partial(socketio.init_app, **queue)
        config["LIVECHAT_MESSAGE_QUEUE"] = queue["message_queue"]
    return create_app({"ASYNC_MODE": "gevent", **config})


def relay() -> Any:
    from relay import create_relay

    return create_relay("gevent", **queue_options())[0]
