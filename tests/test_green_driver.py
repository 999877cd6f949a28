"""Under gevent and eventlet a PostgreSQL query (psycopg2) leaves the rest of the process running: a real
monkey-patched process, a real PostgreSQL server, a query that takes half a second, a greenlet that ticks."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import empty_postgres_database
from tests.faults import ROOT

PROCESS = """
import json, sys, time
library = sys.argv[1]
if library == "gevent":
    from gevent import monkey; monkey.patch_all()
    import gevent
    spawn, sleep = gevent.spawn, gevent.sleep
elif library == "eventlet":
    import eventlet; eventlet.monkey_patch()
    spawn, sleep = eventlet.spawn, eventlet.sleep
else:
    import threading
    spawn, sleep = (lambda f: threading.Thread(target=f, daemon=True).start()), time.sleep
if sys.argv[3] == "host-callback":
    from psycopg2 import extensions, extras
    extensions.set_wait_callback(extras.wait_select)
from sqlalchemy import text
from flask_livechat.store import Store
from psycopg2 import extensions

store = Store(sys.argv[2])
ticks = []
def tick():
    while True:
        ticks.append(time.monotonic())
        sleep(0.01)
with store.database.engine.connect() as connection:
    connection.execute(text("SELECT 1"))  # connected before the clock starts
    spawn(tick)
    sleep(0.05)
    began = time.monotonic()
    connection.execute(text("SELECT pg_sleep(0.5)"))
    ended = time.monotonic()
callback = extensions.get_wait_callback()
print(json.dumps({
    "ticks_during": sum(1 for t in ticks if began < t < ended),
    "callback": getattr(callback, "__module__", None) if callback else None,
}))
"""


def run(tmp_path: Path, library: str, url: str, host: str = "none") -> dict[str, object]:
    script = tmp_path / "green.py"
    script.write_text(textwrap.dedent(PROCESS))
    done = subprocess.run(
        [sys.executable, "-W", "ignore", str(script), library, url, host],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.postgres
@pytest.mark.parametrize("library", ["gevent", "eventlet"])
def test_a_query_under_a_green_library_lets_the_process_run(tmp_path: Path, library: str) -> None:
    if library == "eventlet":
        pytest.importorskip("eventlet")
    with empty_postgres_database() as url:
        answer = run(tmp_path, library, url)
    # Ticking every 10 ms through a 500 ms query (about 50 ticks; a loaded machine may give fewer): blocked,
    # it would tick at most once.
    assert answer["ticks_during"] >= 10, answer
    # eventlet.monkey_patch() makes psycopg2 green itself, and its callback is kept.
    own = {"gevent": "flask_livechat.store.green_driver", "eventlet": "eventlet.support.psycopg2_patcher"}
    assert answer["callback"] == own[library], answer


@pytest.mark.postgres
def test_a_hosts_own_wait_callback_is_kept(tmp_path: Path) -> None:
    with empty_postgres_database() as url:
        answer = run(tmp_path, "gevent", url, "host-callback")
    assert answer["callback"] == "psycopg2.extras", answer


@pytest.mark.postgres
def test_an_unpatched_process_keeps_psycopg2_as_it_is(tmp_path: Path) -> None:
    with empty_postgres_database() as url:
        answer = run(tmp_path, "threading", url)
    assert answer["callback"] is None
    assert answer["ticks_during"] >= 10  # threads ran meanwhile anyway: psycopg2 releases the GIL


SILENT_SERVER = """
from gevent import monkey; monkey.patch_all()
import json, socket, time, gevent
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(5)
held = []
gevent.spawn(lambda: [held.append(listener.accept()) for _ in iter(int, 1)])
from flask_livechat.errors import StoreUnavailable
from flask_livechat.store import Store
store = Store(f"postgresql+psycopg2://chat@127.0.0.1:{listener.getsockname()[1]}/chat")
began = time.monotonic()
try:
    with gevent.Timeout(20):
        store.conversations.open_conversations()
    outcome = "answered"
except StoreUnavailable:
    outcome = "unavailable"
except gevent.Timeout:
    outcome = "hanging"
print(json.dumps({"outcome": outcome, "seconds": time.monotonic() - began}))
"""


def test_a_server_that_never_answers_still_gives_up_after_the_connect_timeout(tmp_path: Path) -> None:
    """Waiting through the hub, libpq no longer enforces ``connect_timeout`` itself: the callback does."""
    script = tmp_path / "silent.py"
    script.write_text(textwrap.dedent(SILENT_SERVER))
    done = subprocess.run(
        [sys.executable, "-W", "ignore", str(script)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["outcome"] == "unavailable" and answer["seconds"] < 10, answer
