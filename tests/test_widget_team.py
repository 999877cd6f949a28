"""The team in the widget's header (issue 14, point 15): who is online, by public name and the host's
picture (``agent_avatar``), in the ``hello`` ack and pushed as ``team`` when it changes. Never an email
address, an id or a role; away agents are not on it."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask_socketio import SocketIO, SocketIOTestClient

from flask_livechat.state import LiveChatState
from tests.conftest import agent_client, events

AGENT_NS = "/livechat-agent"
VISITOR_NS = "/livechat"


def team_in_hello(visitor: SocketIOTestClient) -> list[dict[str, object]]:
    ack = visitor.emit("hello", {}, namespace=VISITOR_NS, callback=True)
    assert ack["ok"], ack
    return list(ack["team"])


def test_the_team_is_who_is_online_with_their_pictures(
    app: Flask, socketio: SocketIO, livechat: LiveChatState, visitor: SocketIOTestClient
) -> None:
    asked: list[str] = []

    @livechat.livechat.agent_avatar
    def avatar(agent_id: str) -> str | None:
        asked.append(agent_id)
        return {"1": "/static/ada.png", "2": "javascript:alert(1)"}.get(agent_id)

    assert team_in_hello(visitor) == []
    ada = agent_client(app, socketio, "ada")
    bob = agent_client(app, socketio, "bob")
    # Sorted by name; a picture that is not an http(s) URL or a path is left out (initials instead).
    expected = [{"name": "Ada Agent", "avatar": "/static/ada.png"}, {"name": "Bob Admin", "avatar": None}]
    assert team_in_hello(visitor) == expected
    assert events(visitor, VISITOR_NS, "team")[-1] == {"team": expected}
    asked.clear()
    team_in_hello(visitor)
    assert asked == []  # the host is not asked again on every hello

    bob.emit("set_presence", {"status": "away"}, namespace=AGENT_NS, callback=True)
    assert events(visitor, VISITOR_NS, "team") == [{"team": expected[:1]}]
    bob.emit("set_presence", {"status": "away"}, namespace=AGENT_NS, callback=True)
    assert events(visitor, VISITOR_NS, "team") == []  # nothing changed: nothing pushed
    second_tab = agent_client(app, socketio, "ada")
    assert team_in_hello(visitor) == expected[:1]  # once per agent, however many tabs
    for connection in (ada, bob, second_tab):
        connection.disconnect(AGENT_NS)
    assert events(visitor, VISITOR_NS, "team")[-1] == {"team": []}


@pytest.mark.livechat_config(LIVECHAT_AGENT_DISPLAY_NAME="Support")
def test_no_loader_means_initials_and_a_loader_that_raises_is_logged(
    app: Flask,
    socketio: SocketIO,
    livechat: LiveChatState,
    visitor: SocketIOTestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ada = agent_client(app, socketio, "ada")
    assert team_in_hello(visitor) == [{"name": "Ada Agent", "avatar": None}]

    @livechat.livechat.agent_avatar
    def broken(agent_id: str) -> str | None:
        raise LookupError("no such user")

    with caplog.at_level(logging.ERROR, logger="flask_livechat"):
        assert team_in_hello(visitor) == [{"name": "Ada Agent", "avatar": None}]
    assert "agent_avatar loader raised" in caplog.text
    ack = visitor.emit("hello", {}, namespace=VISITOR_NS, callback=True)
    assert "@" not in repr(ack["team"]) and "1" not in repr(ack["team"])  # no email, no id
    ada.disconnect(AGENT_NS)
