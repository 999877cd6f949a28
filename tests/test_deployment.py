"""docs/deployment.md as written: its gunicorn command run twice, behind its nginx configuration (sticky by
client address, WebSocket upgrade), with Redis and PostgreSQL, and a chat through nginx between a visitor
on one process and an agent on the other."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
from requests.adapters import HTTPAdapter

from tests.conftest import need
from tests.faults import CUTS_CONNECTIONS, ROOT, RedisProcess
from tests.helpers import AGENT_NS, UNLIMITED, VISITOR_NS, eventually
from tests.production import NGINX, GunicornProcess, NginxProcess

pytestmark = [pytest.mark.postgres, *CUTS_CONNECTIONS]

DOC = (ROOT / "docs" / "deployment.md").read_text()


def documented_gunicorn_options() -> str:
    """The options of the documented command, e.g. ``-k gevent -w 1 --worker-connections 10000``."""
    found = re.search(r"^\s*gunicorn (.+?) -b 127\.0\.0\.1:\$port ", DOC, re.MULTILINE)
    assert found, "docs/deployment.md shows no gunicorn command"
    return found.group(1)


def documented_nginx() -> tuple[str, str, str]:
    """The sticky directive of the upstream, the ``map`` block and the ``location /`` block."""
    config = DOC[DOC.index("```nginx") :]
    upstream = re.search(r"upstream livechat \{\n\s*(.+?;)", config)
    mapping = re.search(r"^map .+?^\}", config, re.MULTILINE | re.DOTALL)
    location = re.search(r"^    location / \{.+?^    \}", config, re.MULTILINE | re.DOTALL)
    assert upstream and mapping and location, "docs/deployment.md's nginx block changed shape"
    return upstream.group(1), mapping.group(0), location.group(0)


class FromAddress(HTTPAdapter):
    """requests from one loopback address of our choosing (all of 127.0.0.0/8 is the loopback)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


@pytest.fixture
def cluster(tmp_path: Path, database: str, redis: RedisProcess) -> Iterator[tuple[NginxProcess, list[Any]]]:
    need(Path(NGINX).exists(), "nginx (apt-get install nginx)")
    sticky, mapping, location = documented_nginx()
    servers: list[GunicornProcess] = []
    nginx: NginxProcess | None = None
    try:
        # nginx's port first: the app must list it as its public origin (docs: LIVECHAT_ALLOWED_ORIGINS)
        nginx = NginxProcess(tmp_path / "nginx", "", "")
        config = {
            "LIVECHAT_DATABASE_URL": database,
            "LIVECHAT_MESSAGE_QUEUE": redis.url,
            "LIVECHAT_RATE_LIMIT_STORAGE": redis.url,
            "LIVECHAT_RATE_LIMITS": UNLIMITED,
            "LIVECHAT_ALLOWED_ORIGINS": [nginx.url],
        }
        for n in range(2):
            servers.append(GunicornProcess(tmp_path / f"instance-{n}", documented_gunicorn_options(), config))
            servers[-1].start()
        upstream = "\n".join(f"        server {s.address};" for s in servers)
        nginx.upstream_block = f"    upstream livechat {{\n        {sticky}\n{upstream}\n    }}\n{mapping}"
        # the one line that is the test's, not the docs': which process answered
        nginx.location_block = location.replace(
            "proxy_pass http://livechat;",
            "proxy_pass http://livechat;\n        add_header X-Upstream $upstream_addr;",
        )
        nginx.start()
        yield nginx, servers
    finally:
        if nginx is not None:
            nginx.stop()
        for server in servers:
            server.stop()


def addresses_by_process(nginx: NginxProcess) -> dict[str, str]:
    """A client address that nginx sends to each process (the hash decides; we try until both are hit)."""
    found: dict[str, str] = {}
    for last in range(2, 60):
        address = f"127.0.0.{last}"
        upstream = session_from(address).get(nginx.url + "/", timeout=10).headers["X-Upstream"]
        found.setdefault(upstream, address)
        if len(found) == 2:
            return found
    raise AssertionError(f"nginx sent every address to one process: {found}")


