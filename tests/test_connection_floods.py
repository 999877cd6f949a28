"""Connection floods: Engine.IO handshakes limited per address, open Socket.IO connections capped per address,
and half-sent requests timed out by the example site's server (real servers, raw sockets and websockets)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import websocket
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from flask_livechat.transport_guard import TransportGuard
from tests.browser.conftest import chat_works, start_example_site, stop_example_site
from tests.conftest import LiveServer, build_host_socketio_app, serve, stop_app

POLLING = "/socket.io/?EIO=4&transport=polling"

pytestmark = [
    pytest.mark.usefixtures("release_sockets"),
    pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"),
]


def host_server(tmp_path: Path, **config: object) -> Iterator[LiveServer]:
    app = build_host_socketio_app(str(tmp_path / "instance"), "host-socketio-first", **config)
    with serve(app) as live:
        yield live
    stop_app(app)


@pytest.fixture
def default_server(tmp_path: Path) -> Iterator[LiveServer]:
    yield from host_server(tmp_path)


def guard_of(app: Flask) -> TransportGuard:
    middleware = app.wsgi_app
    while not isinstance(middleware, TransportGuard):
        middleware = middleware.app  # type: ignore[attr-defined]
    return middleware


def test_handshakes_from_one_address_are_limited_by_default(default_server: LiveServer) -> None:
    """The report: 100 of 100 handshakes from one address succeeded, and each kept a session in memory."""
    engine = default_server.app.extensions["socketio"].server.eio
    answers = [requests.get(default_server.url + POLLING, timeout=5) for _ in range(100)]
    accepted = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code != 200]
    assert len(accepted) == 60  # LIVECHAT_HANDSHAKE_LIMIT's default, 60/minute
    assert {a.status_code for a in refused} == {429}
    assert int(refused[0].headers["Retry-After"]) > 0
    assert refused[0].text.startswith("Too many new connections from your address: try again in")
    assert len(engine.sockets) == 60  # refused handshakes made no session
    url = default_server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    with pytest.raises(websocket.WebSocketBadStatusException) as refusal:
        websocket.create_connection(url, timeout=5)
    assert refusal.value.status_code == 429
    # X-Forwarded-For alone is anyone's to write: it does not make a new address.
    spoofed = requests.get(default_server.url + POLLING, headers={"X-Forwarded-For": "10.9.8.7"}, timeout=5)
    assert spoofed.status_code == 429
    # A request on an existing session is no handshake and still works.
    sid = json.loads(accepted[0].text[1:])["sid"]
    assert requests.post(f"{default_server.url}{POLLING}&sid={sid}", data="40", timeout=5).status_code == 200


@pytest.mark.parametrize("where", ["inside", "outside"])
def test_proxy_fix_decides_the_address(tmp_path: Path, where: str) -> None:
    """Behind a proxy the host's ProxyFix is trusted, wherever it wraps the app: before SocketIO (inside
    the Socket.IO middleware, which Socket.IO requests skip) or after LiveChat (outside the guard)."""
    app = Flask("host", instance_path=str(tmp_path / "instance"))
    if where == "inside":
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)  # type: ignore[method-assign]
    from flask_socketio import SocketIO

    from flask_livechat import LiveChat

    app.config.update(SECRET_KEY="k", LIVECHAT_PURGE_INTERVAL=0, LIVECHAT_HANDSHAKE_LIMIT="3/minute")
    LiveChat(app, socketio=SocketIO(app, async_mode="threading"))
    if where == "outside":
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)  # type: ignore[method-assign]
    with serve(app) as live:

        def from_address(address: str) -> int:
            headers = {"X-Forwarded-For": address}
            return requests.get(live.url + POLLING, headers=headers, timeout=5).status_code

        assert [from_address("203.0.113.1") for _ in range(4)] == [200, 200, 200, 429]
        assert from_address("203.0.113.2") == 200
    stop_app(app)


@pytest.fixture
def capped_server(tmp_path: Path) -> Iterator[LiveServer]:
    yield from host_server(tmp_path, LIVECHAT_MAX_CONNECTIONS_PER_IP=5, LIVECHAT_HANDSHAKE_LIMIT=None)


def test_open_connections_per_address_are_capped(capped_server: LiveServer) -> None:
    url = capped_server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    guard = guard_of(capped_server.app)
    sockets = [websocket.create_connection(url, timeout=5) for _ in range(5)]
    try:
        assert all(s.recv().startswith("0{") for s in sockets)  # the Engine.IO open packet
        with pytest.raises(websocket.WebSocketBadStatusException) as refusal:
            websocket.create_connection(url, timeout=5)
        assert refusal.value.status_code == 429
        polling = requests.get(capped_server.url + POLLING, timeout=5)
        assert polling.status_code == 429 and "at most 5" in polling.text
        sockets.pop().close()
        deadline = time.monotonic() + 5
        while guard.in_flight() > 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        sockets.append(websocket.create_connection(url, timeout=5))  # room again
        assert sockets[-1].recv().startswith("0{")
    finally:
        for connection in sockets:
            connection.close()
    deadline = time.monotonic() + 5
    while guard.in_flight() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert guard.in_flight() == 0  # every finished connection was counted out


@pytest.fixture
def example_site(tmp_path: Path) -> Iterator[str]:
    process, url, log_path = start_example_site(tmp_path / "instance", {"EXAMPLE_SOCKET_TIMEOUT": 2})
    yield url
    stop_example_site(process, log_path)


def test_half_sent_requests_time_out_and_the_site_recovers(example_site: str) -> None:
    """The report: 1,076 half-sent requests kept `make run`'s server unreachable while they stayed."""
    host, port = example_site.removeprefix("http://").split(":")
    half_sent: list[socket.socket] = []
    failed_in_a_row = 0
    try:
        while len(half_sent) < 1100 and failed_in_a_row < 3:
            try:
                connection = socket.create_connection((host, int(port)), timeout=2)
            except OSError:  # a slow accept on a loaded machine, or the backlog is full (the flood working)
                failed_in_a_row += 1
                continue
            failed_in_a_row = 0
            connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Never-Finished: ")
            half_sent.append(connection)
        # More than eventlet's pool of greenthreads, or so many that the server took no more.
        assert len(half_sent) > 1024 or (failed_in_a_row == 3 and len(half_sent) > 500), len(half_sent)
        flood_over = time.monotonic()
        while True:
            try:
                if requests.get(example_site + "/", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() - flood_over < 10, "the site did not recover"
        chat_works(example_site)
        assert time.monotonic() - flood_over < 10
        closed = 0
        for connection in half_sent:
            connection.settimeout(0.5)
            try:
                closed += connection.recv(1024) == b""
            except OSError:
                closed += 1
        assert closed > 0.9 * len(half_sent)  # the server dropped them, they were not left to pile up
    finally:
        for connection in half_sent:
            connection.close()
