"""Logs at INFO hold no message text, emails or full IP addresses (the HTTP server's own access log aside)."""

from __future__ import annotations

import logging

import pytest
import requests
import socketio

from tests.conftest import LiveServer

NS = "/livechat"


def test_a_whole_chat_leaves_no_personal_data_in_the_logs(
    live_server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        http = requests.Session()
        http.get(live_server.url + "/", headers={"User-Agent": "Mozilla/5.0 UniqueAgent/1.0"}, timeout=5)
        cookie = "; ".join(f"{key}={value}" for key, value in http.cookies.items())
        client = socketio.Client(reconnection=False)
        client.connect(
            live_server.url,
            namespaces=[NS],
            headers={"Cookie": cookie},
            transports=["websocket"],
            wait_timeout=5,
        )
        client.call("hello", {"page": {"url": live_server.url + "/secret-page"}}, namespace=NS, timeout=5)
        client.call(
            "send_message",
            {"client_id": "c-logs-0001", "body": "TOPSECRET text mallory@example.com"},
            namespace=NS,
            timeout=5,
        )
        client.call("send_message", {"client_id": "bad"}, namespace=NS, timeout=5)
        client.call("no_such_event", {"body": "TOPSECRET again"}, namespace=NS, timeout=5)
        http.post(live_server.url + "/livechat/api/consent", json={"choice": "accepted"}, timeout=5)
        client.disconnect()
    ours = [r for r in caplog.records if not r.name.startswith(("werkzeug", "urllib3"))]
    text = "\n".join(record.getMessage() for record in ours)
    for secret in ("TOPSECRET", "mallory@example.com", "UniqueAgent", "127.0.0.1", "secret-page"):
        assert secret not in text, secret
