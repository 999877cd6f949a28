"""``python -m example_site``: serves the example on http://127.0.0.1:5000 (PORT and ASYNC_MODE override)."""

import json
import os

from .app import create_app, socketio

if __name__ == "__main__":
    async_mode = os.environ.get("ASYNC_MODE", "eventlet")
    # EXAMPLE_CONFIG: extra config as JSON, e.g. '{"LIVECHAT_LANGUAGE": "de"}' (the browser tests use it).
    extra = json.loads(os.environ.get("EXAMPLE_CONFIG") or "{}")
    app = create_app({"ASYNC_MODE": async_mode, **extra})
    port = int(os.environ.get("PORT", "5000"))
    print(
        f"Example site on http://127.0.0.1:{port} ({async_mode}); agent console at /livechat/agent/",
        flush=True,
    )
    socketio.run(app, host="127.0.0.1", port=port, allow_unsafe_werkzeug=True, log_output=False)
