"""Clients gone silent are closed by one sweep every few seconds, not by one timed wait per session."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from flask_livechat import session_sweep
from flask_livechat.testing import VISITOR_NAMESPACE
from tests.conftest import INIT_ORDERS, LiveServer, build_app, build_host_socketio_app, serve, stop_app

POLLING = "/socket.io/?EIO=4&transport=polling"


@pytest.fixture(params=(*INIT_ORDERS, "extension-creates-socketio"))
def server(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveServer]:
    monkeypatch.setattr(session_sweep, "SWEEP_SECONDS", 0.2)
    instance = str(tmp_path / "instance")
    pings = {"LIVECHAT_PING_INTERVAL": 1, "LIVECHAT_PING_TIMEOUT": 1}
    if request.param == "extension-creates-socketio":
        app = build_app(instance, **pings)
    else:
        app = build_host_socketio_app(instance, request.param, **pings)
    with serve(app) as live:
        yield live
    stop_app(app)


def handshake(url: str, cookie: str = "") -> str:
    answer = requests.get(url + POLLING, headers={"Cookie": cookie}, timeout=5)
    assert answer.status_code == 200, answer.text
    return str(json.loads(answer.text[1:])["sid"])


def engine_of(server: LiveServer) -> Any:
    return server.app.extensions["livechat"].socketio.server.eio


def wait_for(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_visitor_gone_silent_is_closed_soon_after_the_ping_timeout(server: LiveServer) -> None:
    cookie = "; ".join(f"{k}={v}" for k, v in requests.get(server.url + "/", timeout=5).cookies.items())
    sid = handshake(server.url, cookie)
    url = f"{server.url}{POLLING}&sid={sid}"
    assert requests.post(url, data=f"40{VISITOR_NAMESPACE},{{}}", headers={"Cookie": cookie}, timeout=5).ok
    assert f"40{VISITOR_NAMESPACE}," in requests.get(url, headers={"Cookie": cookie}, timeout=5).text
    namespace = server.app.extensions["livechat"].socketio.server.namespace_handlers[VISITOR_NAMESPACE]
    assert wait_for(lambda: len(namespace._connections) == 1, 2)
    engine = engine_of(server)
    started = time.monotonic()
    # From here the client polls no more: the ping after 1 s goes unanswered, and 1 s later it is gone.
    assert wait_for(lambda: sid not in engine.sockets, 6), "the silent session is still open"
    assert time.monotonic() - started >= 1.5  # not before its ping timed out
    assert wait_for(lambda: not namespace._connections, 2), "the visitor's disconnect did not run"


def test_a_pass_over_many_sessions_waits_once(server: LiveServer) -> None:
    """The engine's own task waits once per session (here 40 sessions every 1 s ping timeout: 40 waits a
    second); the sweep once per pass."""
    for _ in range(40):
        handshake(server.url)
    engine = engine_of(server)
    assert wait_for(lambda: engine.service_task_event is not None, 2)
    event = engine.service_task_event
    waits: list[object] = []
    wait = event.wait

    def counted(timeout: float | None = None) -> bool:
        waits.append(timeout)
        return bool(wait(timeout))

    event.wait = counted
    time.sleep(1.0)
    event.wait = wait
    assert 1 <= len(waits) <= 10, len(waits)
    assert all(timeout == 0.2 for timeout in waits)  # SWEEP_SECONDS: shorter than a quarter of the timeout