def websocket_from(address: str, nginx: NginxProcess) -> socket.socket:
    """A TCP connection to nginx from ``address``, for websocket-client to do its upgrade on."""
    connection = socket.create_connection(("127.0.0.1", nginx.port), timeout=10, source_address=(address, 0))
    connection.settimeout(None)
    return connection


def test_a_chat_through_nginx_across_two_gunicorn_processes(cluster: tuple[NginxProcess, list[Any]]) -> None:
    nginx, servers = cluster
    assert documented_gunicorn_options().startswith("-k gevent")
    (agent_upstream, agent_address), (visitor_upstream, visitor_address) = addresses_by_process(nginx).items()
    assert agent_upstream != visitor_upstream

    visitor_http = session_from(visitor_address)
    visitor_http.get(nginx.url + "/", timeout=10).raise_for_status()
    assert "livechat_visitor" in visitor_http.cookies
    agent_http = session_from(agent_address)
    agent_cookie = "session=" + agent_http.get(nginx.url + "/login-as/ada", timeout=10).cookies["session"]

    # The agent over WebSocket (nginx's upgrade headers), the visitor over long polling (which only works
    # when every poll reaches the process holding its session: the sticky hash).
    agent = socketio.Client(
        reconnection=False, websocket_extra_options={"socket": websocket_from(agent_address, nginx)}
    )
    visitor = socketio.Client(reconnection=False, http_session=visitor_http)
    to_agent: list[dict[str, Any]] = []
    to_visitor: list[dict[str, Any]] = []
    agent.on("new_message", to_agent.append, namespace=AGENT_NS)
    visitor.on("new_message", to_visitor.append, namespace=VISITOR_NS)
    try:
        agent.connect(
            nginx.url,
            namespaces=[AGENT_NS],
            headers={"Cookie": agent_cookie},
            transports=["websocket"],
            wait_timeout=10,
        )
        assert agent.transport() == "websocket"
        assert agent.call("hello", {}, namespace=AGENT_NS, timeout=10)["ok"]
        visitor.connect(nginx.url, namespaces=[VISITOR_NS], transports=["polling"], wait_timeout=10)
        hello = visitor.call("hello", {"page": {"url": nginx.url + "/"}}, namespace=VISITOR_NS, timeout=10)
        assert hello["agents_online"] is True  # the agent is connected to the other process

        sent = visitor.call(
            "send_message",
            {"client_id": "c-nginx-0001", "body": "Hello from the visitor"},
            namespace=VISITOR_NS,
            timeout=10,
        )
        assert sent["ok"], sent
        conversation_id = sent["message"]["conversation_id"]
        joined = agent.call("join_conversation", {"conversation_id": conversation_id}, namespace=AGENT_NS)
        assert [m["body"] for m in joined["messages"]] == ["Hello from the visitor"]
        again = visitor.call(
            "send_message",
            {"client_id": "c-nginx-0002", "body": "Anyone there?"},
            namespace=VISITOR_NS,
            timeout=10,
        )
        assert again["ok"], again
        eventually(  # relayed from the visitor's process through Redis
            lambda: [m["body"] for m in to_agent] == ["Anyone there?"],
            message=lambda: f"the agent on the other process got {to_agent}",
        )
        reply = agent.call(
            "send_message",
            {
                "conversation_id": conversation_id,
                "client_id": "c-nginx-0003",
                "body": "Hello, how can I help?",
            },
            namespace=AGENT_NS,
            timeout=10,
        )
        assert reply["ok"], reply
        eventually(
            lambda: "Hello, how can I help?" in [m["body"] for m in to_visitor],
            message=lambda: f"the visitor (long polling) got {to_visitor}",
        )
        assert visitor.transport() == "polling"
    finally:
        for client in (visitor, agent):
            if client.connected:
                client.disconnect()
    for server in servers:
        log = server.log()
        assert "Traceback" not in log and "Invalid session" not in log, log
        assert "Using worker: gevent" in log, log
    # A client closing its WebSocket shows as "reset by peer"; these mean nginx could not reach a process.
    log = nginx.log()
    assert "connect() failed" not in log and "no live upstreams" not in log, log
