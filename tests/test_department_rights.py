"""Department rights on a real server: an agent moved to another department stops reading the old one's
conversations on the socket they already have, and attachments open for staff exactly as conversations do.
"""

from __future__ import annotations

import io
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import socketio

from tests.conftest import USERS, LiveServer, StaffUser

AGENT_NS = "/livechat-agent"
VISITOR_NS = "/livechat"
DEPARTMENTS = {"sales": ["/page/pricing"], "support": ["/"]}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

pytestmark = pytest.mark.livechat_config(LIVECHAT_DEPARTMENTS=DEPARTMENTS)


class Agent:
    """A staff member's console socket (real python-socketio client) and their logged-in HTTP session."""

    def __init__(self, server: LiveServer, name: str) -> None:
        self.server = server
        self.http = requests.Session()
        self.http.get(f"{server.url}/login-as/{name}", timeout=5)
        self.events: list[tuple[str, Any]] = []
        self.gone = threading.Event()
        self.client = self.connect()

    def connect(self) -> socketio.Client:
        self.gone.clear()
        client = socketio.Client(reconnection=False)
        client.on("*", lambda event, data: self.events.append((event, data)), namespace=AGENT_NS)
        client.on("disconnect", lambda *_: self.gone.set(), namespace=AGENT_NS)
        cookie = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        client.connect(
            self.server.url,
            namespaces=[AGENT_NS],
            headers={"Cookie": cookie},
            transports=["websocket"],
            wait_timeout=5,
        )
        assert client.call("hello", {}, namespace=AGENT_NS, timeout=5)["ok"]
        return client

    def call(self, event: str, payload: Any) -> Any:
        return self.client.call(event, payload, namespace=AGENT_NS, timeout=5)

    def got(self, event: str, predicate: Any = lambda _: True) -> list[Any]:
        return [data for name, data in list(self.events) if name == event and predicate(data)]


class SalesVisitor:
    """A visitor on the sales pages with the cookie, chatting over a real socket, with one attachment."""

    def __init__(self, server: LiveServer) -> None:
        self.http = requests.Session()
        for _ in range(2):
            self.http.get(server.url + "/page/pricing", timeout=5)
        cookie = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        self.client = socketio.Client(reconnection=False)
        self.client.connect(
            server.url,
            namespaces=[VISITOR_NS],
            headers={"Cookie": cookie},
            transports=["websocket"],
            wait_timeout=5,
        )
        hello = self.call("hello", {"page": {"url": server.url + "/page/pricing", "title": "Pricing"}})
        self.conversation_id = self.say("How much is the Pro plan?")["conversation_id"]
        uploaded = self.http.post(
            server.url + "/livechat/api/attachments",
            data={"client_id": "upload-" + uuid.uuid4().hex[:8]},
            files={"file": ("quote.png", io.BytesIO(PNG), "image/png")},
            headers={"X-LiveChat-Session": hello["session"]},
            timeout=5,
        )
        assert uploaded.status_code == 201, uploaded.text
        self.attachment_url: str = server.url + uploaded.json()["message"]["attachment"]["url"]

    def call(self, event: str, payload: Any) -> Any:
        return self.client.call(event, payload, namespace=VISITOR_NS, timeout=5)

    def say(self, body: str) -> Any:
        ack = self.call("send_message", {"client_id": uuid.uuid4().hex, "body": body})
        assert ack["ok"], ack
        return ack["message"]


@pytest.fixture
def sales_visitor(live_server: LiveServer) -> Iterator[SalesVisitor]:
    visitor = SalesVisitor(live_server)
    yield visitor
    visitor.client.disconnect()


def test_an_agent_moved_out_of_sales_stops_reading_it_on_the_open_socket(
    live_server: LiveServer, sales_visitor: SalesVisitor, monkeypatch: pytest.MonkeyPatch
) -> None:
    dan = Agent(live_server, "dan")
    joined = dan.call("join_conversation", {"conversation_id": sales_visitor.conversation_id})
    assert joined["ok"] and joined["conversation"]["department"] == "sales"

    monkeypatch.setitem(USERS, "dan", StaffUser("4", "Dan Sales", "agent", departments=("support",)))
    assert dan.gone.wait(timeout=3), "the socket with the old rights stayed open"
    [changed] = dan.got("access_changed")
    assert "departments changed" in changed["reason"] and "support" in changed["reason"]

    sales_visitor.say("Is there a discount?")
    time.sleep(0.3)
    assert not dan.got("new_message", lambda m: m["body"] == "Is there a discount?")

    dan.client = dan.connect()  # what the console does: load again under the new rights
    hello = dan.call("hello", {})
    assert sales_visitor.conversation_id not in [c["id"] for c in hello["conversations"]]
    assert hello["agent"]["departments"] == ["support"]
    refused = dan.call("join_conversation", {"conversation_id": sales_visitor.conversation_id})
    assert refused["ok"] is False and refused["error"]["code"] == "not_found"
    assert dan.http.get(sales_visitor.attachment_url, timeout=5).status_code == 404
    dan.client.disconnect()


def test_an_unchanged_agent_keeps_the_socket(live_server: LiveServer, sales_visitor: SalesVisitor) -> None:
    dan = Agent(live_server, "dan")
    assert not dan.gone.wait(timeout=1.5)  # three re-checks at the default 0.5 s
    assert not dan.got("access_changed")
    dan.client.disconnect()


def test_attachments_open_for_staff_exactly_as_the_conversation_does(
    live_server: LiveServer, sales_visitor: SalesVisitor
) -> None:
    url = sales_visitor.attachment_url
    dan, eve, bob = (Agent(live_server, name) for name in ("dan", "eve", "bob"))
    try:
        assert dan.http.get(url, timeout=5).content == PNG  # sales
        assert bob.http.get(url, timeout=5).content == PNG  # an admin sees every department
        out_of_scope = eve.http.get(url, timeout=5)  # support: no more a file than a conversation
        assert out_of_scope.status_code == 404 and out_of_scope.content != PNG
        joined = eve.call("join_conversation", {"conversation_id": sales_visitor.conversation_id})
        assert joined["ok"] is False
        # The link itself is no credential: without the visitor's cookie or a staff login it opens nothing.
        stranger = requests.get(url, timeout=5)
        assert stranger.status_code == 403 and stranger.content != PNG
        assert sales_visitor.http.get(url, timeout=5).content == PNG
    finally:
        for agent in (dan, eve, bob):
            agent.client.disconnect()
