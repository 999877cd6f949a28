"""WebSocket compression: off unless LIVECHAT_WEBSOCKET_COMPRESSION asks for it. A browser offers
permessage-deflate on every handshake; agreeing to it costs CPU per frame and a zlib state per connection
for frames of a few hundred bytes (bench/README.md, "WebSocket compression")."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.conftest import build_app, serve, stop_app


def handshake_headers(url: str) -> dict[str, str]:
    """The response headers of an Engine.IO WebSocket handshake that offers permessage-deflate, as
    Chromium's does, read off a raw socket."""
    host, port = url.removeprefix("http://").split(":")
    request = (
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        f"Origin: {url}\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
        "\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(request.encode())
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = raw.recv(4096)
            assert chunk, f"the server closed the handshake: {received!r}"
            received += chunk
    status, *lines = received.split(b"\r\n\r\n", 1)[0].decode().split("\r\n")
    assert status.startswith("HTTP/1.1 101"), status
    return {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}


@pytest.mark.parametrize(("setting", "agreed"), [(None, False), (False, False), (True, True)])
def test_permessage_deflate_is_agreed_only_when_configured(
    tmp_path: Path, setting: bool | None, agreed: bool
) -> None:
    config = {} if setting is None else {"LIVECHAT_WEBSOCKET_COMPRESSION": setting}
    app = build_app(str(tmp_path), **config)
    try:
        with serve(app) as server:
            headers = handshake_headers(server.url)
    finally:
        stop_app(app)
    assert headers["upgrade"].lower() == "websocket"
    assert ("permessage-deflate" in headers.get("sec-websocket-extensions", "")) is agreed
