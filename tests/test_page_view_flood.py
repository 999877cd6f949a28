"""A page-view flood on a real server does not hide real visitors: cookie-less views make no visitor rows and
no pushes, a reloading visitor's pushes are coalesced, and someone with the widget open stays in the list.

Bounded and local: a few hundred requests to 127.0.0.1, in a few seconds, from 8 threads.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
import socketio

from flask_livechat.state import LiveChatState
from tests.conftest import LiveServer

AGENT_NS = "/livechat-agent"
VISITOR_NS = "/livechat"


def cookie_header(http: requests.Session) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in http.cookies.items())}


class Console:
    """An agent's console socket that counts what it is pushed."""

    def __init__(self, server: LiveServer) -> None:
        http = requests.Session()
        http.get(server.url + "/login-as/ada", timeout=5)
        self.pushes: list[tuple[float, dict[str, Any]]] = []
        self.client = socketio.Client(reconnection=False)
        self.client.on(
            "visitor_updated", lambda data: self.pushes.append((time.monotonic(), data)), namespace=AGENT_NS
        )
        self.client.connect(
            server.url, namespaces=[AGENT_NS], headers=cookie_header(http), transports=["websocket"]
        )

    def settle(self, quiet_seconds: float = 1.2, limit_seconds: float = 15.0) -> None:
        """Waits until nothing was pushed for ``quiet_seconds`` (a loaded machine delays the pushes of a
        visitor who just arrived), then forgets what was."""
        deadline = time.monotonic() + limit_seconds
        while time.monotonic() < deadline:
            last = self.pushes[-1][0] if self.pushes else 0.0
            if time.monotonic() - last >= quiet_seconds:
                break
            time.sleep(0.1)
        self.pushes.clear()

    def listed(self) -> dict[str, Any]:
        ack = self.client.call("hello", {}, namespace=AGENT_NS, timeout=10)
        assert ack["ok"]
        return {visitor["id"]: visitor for visitor in ack["visitors"]}


class RealVisitor:
    """Someone on the site: pages with the cookie, and the widget's socket open."""

    def __init__(self, server: LiveServer) -> None:
        self.http = requests.Session()
        self.http.get(server.url + "/", timeout=5)
        self.http.get(server.url + "/page/pricing", timeout=5)
        self.client = socketio.Client(reconnection=False)
        self.client.connect(
            server.url, namespaces=[VISITOR_NS], headers=cookie_header(self.http), transports=["websocket"]
        )
        ack = self.client.call("hello", {"page": {"url": server.url + "/page/pricing"}}, namespace=VISITOR_NS)
        assert ack["ok"] and ack["remembered"] is True
        self.id = self._id()

    def _id(self) -> str:
        from flask_livechat.identity import visitor_id_from_token

        return str(visitor_id_from_token(self.app, self.http.cookies["livechat_visitor"]))

    app: Any = None


@pytest.fixture
def console(live_server: LiveServer) -> Iterator[Console]:
    agent = Console(live_server)
    yield agent
    agent.client.disconnect()


@pytest.fixture
def real_visitor(live_server: LiveServer) -> Iterator[RealVisitor]:
    RealVisitor.app = live_server.app
    visitor = RealVisitor(live_server)
    yield visitor
    visitor.client.disconnect()


def flood(server: LiveServer, count: int, path: str = "/") -> list[int]:
    """``count`` cookie-less GETs (each a fresh client, as a script sends them) from 8 threads."""

    def one(i: int) -> int:
        return requests.get(f"{server.url}{path}?n={i}", timeout=10).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, range(count)))


def test_500_cookieless_page_views_leave_no_rows_and_no_pushes(
    live_server: LiveServer, livechat: LiveChatState, console: Console, real_visitor: RealVisitor
) -> None:
    console.settle()  # the real visitor's own pushes are done
    rows_before = livechat.store.count_rows()["livechat_visitors"]
    started = time.monotonic()
    statuses = flood(live_server, 500)
    took = time.monotonic() - started
    assert statuses == [200] * 500 and took < 30, took
    time.sleep(1.5)  # any coalesced batch would have come by now

    assert livechat.store.count_rows()["livechat_visitors"] == rows_before
    assert livechat.visitors.landing_views.counted >= 500  # counted, in aggregate only
    # Nobody the flood made up (a late push of the real visitor's own, on a loaded machine, is no flood's).
    assert [data["id"] for _, data in console.pushes if data["id"] != real_visitor.id] == []
    listed = console.listed()
    assert real_visitor.id in listed and listed[real_visitor.id]["online"] is True


def test_a_reloading_visitor_is_pushed_about_once_a_second(
    live_server: LiveServer, console: Console, real_visitor: RealVisitor
) -> None:
    console.settle()
    started = time.monotonic()
    for i in range(100):  # the same browser (cookie kept), as fast as it goes
        assert real_visitor.http.get(f"{live_server.url}/page/reload-{i}", timeout=5).status_code == 200
    took = time.monotonic() - started
    time.sleep(1.5)
    mine = [at for at, data in console.pushes if data["id"] == real_visitor.id]
    assert 1 <= len(mine) <= took + 3, (len(mine), took)
    gaps = [later - earlier for earlier, later in itertools.pairwise(mine)]
    assert all(gap > 0.8 for gap in gaps), gaps
    last = [data for _, data in console.pushes if data["id"] == real_visitor.id][-1]
    assert last["current_url"] is not None and last["pages"][-1]["url"].endswith("/page/reload-99")


def test_visitors_with_the_widget_open_stay_listed_under_a_flood_of_new_ones(
    live_server: LiveServer, livechat: LiveChatState, console: Console, real_visitor: RealVisitor
) -> None:
    """Browsers that do keep the cookie (250 of them, two views each) make rows: the list of 200 still shows
    the one who has the widget open."""

    def browser(_: int) -> None:
        http = requests.Session()
        for page in ("/", "/page/" + uuid.uuid4().hex[:8]):
            http.get(live_server.url + page, timeout=10)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(browser, range(250)))
    assert livechat.store.count_rows()["livechat_visitors"] >= 250
    listed = console.listed()
    assert len(listed) == 200 and real_visitor.id in listed
