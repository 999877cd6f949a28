"""The async mode is the host's: installing eventlet changes nothing (no switch, no warning in a host's test
suite run with ``-W error``), and a green mode with a message queue but no monkey patching fails at
start-up with what to add, instead of failing every connection later."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from flask import Flask
from flask_socketio import SocketIO

from flask_livechat import LiveChat
from flask_livechat.errors import ConfigError
from tests.conftest import ON_CI
from tests.faults import ROOT

HOST_TESTS = """
import sys

from flask import Flask
from flask_livechat import LiveChat

livechat = LiveChat()


def create_app(instance):
    app = Flask("host", instance_path=str(instance))
    app.config["SECRET_KEY"] = "k"
    livechat.init_app(app)
    return app


def test_factory(tmp_path):
    app = create_app(tmp_path)
    assert app.extensions["socketio"].async_mode == "threading"
    assert app.test_client().get("/livechat/agent/").status_code in (302, 401, 403)


def test_direct(tmp_path):
    app = Flask("host", instance_path=str(tmp_path))
    app.config["SECRET_KEY"] = "k"
    LiveChat(app)
    assert app.extensions["socketio"].async_mode == "threading"
    assert "eventlet" not in sys.modules and "gevent" not in sys.modules
"""


def run_python(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def need_eventlet() -> None:
    if importlib.util.find_spec("eventlet") is None:
        if ON_CI:
            pytest.fail("CI must have eventlet installed (the dev extra)")
        pytest.skip("needs eventlet installed (pip install -e '.[dev]')")


def test_a_host_suite_with_warnings_as_errors_sees_none(tmp_path: Path) -> None:
    need_eventlet()
    # eventlet 0.37+ warns on import, which under -W error fails the importing test: the suite below checks
    # that nothing imported eventlet at all.
    (tmp_path / "test_host.py").write_text(HOST_TESTS)
    result = run_python(
        "-m", "pytest", "-W", "error", "-p", "no:cacheprovider", "-q", "test_host.py", cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout and "warning" not in result.stdout.lower(), result.stdout


def test_the_hosts_choice_is_kept(tmp_path: Path) -> None:
    app = Flask("host", instance_path=str(tmp_path))
    app.config.update(SECRET_KEY="k", LIVECHAT_ASYNC_MODE="gevent")
    LiveChat(app)
    assert app.extensions["socketio"].async_mode == "gevent"


@pytest.mark.parametrize("order", ["livechat-creates-it", "host-socketio-first", "host-socketio-later"])
def test_a_queue_under_gevent_without_patching_fails_at_start_up(tmp_path: Path, order: str) -> None:
    app = Flask("host", instance_path=str(tmp_path))
    app.config.update(SECRET_KEY="k")
    queue = "redis://127.0.0.1:6379/0"
    with pytest.raises(ConfigError) as refused:
        if order == "livechat-creates-it":
            app.config.update(LIVECHAT_ASYNC_MODE="gevent", LIVECHAT_MESSAGE_QUEUE=queue)
            LiveChat(app)
        elif order == "host-socketio-first":
            LiveChat(app, socketio=SocketIO(app, async_mode="gevent", message_queue=queue))
        else:
            socketio = SocketIO()
            LiveChat(app, socketio=socketio)
            socketio.init_app(app, async_mode="gevent", message_queue=queue)
    assert "from gevent import monkey; monkey.patch_all()" in str(refused.value)
    assert "first lines of your entry point" in str(refused.value)


EVENTLET_ENTRY_POINT = """
{patch}
from flask import Flask
from flask_livechat import LiveChat
from flask_livechat.errors import ConfigError

app = Flask("host", instance_path={instance!r})
app.config.update(SECRET_KEY="k", LIVECHAT_MESSAGE_QUEUE="redis://127.0.0.1:6379/0")
try:
    LiveChat(app)
except ConfigError as error:
    print("refused:", error)
else:
    print("started in", app.extensions["socketio"].async_mode)
"""


@pytest.mark.parametrize("patched", [False, True])
def test_eventlet_entry_points(tmp_path: Path, patched: bool) -> None:
    """Without patching, eventlet mode is only used when the host asks for it; patched, it is chosen."""
    need_eventlet()
    patch = "import eventlet; eventlet.monkey_patch()" if patched else ""
    script = EVENTLET_ENTRY_POINT.format(patch=patch, instance=str(tmp_path / "instance"))
    if not patched:
        script = script.replace('SECRET_KEY="k"', 'SECRET_KEY="k", LIVECHAT_ASYNC_MODE="eventlet"')
    result = run_python("-W", "ignore", "-c", textwrap.dedent(script), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    if patched:
        assert result.stdout.strip() == "started in eventlet", result.stdout + result.stderr
    else:
        assert "refused:" in result.stdout and "import eventlet; eventlet.monkey_patch()" in result.stdout
