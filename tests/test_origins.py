"""Cross-site WebSocket hijacking: handshakes from foreign origins are refused (real server, real clients)."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import websocket
from flask import Flask
from flask_socketio import SocketIO

from flask_livechat import LiveChat
from flask_livechat.config import ConfigError
from tests.conftest import LiveServer

POLLING = "/socket.io/?EIO=4&transport=polling"


def polling_handshake(server: LiveServer, origin: str | None) -> requests.Response:
    headers = {"Origin": origin} if origin else {}
    requests.get(server.url + "/", timeout=5)
    return requests.get(server.url + POLLING, headers=headers, timeout=5)


def websocket_handshake(server: LiveServer, origin: str) -> None:
    url = server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    connection = websocket.create_connection(url, origin=origin, timeout=5)
    connection.close()


@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1.evil.example", "null"])
def test_foreign_origins_are_refused(live_server: LiveServer, origin: str) -> None:
    refused = polling_handshake(live_server, origin)
    assert refused.status_code == 400 and b"Not an accepted origin" in refused.content
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket_handshake(live_server, origin)


def test_own_origin_and_originless_clients_connect(live_server: LiveServer) -> None:
    assert polling_handshake(live_server, live_server.url).status_code == 200
    assert polling_handshake(live_server, None).status_code == 200
    websocket_handshake(live_server, live_server.url)


@pytest.mark.livechat_config(LIVECHAT_ALLOWED_ORIGINS=["https://shop.example"])
def test_configured_origins_are_the_only_ones(live_server: LiveServer) -> None:
    assert polling_handshake(live_server, "https://shop.example").status_code == 200
    assert polling_handshake(live_server, "https://evil.example").status_code == 400


@pytest.mark.parametrize("origins", ["*", ["https://a.example", "*"]])
def test_wildcard_origins_are_refused_at_start_up(tmp_path: Any, origins: Any) -> None:
    app = Flask("host", instance_path=str(tmp_path))
    app.config.update(SECRET_KEY="k", LIVECHAT_ASYNC_MODE="threading", LIVECHAT_ALLOWED_ORIGINS=origins)
    with pytest.raises(ConfigError, match="must not be"):
        LiveChat(app)


def test_a_hosts_wildcard_socketio_is_refused(tmp_path: Any) -> None:
    app = Flask("host", instance_path=str(tmp_path))
    app.config.update(SECRET_KEY="k")
    socketio = SocketIO(app, async_mode="threading", cors_allowed_origins="*")
    with pytest.raises(ConfigError, match="allows every origin"):
        LiveChat(app, socketio=socketio)
