"""Cross-site WebSocket hijacking: handshakes from foreign origins are refused (real server, real clients)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import websocket
from flask import Flask
from flask_socketio import SocketIO

from flask_livechat import LiveChat
from flask_livechat.config import ConfigError
from tests.conftest import INIT_ORDERS, LiveServer, build_host_socketio_app, serve, stop_app

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


@pytest.fixture(params=INIT_ORDERS)
def host_server(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[LiveServer]:
    """The host created its SocketIO (first, or initialised after LiveChat); config from the marker."""
    marker = request.node.get_closest_marker("livechat_config")
    config = dict(marker.kwargs) if marker else {}
    app = build_host_socketio_app(str(tmp_path / "instance"), request.param, **config)
    with serve(app) as live:
        yield live
    stop_app(app)


def refused(server: LiveServer, origin: str, forwarded_host: str | None = None) -> bool:
    """Whether both handshakes (polling and WebSocket) from ``origin`` are refused."""
    headers = {"Origin": origin}
    if forwarded_host:
        headers.update({"X-Forwarded-Host": forwarded_host, "X-Forwarded-Proto": origin.split(":")[0]})
    polling = requests.get(server.url + POLLING, headers=headers, timeout=5)
    url = server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    extra = [f"{name}: {value}" for name, value in headers.items() if name != "Origin"]
    try:
        websocket.create_connection(url, origin=origin, header=extra, timeout=5).close()
    except websocket.WebSocketBadStatusException:
        assert polling.status_code == 400 and b"Not an accepted origin" in polling.content
        return True
    assert polling.status_code == 200, (origin, polling.status_code)
    return False


def test_a_hosts_socketio_refuses_foreign_origins(host_server: LiveServer) -> None:
    assert not refused(host_server, host_server.url)
    assert refused(host_server, "https://evil.example")
    # engine.io's own default would accept the origin a client names in X-Forwarded-Host.
    assert refused(host_server, "https://evil.example", forwarded_host="evil.example")
    assert refused(host_server, "http://evil.example", forwarded_host="evil.example")


@pytest.mark.livechat_config(LIVECHAT_ALLOWED_ORIGINS=["https://shop.example"])
def test_a_hosts_socketio_honours_allowed_origins(host_server: LiveServer) -> None:
    engine = host_server.app.extensions["socketio"].server.eio
    assert engine.cors_allowed_origins == ["https://shop.example"]
    assert not refused(host_server, "https://shop.example")
    assert refused(host_server, "https://evil.example")
    assert refused(host_server, "https://evil.example", forwarded_host="evil.example")
    assert refused(host_server, host_server.url)  # the list is the whole list


@pytest.mark.parametrize("order", INIT_ORDERS)
def test_origins_set_in_two_places_that_disagree_are_refused(tmp_path: Any, order: str) -> None:
    app = Flask("host", instance_path=str(tmp_path))
    app.config.update(SECRET_KEY="k", LIVECHAT_ALLOWED_ORIGINS=["https://b.example"])
    with pytest.raises(ConfigError, match="disagree"):
        if order == "host-socketio-first":
            socketio = SocketIO(app, async_mode="threading", cors_allowed_origins=["https://a.example"])
            LiveChat(app, socketio=socketio)
        else:
            socketio = SocketIO(cors_allowed_origins=["https://a.example"])
            LiveChat(app, socketio=socketio)
            socketio.init_app(app, async_mode="threading")


def test_a_hosts_socketio_without_origin_check_is_refused(tmp_path: Any) -> None:
    app = Flask("host", instance_path=str(tmp_path))
    app.config.update(SECRET_KEY="k")
    socketio = SocketIO(app, async_mode="threading", cors_allowed_origins=[])
    with pytest.raises(ConfigError, match=r"cors_allowed_origins=\[\]"):
        LiveChat(app, socketio=socketio)


def test_the_same_origins_in_both_places_are_fine(tmp_path: Any) -> None:
    app = Flask("host", instance_path=str(tmp_path))
    app.config.update(
        SECRET_KEY="k", LIVECHAT_ALLOWED_ORIGINS=["https://a.example"], LIVECHAT_PURGE_INTERVAL=0
    )
    LiveChat(app, socketio=SocketIO(app, async_mode="threading", cors_allowed_origins="https://a.example"))
    assert app.extensions["socketio"].server.eio.cors_allowed_origins == ["https://a.example"]
    stop_app(app)
