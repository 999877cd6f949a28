"""Agent presence: online / away / offline per agent across tabs, in the database, pushed to visitors."""

from __future__ import annotations

import shutil
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIO, SocketIOTestClient
from sqlalchemy import insert, select, update

from flask_livechat.services import presence
from flask_livechat.state import LiveChatState
from flask_livechat.store.models import AgentConnection, VisitorConnection, utcnow
from tests.conftest import agent_client, events, visitor_client
from tests.helpers import eventually

AGENT_NS = "/livechat-agent"
VISITOR_NS = "/livechat"


def hello(connection: SocketIOTestClient, namespace: str = AGENT_NS) -> dict:
    ack = connection.emit("hello", {}, namespace=namespace, callback=True)
    assert ack["ok"], ack
    return dict(ack)


def statuses(ack: dict) -> dict[str, str]:
    return {agent["name"]: agent["status"] for agent in ack["agents"]}


def test_presence_is_per_agent_across_tabs(app: Flask, socketio: SocketIO, livechat: LiveChatState) -> None:
    tab1 = agent_client(app, socketio, "ada")
    tab2 = agent_client(app, socketio, "ada")
    assert statuses(hello(tab1)) == {"Ada Agent": "online"}

    ack = tab1.emit("set_presence", {"status": "away"}, namespace=AGENT_NS, callback=True)
    assert ack == {"ok": True, "status": "away"}
    # The other tab sees the same status, pushed and in hello.
    pushed = events(tab2, AGENT_NS, "agent_presence")
    assert pushed[-1]["agents"] == [{"id": "1", "name": "Ada Agent", "status": "away"}]
    assert hello(tab2)["agent"]["status"] == "away"
    # A third tab opened while away starts away too.
    tab3 = agent_client(app, socketio, "ada")
    assert hello(tab3)["agent"]["status"] == "away"

    tab1.disconnect(AGENT_NS)
    tab2.disconnect(AGENT_NS)
    assert statuses(hello(tab3)) == {"Ada Agent": "away"}
    tab3.disconnect(AGENT_NS)
    with app.app_context():
        assert livechat.presence.status_of("1") == "offline"
        assert livechat.store.count_rows()["livechat_agent_connections"] == 0


def test_availability_follows_presence_and_is_pushed_to_visitors(
    app: Flask, socketio: SocketIO, visitor: SocketIOTestClient
) -> None:
    assert hello(visitor, VISITOR_NS)["agents_online"] is False
    visitor.get_received(VISITOR_NS)
    agent = agent_client(app, socketio, "ada")
    assert events(visitor, VISITOR_NS, "availability") == [{"agents_online": True}]
    assert hello(visitor, VISITOR_NS)["agents_online"] is True

    agent.emit("set_presence", {"status": "away"}, namespace=AGENT_NS, callback=True)
    assert events(visitor, VISITOR_NS, "availability") == [{"agents_online": False}]
    assert hello(visitor, VISITOR_NS)["agents_online"] is False

    agent.emit("set_presence", {"status": "online"}, namespace=AGENT_NS, callback=True)
    assert events(visitor, VISITOR_NS, "availability") == [{"agents_online": True}]
    agent.disconnect(AGENT_NS)
    assert events(visitor, VISITOR_NS, "availability") == [{"agents_online": False}]


def ghost_agent(livechat: LiveChatState, sid: str) -> None:
    """An agent's console row written straight to the store, as another process (or a dead one) leaves it."""
    livechat.store.presence.agent_connected(
        sid, agent_id="9", name="Ghost", role="agent", cutoff=livechat.presence.cutoff()
    )


