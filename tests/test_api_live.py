"""The REST API over real HTTP: a plain HTTP client with a token on a real server, and the visitor's real
socket hearing the agent's reply sent through the API (the one push path, whatever the route)."""

from __future__ import annotations

from typing import Any

import requests
from flask import Flask

from tests.conftest import LiveServer, real_socket, server_cookie
from tests.helpers import API, VISITOR_NS, api_token, bearer, eventually


def test_a_plain_http_client_works_a_conversation_with_a_token(app: Flask, live_server: LiveServer) -> None:
    token = api_token(app)
    heard: list[Any] = []
    with real_socket(live_server, VISITOR_NS, server_cookie(live_server)) as visitor:
        visitor.on("new_message", heard.append, namespace=VISITOR_NS)
        assert visitor.call(
            "hello", {"page": {"url": f"{live_server.url}/"}}, namespace=VISITOR_NS, timeout=5
        )["ok"]
        sent = visitor.call(
            "send_message",
            {"client_id": "live-0001", "body": "anyone there?"},
            namespace=VISITOR_NS,
            timeout=5,
        )
        assert sent["ok"], sent
        conversation_id = sent["message"]["conversation_id"]

        with requests.Session() as http:
            http.headers.update(bearer(token))
            listed = http.get(f"{live_server.url}{API}/conversations", params={"status": "open"}, timeout=10)
            assert listed.status_code == 200
            assert [c["id"] for c in listed.json()["items"]] == [conversation_id]
            reply = http.post(
                f"{live_server.url}{API}/conversations/{conversation_id}/messages",
                json={"body": "Yes, Ada here."},
                timeout=10,
            )
            assert reply.status_code == 201, reply.text
            eventually(
                lambda: any(m.get("body") == "Yes, Ada here." for m in heard),
                message=lambda: f"heard {heard}",
            )
            spec = http.get(f"{live_server.url}{API}/openapi.json", timeout=10)
            assert spec.json()["openapi"] == "3.1.0"
            unauthorised = requests.get(f"{live_server.url}{API}/conversations", timeout=10)
            assert unauthorised.status_code == 401
            assert unauthorised.headers["Content-Type"] == "application/problem+json"
