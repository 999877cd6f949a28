"""Business hours: parsed and checked at start-up, and part of whether agents are available."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIO, SocketIOTestClient

from flask_livechat import LiveChat
from flask_livechat.config import ConfigError
from flask_livechat.hours import parse_business_hours
from tests.conftest import agent_client

HOURS = {
    "timezone": "Europe/Berlin",
    "mon": "09:00-17:00",
    "sat": ["10:00-12:00", "13:00-15:00"],
    "sun": "22:00-00:00",
}


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (datetime(2026, 11, 23, 8, 0, tzinfo=UTC), True),  # Monday 09:00 in Berlin (UTC+1)
        (datetime(2026, 11, 23, 7, 59, tzinfo=UTC), False),
        (datetime(2026, 11, 23, 16, 0, tzinfo=UTC), False),  # 17:00 Berlin: closed at the end
        (datetime(2026, 11, 24, 10, 0, tzinfo=UTC), False),  # Tuesday: not listed
        (datetime(2026, 11, 28, 11, 30, tzinfo=UTC), False),  # Saturday 12:30 Berlin: the lunch gap
        (datetime(2026, 11, 28, 12, 30, tzinfo=UTC), True),
        (datetime(2026, 11, 29, 22, 59, tzinfo=UTC), True),  # Sunday 23:59 Berlin: "until midnight"
        (datetime(2026, 7, 6, 7, 30, tzinfo=UTC), True),  # Monday 09:30 in summer time (UTC+2)
    ],
)
def test_hours_follow_the_time_zone(moment: datetime, is_open: bool) -> None:
    hours = parse_business_hours(HOURS)
    assert hours is not None and hours.is_open(moment) is is_open


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("9-5", "must be None or a dict"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"monday": "09:00-17:00"}, "unknown keys"),
        ({"mon": "9am-5pm"}, "HH:MM-HH:MM"),
        ({"mon": "17:00-09:00"}, "ends before it starts"),
    ],
)
def test_bad_hours_fail_at_start_up(tmp_path: Any, value: Any, complaint: str) -> None:
    app = Flask("host", instance_path=str(tmp_path))
    app.config.update(SECRET_KEY="k", LIVECHAT_ASYNC_MODE="threading", LIVECHAT_BUSINESS_HOURS=value)
    with pytest.raises(ConfigError, match=complaint):
        LiveChat(app)


@pytest.mark.livechat_config(LIVECHAT_BUSINESS_HOURS={"timezone": "UTC"})  # no day listed: always closed
def test_outside_hours_nobody_is_available_even_with_an_agent_online(
    app: Flask, socketio: SocketIO, visitor: SocketIOTestClient
) -> None:
    agent = agent_client(app, socketio)
    hello = visitor.emit("hello", {}, namespace="/livechat", callback=True)
    assert hello["agents_online"] is False and hello["business_hours"] is False
    with app.app_context():
        assert app.extensions["livechat"].availability.available() is False
    agent.disconnect("/livechat-agent")


@pytest.mark.livechat_config(LIVECHAT_BUSINESS_HOURS={"timezone": "UTC"})  # always closed
def test_an_agent_connecting_outside_hours_does_not_tell_widgets_someone_is_online(
    app: Flask, socketio: SocketIO, visitor: SocketIOTestClient
) -> None:
    """hello, the presence push and the hours watcher share one decision (it used to push ``true`` here)."""
    hello = visitor.emit("hello", {}, namespace="/livechat", callback=True)
    assert hello["agents_online"] is False
    visitor.get_received("/livechat")
    agent = agent_client(app, socketio)
    pushed = [e["args"][0] for e in visitor.get_received("/livechat") if e["name"] == "availability"]
    assert {"agents_online": True} not in pushed
    assert visitor.emit("hello", {}, namespace="/livechat", callback=True)["agents_online"] is False
    agent.disconnect("/livechat-agent")


@pytest.mark.livechat_config(
    LIVECHAT_BUSINESS_HOURS={
        "timezone": "UTC",
        **{day: "00:00-00:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    }
)
def test_within_hours_an_online_agent_is_available(
    app: Flask, socketio: SocketIO, visitor: SocketIOTestClient
) -> None:
    agent = agent_client(app, socketio)
    hello = visitor.emit("hello", {}, namespace="/livechat", callback=True)
    assert hello["agents_online"] is True and hello["business_hours"] is True
    agent.disconnect("/livechat-agent")


def test_open_widgets_hear_when_hours_begin_or_end(
    app: Flask, socketio: SocketIO, visitor: SocketIOTestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flask_livechat.realtime import availability

    states = iter([True, True, False])
    monkeypatch.setattr(app.extensions["livechat"].availability, "available", lambda: next(states))

    class Stop(Exception):
        pass

    checks: list[float] = []

    def sleep(seconds: float) -> None:  # instead of waiting: count the checks, stop after three
        checks.append(seconds)
        if len(checks) == 3:
            raise Stop

    monkeypatch.setattr(socketio, "sleep", sleep)
    visitor.get_received("/livechat")
    with pytest.raises(Stop):
        availability._watch(socketio, app)
    pushed = [e["args"][0] for e in visitor.get_received("/livechat") if e["name"] == "availability"]
    # The first check tells widgets where things stand; after that only a change is announced.
    assert pushed == [{"agents_online": True}, {"agents_online": False}]
    assert checks == [availability.CHECK_SECONDS] * 3