def test_a_dead_connection_does_not_stay_online(
    app: Flask,
    socketio: SocketIO,
    livechat: LiveChatState,
    visitor: SocketIOTestClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A process that died leaves rows nobody refreshes: they stop counting, and the sweep removes them."""
    monkeypatch.setattr(presence, "AGENTS_CHECK_SECONDS", 0.0)  # other processes' rows: seen at once here
    with app.app_context():
        ghost_agent(livechat, "sid-of-a-dead-process")
        assert livechat.availability.available() is True
        with livechat.store.engine.begin() as connection:
            connection.execute(update(AgentConnection).values(last_seen_at=utcnow() - timedelta(days=1)))
        assert livechat.availability.available() is False
        livechat.pusher.availability_check()  # what visitors were last told
        visitor.get_received(VISITOR_NS)
        livechat.sweeper.sweep_once()
        assert livechat.store.count_rows()["livechat_agent_connections"] == 0


def test_the_sweep_keeps_this_process_connections_alive(
    app: Flask, socketio: SocketIO, livechat: LiveChatState, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(presence, "AGENTS_CHECK_SECONDS", 0.0)
    agent = agent_client(app, socketio, "ada")
    with app.app_context():
        with livechat.store.engine.begin() as connection:
            connection.execute(update(AgentConnection).values(last_seen_at=utcnow() - timedelta(hours=1)))
        assert livechat.presence.status_of("1") == "offline"
        livechat.sweeper.sweep_once()  # what the background task does every third of the timeout
        assert livechat.presence.status_of("1") == "online"
    agent.disconnect(AGENT_NS)


def test_bad_presence_changes_nothing(agent: SocketIOTestClient) -> None:
    for payload in ({"status": "busy"}, {}, {"status": "away", "extra": 1}, "away"):
        ack = agent.emit("set_presence", payload, namespace=AGENT_NS, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "invalid", payload
    assert hello(agent)["agent"]["status"] == "online"


@pytest.mark.livechat_config(LIVECHAT_PRESENCE_TIMEOUT=1)
def test_the_background_task_sweeps_dead_visitor_connections(
    app: Flask, socketio: SocketIO, livechat: LiveChatState
) -> None:
    """Each process runs it: it refreshes its own connections and tells agents about dead visitors."""
    agent = agent_client(app, socketio, "ada")
    guest = visitor_client(app, socketio, "/")
    table = VisitorConnection.__table__
    with livechat.store.engine.begin() as connection:
        live_sid, visitor_id = connection.execute(select(table.c.sid, table.c.visitor_id)).one()
        long_ago = utcnow() - timedelta(days=1)
        # The live connection looks stale too: the task must refresh it before it sweeps.
        connection.execute(update(table).values(last_seen_at=long_ago))
        # A widget connection of a process that died: nobody refreshes it.
        connection.execute(
            insert(table).values(
                sid="dead", visitor_id=visitor_id, connected_at=long_ago, last_seen_at=long_ago
            )
        )
    agent.get_received(AGENT_NS)
    eventually(
        lambda: livechat.store.count_rows()["livechat_visitor_connections"] == 1,
        sleep=socketio.sleep,
        message="the sweep did not delete the dead process's connection",
    )
    with livechat.store.engine.begin() as connection:
        assert connection.execute(select(table.c.sid)).scalars().all() == [live_sid]  # refreshed, kept
    # The sweep tells agents right after it deleted the row: wait for the push rather than race it.
    pushed: list[dict[str, Any]] = []

    def agents_told() -> bool:
        pushed.extend(agent.get_received(AGENT_NS))
        return any(e["name"] == "visitor_updated" for e in pushed)

    eventually(agents_told, sleep=socketio.sleep, message=lambda: f"agents got {[e['name'] for e in pushed]}")
    guest.disconnect(VISITOR_NS)
    agent.disconnect(AGENT_NS)


def test_a_store_outage_refuses_the_console_cleanly(
    app: Flask, socketio: SocketIO, livechat: LiveChatState, caplog: pytest.LogCaptureFixture
) -> None:
    agent = agent_client(app, socketio, "ada")
    livechat.store.dispose()
    shutil.rmtree(app.instance_path)  # every new database connection fails now
    agent.disconnect(AGENT_NS)
    assert "agent disconnect not recorded" in caplog.text
    refused = agent_client(app, socketio, "ada")
    assert not refused.is_connected(AGENT_NS)
    assert "Traceback" not in caplog.text


def test_the_agent_list_is_asked_of_the_store_at_most_once_a_second_but_changes_here_count_at_once(
    app: Flask, socketio: SocketIO, livechat: LiveChatState, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every widget's hello asks who is online (twice): a reconnect storm must not ask the database each
    time. Another process's agent (a row written directly here) shows once AGENTS_CHECK_SECONDS passed."""
    monkeypatch.setattr(presence, "AGENTS_CHECK_SECONDS", 30.0)  # a slow machine cannot outlast it
    with app.app_context():
        assert livechat.presence.agents() == []
        ghost_agent(livechat, "sid-of-another-process")
        assert livechat.presence.agents() == []  # the answer of a moment ago
    agent = agent_client(app, socketio, "ada")  # connected in this process: counted at once
    with app.app_context():
        assert sorted(a.name for a in livechat.presence.agents()) == ["Ada Agent", "Ghost"]
    agent.emit("set_presence", {"status": "away"}, namespace=AGENT_NS, callback=True)
    with app.app_context():
        assert {a.name: a.status for a in livechat.presence.agents()}["Ada Agent"] == "away"
    agent.disconnect(AGENT_NS)
    with app.app_context():
        assert [a.name for a in livechat.presence.agents()] == ["Ghost"]
        livechat.store.presence.agent_disconnected("sid-of-another-process")
        assert [a.name for a in livechat.presence.agents()] == ["Ghost"]
        monkeypatch.setattr(presence, "AGENTS_CHECK_SECONDS", 0.0)  # the time has passed
        assert livechat.presence.agents() == []
