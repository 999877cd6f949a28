"""Agents who log out, are disabled or lose the role lose their open sockets within a second (real server)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import socketio
from flask import Flask
from flask_login import LoginManager, UserMixin, login_user, logout_user

from flask_livechat import LiveChat
from tests.conftest import USERS, LiveServer, StaffUser, serve

AGENT_NS = "/livechat-agent"


def connect_agent(server: LiveServer, cookie: str) -> tuple[socketio.Client, threading.Event]:
    client = socketio.Client(reconnection=False)
    gone = threading.Event()
    client.on("disconnect", lambda *args: gone.set(), namespace=AGENT_NS)
    client.connect(
        server.url,
        namespaces=[AGENT_NS],
        headers={"Cookie": cookie},
        transports=["websocket"],
        wait_timeout=5,
    )
    return client, gone


def login_cookie(server: LiveServer, name: str) -> str:
    response = requests.get(f"{server.url}/login-as/{name}", timeout=5)
    return f"session={response.cookies['session']}"


def disconnected_within_a_second(gone: threading.Event, since: float) -> bool:
    return gone.wait(timeout=max(0.0, since + 1.0 - time.monotonic()))


def test_losing_the_role_disconnects(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    client, gone = connect_agent(live_server, login_cookie(live_server, "ada"))
    assert client.call("hello", {}, namespace=AGENT_NS, timeout=5)["ok"]
    monkeypatch.setitem(USERS, "ada", StaffUser("1", "Ada Agent", None))
    assert disconnected_within_a_second(gone, time.monotonic())
    client.disconnect()


def test_another_agent_is_not_touched(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    ada, ada_gone = connect_agent(live_server, login_cookie(live_server, "ada"))
    bob, bob_gone = connect_agent(live_server, login_cookie(live_server, "bob"))
    monkeypatch.setitem(USERS, "ada", StaffUser("1", "Ada Agent", None))
    assert disconnected_within_a_second(ada_gone, time.monotonic())
    assert not bob_gone.is_set() and bob.call("hello", {}, namespace=AGENT_NS, timeout=5)["ok"]
    ada.disconnect()
    bob.disconnect()


def test_revoke_agent_is_immediate(app: Flask, live_server: LiveServer) -> None:
    client, gone = connect_agent(live_server, login_cookie(live_server, "bob"))
    started = time.monotonic()
    with app.app_context():
        assert app.extensions["livechat"].livechat.revoke_agent("2") == 1
    assert disconnected_within_a_second(gone, started)
    client.disconnect()


class Member(UserMixin):
    def __init__(self, user_id: str) -> None:
        self.id = user_id
        self.name = f"Member {user_id}"
        self.livechat_role = "agent"


@pytest.fixture
def flask_login_app(tmp_path: Any) -> Iterator[Flask]:
    app = Flask("flask_login_host", instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY="k", LIVECHAT_ASYNC_MODE="threading", LIVECHAT_PURGE_INTERVAL=0)
    manager = LoginManager(app)
    manager.user_loader(lambda user_id: Member(user_id))
    LiveChat(app)

    @app.get("/login/<user_id>")
    def login(user_id: str) -> str:
        login_user(Member(user_id))
        return "in"

    @app.post("/logout")
    def logout() -> str:
        logout_user()
        return "out"

    yield app
    app.config["LIVECHAT_AGENT_RECHECK_INTERVAL"] = 0
    app.extensions["livechat"].store.dispose()


def test_flask_login_logout_disconnects_at_once(flask_login_app: Flask) -> None:
    with serve(flask_login_app) as server:
        http = requests.Session()
        http.get(f"{server.url}/login/7", timeout=5)
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        client, gone = connect_agent(server, cookie)
        assert client.call("hello", {}, namespace=AGENT_NS, timeout=5)["agent"]["name"] == "Member 7"
        started = time.monotonic()
        http.post(f"{server.url}/logout", timeout=5)
        assert disconnected_within_a_second(gone, started)
        client.disconnect()
