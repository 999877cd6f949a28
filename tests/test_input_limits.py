"""Input no handler should ever see, over a real server: JSON nested 100,000 deep, garbage WebSocket frames,
NUL characters. Each gets a clear refusal (HTTP 400 ``invalid``, an ``invalid`` ack, or a closed connection
with one log line), never a 500, a traceback or a store error."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import websocket

from tests.conftest import LiveServer, build_app, real_socket, serve, server_cookie
from tests.helpers import http_routes

DEEP = b"[" * 100_000 + b"]" * 100_000
#: Under the 64 KB body limit, so it is the depth that is refused, not the size.
DEEP_SMALL = b"[" * 30_000 + b"]" * 30_000
JSON_APIS = ["/livechat/api/consent", "/livechat/api/my-data/delete", "/livechat/api/offline-messages"]
UNLIMITED = {name: "100000/minute" for name in ("connect", "privacy", "offline_form", "upload")}


def problems(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Records that mean something went wrong on our side: errors, and anything with a traceback."""
    return [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info or "Traceback" in r.message]


def test_json_nested_100000_deep_is_a_400_on_every_route(
    live_server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    visitor, customer = requests.Session(), requests.Session()
    visitor.get(live_server.url + "/", timeout=5)
    customer.get(live_server.url + "/login-as/carol", timeout=5)
    headers = {"Content-Type": "application/json"}
    state = live_server.app.extensions["livechat"]
    before = state.store.count_rows()
    with caplog.at_level(logging.WARNING):
        for path in [*JSON_APIS, "/livechat/api/profile"]:
            session = customer if path.endswith("profile") else visitor
            for body, reason in ((DEEP, "too big"), (DEEP_SMALL, "deeper than")):
                response = session.post(live_server.url + path, data=body, headers=headers, timeout=10)
                assert response.status_code == 400, (path, response.status_code, response.text[:200])
                error = response.json()["error"]
                assert error["code"] == "invalid" and reason in error["message"], (path, error)
        for method, path in http_routes(live_server.app):
            if method == "GET":
                continue
            for session in (visitor, customer):
                response = session.request(
                    method, live_server.url + path, data=DEEP, headers=headers, timeout=10
                )
                assert response.status_code < 500, (method, path, response.status_code)
    assert problems(caplog) == [], caplog.text
    assert state.store.count_rows() == before


MALFORMED_FRAMES: list[Any] = [
    "garbage",
    "\x00\xff",
    "",
    '42/livechat,0["hello",' + "[" * 30_000 + "]" * 30_000 + "]",
    "42/livechat,[]",
    '42/livechat,{"a":1}',
    '42/livechat,"x"',
    "4" + "9" * 50,
    '42/livechat,1["hello",' + "1" * 200 + "]",
    "44/livechat,{}",
    b"\x00\x01binary",
]


def raw_visitor_socket(server: LiveServer, cookie: str) -> websocket.WebSocket:
    """An Engine.IO WebSocket opened by hand, connected to ``/livechat`` as a real client would."""
    url = server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    ws = websocket.create_connection(url, header=[f"Cookie: {cookie}"], origin=server.url, timeout=5)
    assert ws.recv().startswith("0{")
    ws.send("40/livechat,")
    assert ws.recv().startswith("40/livechat,")
    return ws


def closed_by_server(ws: websocket.WebSocket, seconds: float = 5) -> bool:
    """Waits for the server's close frame or EOF, reading raw frames: websocket-client's ``recv`` would answer
    a close frame with one of its own, which the dev server, back to HTTP by then, logs as a bad request."""
    deadline = time.monotonic() + seconds
    ws.settimeout(0.5)
    while time.monotonic() < deadline:
        try:
            frame = ws.recv_frame()
        except websocket.WebSocketTimeoutException:
            continue
        except (websocket.WebSocketConnectionClosedException, websocket.WebSocketProtocolException, OSError):
            return True
        if frame is None or frame.opcode == websocket.ABNF.OPCODE_CLOSE:
            return True
    return False


@pytest.mark.livechat_config(LIVECHAT_RATE_LIMITS=UNLIMITED)
@pytest.mark.usefixtures("release_sockets")
@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_malformed_websocket_frame_logs_one_line_and_closes(
    live_server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    cookie = server_cookie(live_server)
    for frame in MALFORMED_FRAMES:
        ws = raw_visitor_socket(live_server, cookie)
        caplog.clear()
        with caplog.at_level(logging.INFO):
            if isinstance(frame, bytes):
                ws.send_binary(frame)
            else:
                ws.send(frame)
            assert closed_by_server(ws), repr(frame[:30])
            time.sleep(0.2)  # let the disconnect handlers finish logging, if they would
        ws.shutdown()
        ours = [r for r in caplog.records if r.name == "flask_livechat" and r.levelno >= logging.WARNING]
        assert len(ours) == 1 and "closed a connection" in ours[0].message, (repr(frame[:30]), caplog.text)
        assert problems(caplog) == [], (repr(frame[:30]), caplog.text)
    with real_socket(live_server, "/livechat", cookie, transport="websocket") as client:
        assert client.call("hello", {}, namespace="/livechat", timeout=5)["ok"]  # still serving


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def search_server(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[LiveServer]:
    """A real server on SQLite, or on PostgreSQL (which refuses NUL in text) in a database of its own."""
    config: dict[str, Any] = {}
    if request.param == "postgresql":
        config["LIVECHAT_DATABASE_URL"] = request.getfixturevalue("database")
    app = build_app(str(tmp_path / "instance"), **config)
    with serve(app) as server:
        yield server
    app.extensions["livechat"].sweeper.stop()
    app.extensions["livechat"].store.dispose()


def test_a_nul_in_a_history_search_is_a_validation_error(
    search_server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        real_socket(search_server, "/livechat", server_cookie(search_server)) as visitor,
        real_socket(search_server, "/livechat-agent", server_cookie(search_server, "/login-as/ada")) as agent,
    ):
        sent = visitor.call(
            "send_message", {"client_id": "c-nul-00001", "body": "find me"}, namespace="/livechat", timeout=5
        )
        assert sent["ok"], sent
        with caplog.at_level(logging.WARNING):
            for query in ["find\x00me", "\x00", "x" * 10 + "\x00"]:
                ack = agent.call("search_history", {"query": query}, namespace="/livechat-agent", timeout=5)
                assert ack["ok"] is False and ack["error"]["code"] == "invalid", ack
            ack = agent.call("search_history", {"tag": "a\x00"}, namespace="/livechat-agent", timeout=5)
            assert ack["error"]["code"] == "invalid", ack
        assert problems(caplog) == [], caplog.text
        found = agent.call("search_history", {"query": "find"}, namespace="/livechat-agent", timeout=5)
        assert found["ok"] and len(found["conversations"]) == 1, found
