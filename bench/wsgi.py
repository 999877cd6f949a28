"""gunicorn entry points, for the benchmarks' gevent mode: the server docs/deployment.md recommends.

    gunicorn -k gevent -w 1 --worker-connections 10000 --pythonpath bench,. 'wsgi:ours()'
    gunicorn -k gevent -w 1 --worker-connections 10000 --pythonpath bench,. 'wsgi:relay()'

``ours()`` is the example site configured as bench/site.py configures it (``EXAMPLE_INSTANCE_PATH``,
``EXAMPLE_CONFIG``, ``SECRET_KEY``, ``BENCH_WITHOUT_CHAT``); gunicorn's gevent worker has monkey-patched the
standard library before it calls either.
"""

from __future__ import annotations

import json
import os
from typing import Any


def without_chat() -> None:
    """The same site with ``LiveChat(...)`` left out: every seam decorator hands its callback back."""
    import example_site.app

    class NoChat:
        def __init__(self, *_: Any, **__: Any) -> None:
            pass

        def __getattr__(self, _name: str) -> Any:
            return lambda callback: callback

    example_site.app.LiveChat = NoChat  # type: ignore[misc,assignment]


def ours() -> Any:
    if os.environ.get("BENCH_WITHOUT_CHAT") == "1":
        without_chat()
    from example_site.app import create_app

    config = json.loads(os.environ.get("EXAMPLE_CONFIG") or "{}")
    return create_app({"ASYNC_MODE": "gevent", **config})


def relay() -> Any:
    from relay import create_relay

    return create_relay("gevent")[0]
