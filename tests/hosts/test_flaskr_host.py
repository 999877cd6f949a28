"""The tutorial host (flaskr): sqlite3 rows, ``g.user`` from ``before_app_request``, no ``</body>``.

Its chat lines are those in ``flaskr/__init__.py`` between the markers (README, "A g.user host")."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
from flask import Flask
from flask.testing import FlaskClient

from flask_livechat.testing import agent_socket, visitor_socket
from tests.conftest import LiveServer, serve, stop_app
from tests.hosts.conftest import TEST_CHAT_CONFIG, chat_end_to_end
from tests.hosts.flaskr import create_app, db

AGENT_NS = "/livechat-agent"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app({**TEST_CHAT_CONFIG, "DATABASE": str(tmp_path / "flaskr.sqlite")})
    with app.app_context():
        db.init_db({"ada": "ada-pass", "carl": "carl-pass"})
    yield app
    stop_app(app)


def log_in(client: FlaskClient, username: str) -> None:
    response = client.post("/auth/login", data={"username": username, "password": f"{username}-pass"})
    assert response.status_code == 302


def test_the_home_page_without_body_end_gets_the_widget(app: Flask) -> None:
    page = app.test_client().get("/").get_data(as_text=True)
    assert "</body>" not in page and page.rstrip().endswith("</script>")
    assert 'data-livechat=""' in page or "data-livechat" in page


def test_the_console_opens_for_a_g_user_agent(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/livechat/agent/").headers["Location"].startswith("/auth/login?next=")
    log_in(client, "ada")
    assert client.get("/livechat/agent/").status_code == 200
    carl = app.test_client()
    log_in(carl, "carl")
    assert carl.get("/livechat/agent/").status_code == 403


def test_socket_events_see_g_user_and_a_visitor_gets_the_reply(app: Flask) -> None:
    client = app.test_client()
    log_in(client, "ada")
    agent = agent_socket(app, client)  # fails when the socket is refused
    assert agent.call("hello")["agent"]["name"] == "ada"
    visitor = visitor_socket(app)
    question = visitor.send("Is the tutorial finished?")
    conversation = question["conversation_id"]
    assert agent.call("join_conversation", {"conversation_id": conversation})["ok"]
    agent.send("Almost.", conversation_id=conversation)
    assert [m["body"] for m in visitor.received("new_message")][-1] == "Almost."
    agent.close()
    visitor.close()


def test_the_chat_database_is_not_in_the_host_instance_folder(app: Flask) -> None:
    visitor = visitor_socket(app)
    visitor.send("Stored somewhere safe")
    visitor.close()
    assert not os.path.exists(os.path.join(app.instance_path, "livechat.sqlite3"))
    database = str(app.extensions["livechat"].store.engine.url.database)
    assert os.path.exists(database) and not database.startswith(app.instance_path)


def test_logout_over_http_disconnects_the_console_socket(app: Flask) -> None:
    with serve(app) as server:
        http = requests.Session()
        http.post(f"{server.url}/auth/login", data={"username": "ada", "password": "ada-pass"}, timeout=5)
        assert http.get(f"{server.url}/livechat/agent/", timeout=5).status_code == 200
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        client, gone = _connect(server, cookie)
        assert client.call("hello", {}, namespace=AGENT_NS, timeout=5)["ok"]
        started = time.monotonic()
        http.get(f"{server.url}/auth/logout", timeout=5)  # session.clear(): nothing Flask-Login could signal
        assert gone.wait(timeout=1.0 + app.config["LIVECHAT_AGENT_RECHECK_INTERVAL"]), "still connected"
        assert time.monotonic() - started < 1.0 + app.config["LIVECHAT_AGENT_RECHECK_INTERVAL"]
        client.disconnect()


def test_the_periodic_recheck_sees_g_user_too(app: Flask) -> None:
    """The re-check runs the host's before_request as well: a role taken away closes the console."""
    with serve(app) as server:
        http = requests.Session()
        http.post(f"{server.url}/auth/login", data={"username": "ada", "password": "ada-pass"}, timeout=5)
        client, gone = _connect(server, "; ".join(f"{k}={v}" for k, v in http.cookies.items()))
        app.config["SUPPORT_STAFF"] = []
        assert gone.wait(timeout=1.0 + app.config["LIVECHAT_AGENT_RECHECK_INTERVAL"]), "still connected"
        client.disconnect()


def _connect(server: LiveServer, cookie: str) -> tuple[socketio.Client, threading.Event]:
    client = socketio.Client(reconnection=False)
    gone = threading.Event()
    client.on("disconnect", lambda *args: gone.set(), namespace=AGENT_NS)
    client.connect(server.url, namespaces=[AGENT_NS], headers={"Cookie": cookie}, transports=["websocket"])
    return client, gone


def test_no_loader_error_is_logged(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, "flask_livechat")
    client = app.test_client()
    log_in(client, "ada")
    agent_socket(app, client).close()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.browser
def test_chat_end_to_end_in_chromium(app: Flask, chromium: Any) -> None:
    with serve(app) as server:

        def log_in_form(page: Any) -> None:
            page.goto(server.url + "/auth/login")
            page.get_by_label("Username").fill("ada")
            page.get_by_label("Password").fill("ada-pass")
            page.get_by_role("button", name="Log In").click()
            page.wait_for_url(server.url + "/")

        assert chat_end_to_end(chromium, server.url, log_in_form, "Where is part 2?") == []
