"""The host's ``before_request`` runs before its ``user_loader`` in socket events; ours never does there; a
loader that raises is one clear log line and a refused socket, not a hang."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g, request, session

from flask_livechat import ChatUser, LiveChat, skip_in_sockets
from tests.conftest import stop_app

AGENT_NS = "/livechat-agent"


def g_user_app(tmp_path: Path, loader: Any) -> Flask:
    app = Flask("g_user_host", instance_path=str(tmp_path))
    app.config.update(
        SECRET_KEY="s",
        LIVECHAT_ASYNC_MODE="threading",
        LIVECHAT_PURGE_INTERVAL=0,
        LIVECHAT_AGENT_RECHECK_INTERVAL=3600,  # no re-check calls the hook during a test
    )
    app.extensions["calls"] = []

    @app.before_request
    def load_logged_in_user() -> None:
        app.extensions["calls"].append("host")
        name = session.get("user")
        g.user = None if name is None else {"id": 1, "username": name}

    livechat = LiveChat(app)
    livechat.user_loader(loader)
    livechat.role_loader(lambda user: "agent")

    @app.get("/login")
    def login() -> str:
        session["user"] = "ada"
        return "ok"

    return app


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = g_user_app(tmp_path, lambda: g.user)
    yield app
    stop_app(app)


def test_socket_connect_and_events_see_what_before_request_set(app: Flask) -> None:
    http = app.test_client()
    http.get("/login")
    app.extensions["calls"].clear()
    agent = app.extensions["socketio"].test_client(app, namespace=AGENT_NS, flask_test_client=http)
    assert agent.is_connected(AGENT_NS)
    ack = agent.emit("hello", {}, namespace=AGENT_NS, callback=True)
    assert ack["ok"] and ack["agent"]["id"] == "1" and ack["agent"]["name"] == "ada"
    assert app.extensions["calls"] == [
        "host"
    ]  # at connect, where the loader is asked (hello uses its answer)
    assert http.get("/livechat/agent/").status_code == 200
    agent.disconnect(AGENT_NS)


def test_our_own_before_request_hooks_do_not_run_in_socket_events(tmp_path: Path) -> None:
    app = g_user_app(tmp_path, lambda: g.user)
    app.config["LIVECHAT_PURGE_INTERVAL"] = 3600  # its first-request hook would start the purge loop
    ran: list[str] = []

    @app.before_request
    @skip_in_sockets
    def http_only() -> None:
        ran.append("http_only")

    http = app.test_client()
    http.get("/login")
    ran.clear()
    agent = app.extensions["socketio"].test_client(app, namespace=AGENT_NS, flask_test_client=http)
    assert agent.emit("hello", {}, namespace=AGENT_NS, callback=True)["ok"]
    assert ran == []
    agent.disconnect(AGENT_NS)
    stop_app(app)


def test_a_loader_that_raises_refuses_the_socket_with_one_line_naming_the_fix(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = g_user_app(tmp_path, lambda: g.missing)  # an AttributeError, as g.user was before the fix
    http = app.test_client()
    http.get("/login")
    for _ in range(3):
        agent = app.extensions["socketio"].test_client(app, namespace=AGENT_NS, flask_test_client=http)
        assert not agent.is_connected(AGENT_NS)
    errors = [r for r in caplog.records if r.name == "flask_livechat" and r.levelno >= logging.ERROR]
    in_sockets = [r for r in errors if "socket event" in r.getMessage()]
    assert len(in_sockets) == 1 and in_sockets[0].exc_info is None  # once, not per connection
    line = in_sockets[0].getMessage()
    assert "user_loader raised AttributeError" in line and "socket event 'connect'" in line
    assert 'g.get("user")' in line and "\n" not in line
    stop_app(app)


def test_a_before_request_that_fails_without_a_view_is_explained(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = g_user_app(tmp_path, lambda: g.user)

    @app.before_request
    def needs_a_view() -> None:
        if request.endpoint.startswith("admin."):  # type: ignore[union-attr]  # None outside a view
            pass

    http = app.test_client()
    http.get("/login")
    agent = app.extensions["socketio"].test_client(app, namespace=AGENT_NS, flask_test_client=http)
    messages = [r.getMessage() for r in caplog.records if r.name == "flask_livechat"]
    assert any("needs_a_view raised AttributeError" in m and "skip_in_sockets" in m for m in messages)
    assert agent.is_connected(AGENT_NS)  # g.user was set by the hook before it: the agent is known
    agent.disconnect(AGENT_NS)
    stop_app(app)


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: {"id": 5, "username": "row"},
        lambda: ChatUser(id=5, name="row", role="agent"),
        lambda: _sqlite_row(),
    ],
    ids=["dict", "ChatUser", "sqlite3.Row"],
)
def test_users_without_an_id_attribute_are_identified(tmp_path: Path, make_user: Any) -> None:
    app = g_user_app(tmp_path, make_user)
    http = app.test_client()
    assert http.get("/livechat/agent/").status_code == 200
    agent = app.extensions["socketio"].test_client(app, namespace=AGENT_NS, flask_test_client=http)
    ack = agent.emit("hello", {}, namespace=AGENT_NS, callback=True)
    assert ack["agent"]["id"] == "5" and ack["agent"]["name"] == "row"
    agent.disconnect(AGENT_NS)
    stop_app(app)


def _sqlite_row() -> sqlite3.Row:
    connection = sqlite3.connect(":memory:")
    connection.row_factory = sqlite3.Row
    row: sqlite3.Row = connection.execute("SELECT 5 AS id, 'row' AS username").fetchone()
    connection.close()
    return row


def test_a_user_without_any_id_gets_a_page_that_says_what_to_change(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    class Account:
        username = "ada"

    app = g_user_app(tmp_path, Account)
    page = app.test_client().get("/livechat/agent/")
    assert page.status_code == 403
    text = page.get_data(as_text=True)
    assert "cannot tell who you are" in text and "ChatUser" in text and "This page is for" not in text
    assert any("without an id" in r.getMessage() for r in caplog.records if r.name == "flask_livechat")
    stop_app(app)
