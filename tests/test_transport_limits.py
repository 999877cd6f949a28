"""The transport's size limit holds whoever created the SocketIO server, and oversized or malformed
long-polling bodies are answered at once, unread, so a flood of them cannot wedge the server (real servers,
raw HTTP)."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from flask_livechat.config import DEFAULTS
from tests.browser.conftest import chat_works, start_example_site, stop_example_site
from tests.conftest import INIT_ORDERS, LiveServer, build_app, build_host_socketio_app, serve, stop_app

POLLING = "/socket.io/?EIO=4&transport=polling"
LIMIT = DEFAULTS["LIVECHAT_MAX_HTTP_BUFFER_SIZE"]
#: The report's payload: an unknown packet type, just over the limit.
FLOOD_BODY = b"9" + b"x" * 70_000
#: The same unknown packet type under the limit, which engine.io would hang on too.
MALFORMED_BODY = b"9" + b"x" * 60_000

pytestmark = pytest.mark.usefixtures("release_sockets")


@pytest.fixture(params=(*INIT_ORDERS, "extension-creates-socketio"))
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    instance = str(tmp_path / "instance")
    if request.param == "extension-creates-socketio":
        app = build_app(instance)
    else:
        app = build_host_socketio_app(instance, request.param)
    with serve(app) as live:
        yield live
    stop_app(app)


def handshake(url: str) -> str:
    answer = requests.get(url + POLLING, timeout=5)
    assert answer.status_code == 200, answer.text
    return str(json.loads(answer.text[1:])["sid"])


def raw_request(url: str, head: str, body: bytes = b"", timeout: float = 5) -> tuple[float, bytes]:
    """Sends ``head`` (and ``body``) on a raw socket; the seconds until the answer began, and the answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as connection:
        started = time.monotonic()
        connection.sendall(head.encode() + body)
        first = connection.recv(65536)
        waited = time.monotonic() - started
        answer = first
        while b"\r\n\r\n" not in answer:
            more = connection.recv(65536)
            if not more:
                break
            answer += more
        return waited, answer


def test_the_limit_is_on_the_engine_in_every_init_order(server: LiveServer) -> None:
    engine = server.app.extensions["socketio"].server.eio
    assert engine.max_http_buffer_size == LIMIT
    sid = handshake(server.url)
    started = time.monotonic()
    refused = requests.post(f"{server.url}{POLLING}&sid={sid}", data=FLOOD_BODY, timeout=5)
    assert refused.status_code == 413, refused.text
    assert refused.text == f"Long-polling payload over the limit of {LIMIT} bytes."
    assert time.monotonic() - started < 2
    # Refused before engine.io saw it: the session is still usable.
    assert requests.post(f"{server.url}{POLLING}&sid={sid}", data=b"40", timeout=5).text == "OK"


def test_bodies_over_the_limit_are_refused_unread(server: LiveServer, caplog: Any) -> None:
    sid = handshake(server.url)
    target = f"POST {POLLING}&sid={sid} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    with caplog.at_level(logging.WARNING):
        # 50 MB announced, not one byte sent: the answer comes at once, so nothing waited for the body.
        waited, answer = raw_request(server.url, target + "Content-Length: 50000000\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 413"), answer
        assert waited < 2
        # A chunked body is read only up to the limit.
        chunks = b"".join(b"%x\r\n%s\r\n" % (8192, b"x" * 8192) for _ in range(10)) + b"0\r\n\r\n"
        _, answer = raw_request(server.url, target + "Transfer-Encoding: chunked\r\n\r\n", chunks)
        assert answer.startswith(b"HTTP/1.1 413"), answer
        for length in ("-5", "many"):
            _, answer = raw_request(server.url, target + f"Content-Length: {length}\r\n\r\n")
            assert answer.startswith(b"HTTP/1.1 400"), answer
        malformed = requests.post(f"{server.url}{POLLING}&sid={sid}", data=MALFORMED_BODY, timeout=5)
        assert malformed.status_code == 400 and "packet type '9'" in malformed.text
        # engine.io answers under any path below its own and reads any POST as polling: so does the guard.
        for query in (
            f"/socket.io/any/thing?EIO=4&sid={sid}",
            f"/socket.io/?EIO=4&transport=websocket&sid={sid}",
        ):
            elsewhere = requests.post(server.url + query, data=MALFORMED_BODY, timeout=5)
            assert elsewhere.status_code == 400 and "packet type '9'" in elsewhere.text
            assert requests.post(server.url + query, data=FLOOD_BODY, timeout=5).status_code == 413
        # A small chunked body that a client could send still gets through.
        chunked = target + "Transfer-Encoding: chunked\r\n\r\n"
        _, answer = raw_request(server.url, chunked, b"2\r\n40\r\n0\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 200"), answer
    assert not [record for record in caplog.records if record.exc_info or record.levelno >= logging.ERROR]


@pytest.fixture
def example_site(tmp_path: Path) -> Iterator[str]:
    """The example site as `make run` serves it (eventlet; its SocketIO created before LiveChat)."""
    process, url, log_path = start_example_site(tmp_path / "instance")
    yield url
    stop_example_site(process, log_path)  # fails on any traceback in the server's log


def test_a_flood_of_oversized_and_malformed_polls_leaves_the_site_working(example_site: str) -> None:
    """The report: POSTs of `9` and 70,000 `x` were never answered and wedged the server until a restart."""
    sids = [handshake(example_site) for _ in range(8)]
    answers: list[int] = []
    lock = threading.Lock()

    def send(number: int) -> None:
        body = FLOOD_BODY if number % 2 else MALFORMED_BODY
        with requests.Session() as http:
            status = http.post(f"{example_site}{POLLING}&sid={sids[number % 8]}", data=body, timeout=5)
        with lock:
            answers.append(status.status_code)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(send, range(400)))  # 25 MB in a few seconds
    assert sorted(set(answers)) == [400, 413] and len(answers) == 400
    assert time.monotonic() - started < 60
    flood_over = time.monotonic()
    assert requests.get(example_site + "/pricing", timeout=10).status_code == 200
    chat_works(example_site)
    assert time.monotonic() - flood_over < 10


def test_a_hosts_own_buffer_size_gives_way_to_ours_with_a_warning(tmp_path: Path, caplog: Any) -> None:
    from flask import Flask
    from flask_socketio import SocketIO

    from flask_livechat import LiveChat

    app = Flask("host", instance_path=str(tmp_path))
    app.config.update(SECRET_KEY="k", LIVECHAT_PURGE_INTERVAL=0)
    socketio = SocketIO(app, async_mode="threading", max_http_buffer_size=1_000_000)
    with caplog.at_level(logging.WARNING, logger="flask_livechat"):
        LiveChat(app, socketio=socketio)
    assert socketio.server.eio.max_http_buffer_size == LIMIT
    assert "set that one to change the limit" in caplog.text
    stop_app(app)
