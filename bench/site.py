"""Serves the example site the way the benchmarks measure it: ``python -m example_site`` after the
monkey patching a production eventlet (or gevent) worker does, with a raised open-file limit.

    PORT=5000 ASYNC_MODE=eventlet EXAMPLE_CONFIG='{"LIVECHAT_RATE_LIMITS": {...}}' python bench/site.py

Everything else (instance folder, config) is example_site/__main__.py's: ``EXAMPLE_INSTANCE_PATH``,
``EXAMPLE_CONFIG`` (JSON), ``SECRET_KEY``. Two switches for the benchmarks only:

- ``BENCH_WITHOUT_CHAT=1``: the same site with ``LiveChat(...)`` left out (the host-page and page-cost
  benchmarks compare the site with and without the extension);
- ``BENCH_MAX_SIZE=N``: eventlet's pool of N connections instead of its 1,024 (what gunicorn's
  ``--worker-connections`` sets), for the idle-connections benchmark.
"""

from __future__ import annotations

import os
import resource
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    mode = os.environ.get("ASYNC_MODE", "eventlet")
    if mode == "eventlet":
        import eventlet

        eventlet.monkey_patch()
    elif mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    sys.path.insert(0, str(ROOT))
    if os.environ.get("BENCH_WITHOUT_CHAT") == "1":
        sys.path.insert(0, str(ROOT / "bench"))
        from wsgi import without_chat

        without_chat()
    if os.environ.get("BENCH_MAX_SIZE") and mode == "eventlet":
        import functools

        import eventlet.wsgi

        eventlet.wsgi.server = functools.partial(
            eventlet.wsgi.server, max_size=int(os.environ["BENCH_MAX_SIZE"])
        )
    runpy.run_module("example_site", run_name="__main__", alter_sys=True)
