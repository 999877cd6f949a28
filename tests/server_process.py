"""``python -m tests.server_process``: the tests' host app as its own server process, as production runs it.

Environment: ``PORT``, ``ASYNC_MODE`` (``eventlet`` or ``threading``), ``INSTANCE`` (its instance folder) and
``LIVECHAT_TEST_CONFIG`` (extra config as JSON, e.g. a shared ``LIVECHAT_DATABASE_URL`` and
``LIVECHAT_MESSAGE_QUEUE`` for several processes).
"""

import json
import os
import resource

if os.environ.get("ASYNC_MODE") == "eventlet":
    import eventlet

    eventlet.monkey_patch()


def main() -> None:
    from tests.conftest import build_app

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    mode = os.environ.get("ASYNC_MODE", "eventlet")
    config = json.loads(os.environ.get("LIVECHAT_TEST_CONFIG") or "{}")
    app = build_app(os.environ["INSTANCE"], LIVECHAT_ASYNC_MODE=mode, **config)
    port = int(os.environ["PORT"])
    print(f"serving on {port} ({mode})", flush=True)
    app.extensions["socketio"].run(
        app, host="127.0.0.1", port=port, allow_unsafe_werkzeug=True, log_output=False
    )


if __name__ == "__main__":
    main()
