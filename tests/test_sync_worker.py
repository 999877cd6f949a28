"""A server that holds one request per worker (a plain ``gunicorn app:app``) must not hang the site: chat
requests get a quick 503 with a JSON error, the fix is logged once, and host pages stay fast."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import socketio
import websocket
from flask import Flask
from werkzeug.serving import make_server

from flask_livechat.serving import ONE_REQUEST_PER_WORKER
from tests.conftest import LiveServer
from tests.helpers import VISITOR_NS, free_port
from tests.production import GunicornProcess

POLLING = "/socket.io/?EIO=4&transport=polling"


@pytest.fixture
def sync_worker(tmp_path: Path) -> Iterator[GunicornProcess]:
    server = GunicornProcess(tmp_path / "instance", "-w 1")  # gunicorn's default: one sync worker
    try:
        yield server.start()
    finally:
        server.stop()


def test_chat_is_refused_and_pages_stay_fast(sync_worker: GunicornProcess) -> None:
    url = sync_worker.url
    cookie = requests.get(url + "/", timeout=10).cookies["livechat_visitor"]
    stop = threading.Event()
    attempts: list[str] = []

    def visitor_keeps_trying() -> None:
        """A visitor with the chat open: connected, it stays (long polls); refused, it tries again, as the
        widget's socket.io-client does."""
        while not stop.is_set():
            client = socketio.Client(reconnection=False)
            try:
                client.connect(
                    url,
                    namespaces=[VISITOR_NS],
                    headers={"Cookie": f"livechat_visitor={cookie}"},
                    transports=["polling"],
                    wait_timeout=5,
                )
            except socketio.exceptions.ConnectionError as error:
                attempts.append(str(error))
                time.sleep(0.05)
                continue
            attempts.append("connected")
            stop.wait()
            client.disconnect()

    visitor = threading.Thread(target=visitor_keeps_trying, daemon=True)
    visitor.start()
    try:
        page_times = []
        for _ in range(10):
            started = time.monotonic()
            page = requests.get(url + "/page/pricing", timeout=20)
            page_times.append(time.monotonic() - started)
            assert page.status_code == 200 and "<h1>Welcome</h1>" in page.text
        # Before the refusal, each page waited 25 s behind the visitor's long poll (the ping interval).
        assert max(page_times) < 5, page_times
    finally:
        stop.set()
        visitor.join(timeout=30)
    assert attempts and "connected" not in attempts, attempts

    started = time.monotonic()
    refused = requests.get(url + POLLING, timeout=20)
    assert time.monotonic() - started < 5
    assert refused.status_code == 503
    assert refused.json() == {
        "ok": False,
        "error": {"code": "server_cannot_hold_connections", "message": ONE_REQUEST_PER_WORKER, "fields": {}},
    }
    with pytest.raises(websocket.WebSocketBadStatusException) as upgrade:
        websocket.create_connection(
            url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", timeout=10
        ).close()
    assert upgrade.value.status_code == 503

    log = sync_worker.log()
    assert log.count("chat connections refused") == 1, log
    assert "gevent" in log and "--threads" in log  # the line names the fix
    assert "Traceback" not in log, log


def test_a_development_server_without_threads_refuses_too(app: Flask) -> None:
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        refused = requests.get(f"http://127.0.0.1:{port}{POLLING}", timeout=10)
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "server_cannot_hold_connections"
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_a_threaded_development_server_is_left_alone(live_server: LiveServer) -> None:
    answer = requests.get(live_server.url + POLLING, timeout=10)
    assert answer.status_code == 200 and answer.text.startswith("0{")
