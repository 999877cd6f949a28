"""``flask_livechat.testing``: what a host's own test suite gets, and the throwaway database under testing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask

from flask_livechat import ChatUser, LiveChat
from flask_livechat.host_request import TEST_USER_COOKIE
from flask_livechat.testing import LiveChatClient, agent_socket, visitor_socket
from tests.conftest import HTML_PAGE, stop_app


def host(tmp_path: Path, **config: object) -> Flask:
    app = Flask("tested_host", instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY="s", LIVECHAT_ASYNC_MODE="threading", LIVECHAT_PURGE_INTERVAL=0, **config)
    LiveChat(app)  # no user_loader at all: only LiveChatClient logs anybody in
    app.add_url_rule("/", "home", lambda: HTML_PAGE)
    app.test_client_class = LiveChatClient
    return app


def test_a_logged_in_agent_client_and_a_visitor_socket_chat(tmp_path: Path) -> None:
    app = host(tmp_path, TESTING=True)
    staff = app.test_client(user=ChatUser(id=3, name="Ada", role="agent"))
    assert staff.get("/livechat/agent/").status_code == 200
    agent = agent_socket(app, staff)
    visitor = visitor_socket(app)
    conversation = visitor.send("Hello?")["conversation_id"]
    assert agent.call("join_conversation", {"conversation_id": conversation})["ok"]
    assert agent.send("Hi!", conversation_id=conversation)["author"] == "Ada"
    assert [m["body"] for m in visitor.received("new_message")][-1] == "Hi!"
    agent.close()
    visitor.close()
    with pytest.raises(AssertionError, match="agent socket was refused"):
        agent_socket(app, app.test_client())
    stop_app(app)


def test_the_test_user_cookie_means_nothing_outside_testing(tmp_path: Path) -> None:
    testing = host(tmp_path / "a", TESTING=True)
    testing.test_client(user=ChatUser(id=3, role="agent"))  # registers a token in this process
    app = host(tmp_path / "b")
    with pytest.raises(RuntimeError, match=r"app\.testing"):
        app.test_client(user=ChatUser(id=3, role="agent"))
    from flask_livechat.host_request import test_users

    client = app.test_client()
    client.set_cookie(TEST_USER_COOKIE, next(iter(test_users)))
    assert client.get("/livechat/agent/").status_code == 401
    stop_app(testing)
    stop_app(app)


def test_under_testing_the_chat_database_is_a_throwaway(tmp_path: Path) -> None:
    app = host(tmp_path, TESTING=True)
    visitor = visitor_socket(app)
    visitor.send("Something to store")
    visitor.close()
    database = str(app.extensions["livechat"].store.engine.url.database)
    assert not os.path.exists(tmp_path / "instance" / "livechat.sqlite3")
    assert os.path.exists(database) and not database.startswith(str(tmp_path))
    stop_app(app)
    configured = host(tmp_path / "c", TESTING=True, LIVECHAT_DATABASE_URL=f"sqlite:///{tmp_path / 'mine.db'}")
    assert configured.extensions["livechat"].store.engine.url.database == str(tmp_path / "mine.db")
    stop_app(configured)
