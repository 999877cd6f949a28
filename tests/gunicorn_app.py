"""``gunicorn tests.gunicorn_app:app``: the tests' host app loaded the way gunicorn loads an app module.

Environment: ``INSTANCE`` (its instance folder) and ``LIVECHAT_TEST_CONFIG`` (extra config as JSON). The
async mode is left to flask-livechat (``LIVECHAT_ASYNC_MODE`` unset) unless the config names one, so the
worker class alone decides it, as it does for a host.
"""

import json
import os

from tests.conftest import build_app

_config = {"LIVECHAT_ASYNC_MODE": None, **json.loads(os.environ.get("LIVECHAT_TEST_CONFIG") or "{}")}
app = build_app(os.environ["INSTANCE"], **_config)
