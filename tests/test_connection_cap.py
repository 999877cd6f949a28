"""The process-wide cap on chat connections (LIVECHAT_MAX_CONNECTIONS): at the cap a new chat connection is
refused at once with 503, a JSON error and Retry-After, sessions already open keep working, and the host's
own pages still answer (a real threaded server, real WebSockets and polling)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import websocket
from flask import Flask

from flask_livechat import LiveChat, connection_cap
from flask_livechat.connection_cap import BUSY_RETRY_AFTER, ConnectionCap
from flask_livechat.errors import ConfigError
from tests.conftest import LiveServer, build_host_socketio_app, serve, stop_app
from tests.test_connection_floods import guard_of

POLLING = "/socket.io/?EIO=4&transport=polling"

pytestmark = [
    pytest.mark.usefixtures("release_sockets"),
    pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"),
]


def make_app(tmp_path: Path) -> Flask:
    app = Flask("host", instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY="k", LIVECHAT_ASYNC_MODE="threading", LIVECHAT_PURGE_INTERVAL=0)
    return app


@pytest.mark.parametrize("value", [-1, "900", 9.5, True])
def test_a_bad_cap_fails_at_start_up(tmp_path: Path, value: Any) -> None:
    app = make_app(tmp_path)
    app.config["LIVECHAT_MAX_CONNECTIONS"] = value
    with pytest.raises(ConfigError, match="LIVECHAT_MAX_CONNECTIONS is how many chat connections"):
        LiveChat(app)


@pytest.mark.parametrize("value", [None, 0, 9000])
def test_no_cap_a_closed_chat_or_a_raised_cap_are_accepted(tmp_path: Path, value: int | None) -> None:
    app = make_app(tmp_path)
    app.config["LIVECHAT_MAX_CONNECTIONS"] = value
    LiveChat(app)
    stop_app(app)


def test_the_default_leaves_room_below_the_servers_own_pools(tmp_path: Path) -> None:
    """gunicorn's --worker-connections defaults to 1,000 and eventlet's pool to 1,024."""
    app = make_app(tmp_path)
    LiveChat(app)
    assert app.config["LIVECHAT_MAX_CONNECTIONS"] == 900
    stop_app(app)


@pytest.fixture
def capped_server(tmp_path: Path) -> Iterator[LiveServer]:
    app = build_host_socketio_app(
        str(tmp_path / "instance"),
        "host-socketio-first",
        LIVECHAT_MAX_CONNECTIONS=5,
        LIVECHAT_HANDSHAKE_LIMIT=None,
    )
    with serve(app) as live:
        yield live
    stop_app(app)


def wait_until(condition: Any, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_at_the_cap_new_chat_connections_are_refused_and_pages_still_answer(
    capped_server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = capped_server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    guard = guard_of(capped_server.app)
    # Four WebSockets (one request each for their whole life) and one polling session, which holds no
    # request between its polls: the cap counts sessions too.
    sockets = [websocket.create_connection(url, timeout=5) for _ in range(4)]
    try:
        assert all(s.recv().startswith("0{") for s in sockets)
        handshake = requests.get(capped_server.url + POLLING, timeout=5)
        assert handshake.status_code == 200
        sid = json.loads(handshake.text[1:])["sid"]
        wait_until(lambda: guard.open_connections() == 5)

        with caplog.at_level(logging.WARNING, logger="flask_livechat"):
            refused = requests.get(capped_server.url + POLLING, timeout=5)
            assert refused.status_code == 503
            assert int(refused.headers["Retry-After"]) == BUSY_RETRY_AFTER
            assert refused.headers["Content-Type"] == "application/json"
            body = refused.json()
            assert body["ok"] is False and body["error"]["code"] == "chat_busy"
            assert body["error"]["fields"] == {} and "try again" in body["error"]["message"]
            with pytest.raises(websocket.WebSocketBadStatusException) as refusal:
                websocket.create_connection(url, timeout=5)
            assert refusal.value.status_code == 503
            assert json.loads(refusal.value.resp_body or b"{}")["error"]["code"] == "chat_busy"
            for _ in range(5):
                assert requests.get(capped_server.url + POLLING, timeout=5).status_code == 503
        busy_lines = [r for r in caplog.records if "LIVECHAT_MAX_CONNECTIONS" in r.getMessage()]
        assert len(busy_lines) == 1  # one line for the burst, not one per refusal

        # The host's page is no chat request: the cap never touches it.
        page = requests.get(capped_server.url + "/", timeout=5)
        assert page.status_code == 200
        # The open polling session keeps working: its requests carry a sid and are no new connection.
        connect = requests.post(f"{capped_server.url}{POLLING}&sid={sid}", data="40/livechat,", timeout=5)
        assert connect.status_code == 200
        poll = requests.get(f"{capped_server.url}{POLLING}&sid={sid}", timeout=5)
        assert poll.status_code == 200 and poll.text.startswith("40/livechat,")

        sockets.pop().close()
        wait_until(lambda: guard.open_connections() < 5)
        assert guard.cap is not None
        cap = guard.cap
        wait_until(lambda: not cap.full(guard.in_flight()))  # the count at the cap is kept for a moment
        sockets.append(websocket.create_connection(url, timeout=5))  # room again
        assert sockets[-1].recv().startswith("0{")
    finally:
        for connection in sockets:
            connection.close()


@pytest.fixture
def closed_server(tmp_path: Path) -> Iterator[LiveServer]:
    instance = str(tmp_path / "instance")
    app = build_host_socketio_app(instance, "host-socketio-first", LIVECHAT_MAX_CONNECTIONS=0)
    with serve(app) as live:
        yield live
    stop_app(app)


def test_a_cap_of_zero_refuses_every_chat_and_serves_every_page(closed_server: LiveServer) -> None:
    assert requests.get(closed_server.url + POLLING, timeout=5).status_code == 503
    assert requests.get(closed_server.url + "/", timeout=5).status_code == 200


class Session:
    def __init__(self, closed: bool = False) -> None:
        self.closed = closed


def test_closed_sessions_leave_room_and_a_full_count_is_reused_briefly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A closed session waits in the engine's table for its sweep: it is no open connection. At the cap the
    pass over the table is reused for a moment, so a flood of refused handshakes costs one pass."""
    table = {"a": Session(), "b": Session(), "c": Session(closed=True)}
    cap = ConnectionCap(2, lambda: table)
    assert cap.full(in_flight=0) and cap.open_sessions() == 2
    table["b"].closed = True
    assert cap.full(in_flight=0)  # the count of a moment ago
    monkeypatch.setattr(connection_cap, "SESSION_COUNT_TTL", 0.0)
    assert not cap.full(in_flight=0) and cap.open_sessions() == 1
    assert cap.full(in_flight=2)  # requests in flight count as much as sessions
    assert not ConnectionCap(3, lambda: {"a": Session()}).full(in_flight=2)


def test_a_burst_of_refusals_is_one_log_line(caplog: pytest.LogCaptureFixture) -> None:
    cap = ConnectionCap(0)
    answers: list[str] = []
    with caplog.at_level(logging.WARNING, logger="flask_livechat"):
        for _ in range(50):
            body = b"".join(cap.refuse(lambda status, headers: answers.append(status), open_now=0))
    assert answers == ["503 SERVICE UNAVAILABLE"] * 50
    assert json.loads(body)["error"]["code"] == "chat_busy"
    assert len([r for r in caplog.records if "LIVECHAT_MAX_CONNECTIONS" in r.getMessage()]) == 1
