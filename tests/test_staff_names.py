"""What visitors see of a staff member: a name, never their email address."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask

from flask_livechat import ChatUser, ConfigError, LiveChat
from flask_livechat.host import display_name
from flask_livechat.testing import LiveChatClient, agent_socket, visitor_socket
from tests.conftest import HTML_PAGE, stop_app


@pytest.mark.parametrize(
    ("user", "shown"),
    [
        (SimpleNamespace(name="Ada Lovelace", email="ada@example.com"), "Ada Lovelace"),
        (SimpleNamespace(name="ada@example.com", username="ada"), "ada"),
        ({"username": "grace", "email": "grace@example.com"}, "grace"),
        (SimpleNamespace(email="agent@example.com"), None),
        (SimpleNamespace(first_name="  Linus "), "Linus"),
    ],
)
def test_the_name_is_never_an_email_address(user: object, shown: str | None) -> None:
    assert display_name(user) == shown


def test_staff_without_a_name_are_shown_by_the_configured_name(tmp_path: Path) -> None:
    app = Flask("names", instance_path=str(tmp_path))
    app.config.update(
        SECRET_KEY="s", TESTING=True, LIVECHAT_ASYNC_MODE="threading", LIVECHAT_PURGE_INTERVAL=0,
        LIVECHAT_AGENT_DISPLAY_NAME="The Acme team",
    )  # fmt: skip
    LiveChat(app)
    app.add_url_rule("/", "home", lambda: HTML_PAGE)
    app.test_client_class = LiveChatClient
    staff = app.test_client(user=ChatUser(id=1, email="ops@acme.example", role="agent"))
    agent = agent_socket(app, staff)
    visitor = visitor_socket(app)
    conversation = visitor.send("Anyone there?")["conversation_id"]
    agent.call("join_conversation", {"conversation_id": conversation})
    assert agent.send("Yes!", conversation_id=conversation)["author"] == "The Acme team"
    assert "ops@acme.example" not in repr(visitor.connection.get_received("/livechat"))
    agent.close()
    visitor.close()
    stop_app(app)


def test_an_email_as_the_display_name_fails_at_start_up(tmp_path: Path) -> None:
    app = Flask("names", instance_path=str(tmp_path))
    app.config.update(SECRET_KEY="s", LIVECHAT_AGENT_DISPLAY_NAME="support@acme.example")
    with pytest.raises(ConfigError, match="never an email address"):
        LiveChat(app)
