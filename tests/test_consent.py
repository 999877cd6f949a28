"""Consent modes, browser signals, recorded choices, new policy versions, withdrawal."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO
from sqlalchemy import func, select

from flask_livechat.state import LiveChatState
from flask_livechat.store.models import Consent, Visitor

VISITOR = "livechat_visitor"


def choose(client: FlaskClient, choice: str, **headers: str) -> Any:
    return client.post("/livechat/api/consent", json={"choice": choice}, headers=headers)


def consents(livechat: LiveChatState) -> list[tuple[str | None, str, str]]:
    with livechat.store.database.reading() as connection:
        rows = connection.execute(select(Consent.visitor_id, Consent.choice, Consent.policy_version)).all()
    return [(row.visitor_id, row.choice, row.policy_version) for row in rows]


def stored_rows(livechat: LiveChatState) -> dict[str, int]:
    """What recognises a browser: remembered visitors, visits, page views (a visitor for one connection
    only holds a random id and nothing about the browser)."""
    counts = livechat.store.count_rows()
    with livechat.store.database.reading() as connection:
        remembered = connection.execute(select(func.count()).where(Visitor.persistent.is_(True))).scalar_one()
    return {
        "livechat_visitors": remembered,
        "livechat_visits": counts["livechat_visits"],
        "livechat_page_views": counts["livechat_page_views"],
    }


def hello(app: Flask, socketio: SocketIO, client: FlaskClient) -> dict[str, Any]:
    connection = socketio.test_client(app, namespace="/livechat", flask_test_client=client)
    ack: dict[str, Any] = connection.emit("hello", {}, namespace="/livechat", callback=True)
    connection.disconnect(namespace="/livechat")
    return ack


def say(tab: Any, client_id: str, body: str) -> Any:
    return tab.emit(
        "send_message", {"client_id": client_id, "body": body}, namespace="/livechat", callback=True
    )


@pytest.mark.livechat_config(LIVECHAT_CONSENT_MODE="opt-in")
def test_opt_in_stores_nothing_until_accepted(
    app: Flask, socketio: SocketIO, client: FlaskClient, livechat: LiveChatState
) -> None:
    response = client.get("/", headers={"User-Agent": "Mozilla/5.0", "Accept-Language": "en"})
    assert VISITOR not in response.headers.get("Set-Cookie", "")
    assert stored_rows(livechat) == {"livechat_visitors": 0, "livechat_visits": 0, "livechat_page_views": 0}
    assert hello(app, socketio, client)["privacy"]["needs_choice"] is True

    accepted = choose(client, "accepted")
    assert accepted.status_code == 200 and accepted.json["privacy"]["recognition"] is True
    assert client.get_cookie(VISITOR) is not None
    client.get("/")
    assert stored_rows(livechat) == {"livechat_visitors": 1, "livechat_visits": 1, "livechat_page_views": 1}
    [(visitor_id, choice, version)] = consents(livechat)
    assert visitor_id is not None and (choice, version) == ("accepted", "1")
    assert hello(app, socketio, client)["privacy"]["needs_choice"] is False


@pytest.mark.livechat_config(LIVECHAT_CONSENT_MODE="opt-in")
def test_declining_keeps_chat_working_for_the_page_only(
    app: Flask, socketio: SocketIO, client: FlaskClient, livechat: LiveChatState
) -> None:
    choose(client, "declined")
    client.get("/")
    assert client.get_cookie(VISITOR) is None
    assert consents(livechat) == [(None, "declined", "1")]
    tab = socketio.test_client(app, namespace="/livechat", flask_test_client=client)
    assert say(tab, "c-declined", "still here?")["ok"] is True
    other_tab = socketio.test_client(app, namespace="/livechat", flask_test_client=client)
    assert other_tab.emit("hello", {}, namespace="/livechat", callback=True)["messages"] == []
    assert livechat.store.count_rows()["livechat_page_views"] == 0


@pytest.mark.parametrize("signal", [{"Sec-GPC": "1"}, {"DNT": "1"}])
def test_gpc_and_dnt_count_as_a_decline(
    client: FlaskClient, livechat: LiveChatState, signal: dict[str, str]
) -> None:
    response = client.get("/", headers=signal)
    assert VISITOR not in response.headers.get("Set-Cookie", "")
    assert stored_rows(livechat)["livechat_page_views"] == 0
    refused = choose(client, "accepted", **signal)
    assert refused.json["privacy"]["recognition"] is False
    assert client.get_cookie(VISITOR) is None


def test_a_browser_that_declines_can_dismiss_the_line_saying_so(
    client: FlaskClient, livechat: LiveChatState
) -> None:
    """The widget's dismissal of "this chat won't remember you" is the consent cookie's decline, so it needs
    no storage of the widget's own and the next page does not bring the line up again."""
    client.get("/", headers={"Sec-GPC": "1"})
    dismissed = choose(client, "declined", **{"Sec-GPC": "1"})
    privacy = dismissed.json["privacy"]
    assert (privacy["browser_declined"], privacy["answered"], privacy["recognition"]) == (True, True, False)
    assert client.get_cookie(VISITOR) is None
    assert stored_rows(livechat)["livechat_visitors"] == 0


@pytest.mark.livechat_config(LIVECHAT_CONSENT_MODE="off")
def test_off_leaves_consent_to_the_host(client: FlaskClient, livechat: LiveChatState) -> None:
    client.get("/", headers={"Sec-GPC": "1"})
    assert client.get_cookie(VISITOR) is not None
    client.get("/", headers={"Sec-GPC": "1"})
    assert stored_rows(livechat)["livechat_page_views"] == 2


def test_notice_mode_recognises_until_declined_then_withdraws(
    client: FlaskClient, livechat: LiveChatState
) -> None:
    client.get("/")
    client.get("/")
    assert client.get_cookie(VISITOR) is not None
    withdrawn = choose(client, "declined")
    assert (
        "livechat_visitor=;" in withdrawn.headers.get("Set-Cookie", "") or client.get_cookie(VISITOR) is None
    )
    assert client.get_cookie(VISITOR) is None
    client.get("/")
    client.get("/")
    assert client.get_cookie(VISITOR) is None
    # The withdrawal erased what recognition had collected, and nothing new was recorded after it.
    assert stored_rows(livechat)["livechat_page_views"] == 0
    assert stored_rows(livechat)["livechat_visitors"] == 0


def test_stale_visitor_cookie_is_removed_once_consent_is_withdrawn(app: Flask, client: FlaskClient) -> None:
    client.get("/")
    token = client.get_cookie(VISITOR).value
    choose(client, "declined")
    client.set_cookie(VISITOR, token)  # e.g. another tab restored it
    response = client.get("/")
    assert "livechat_visitor=;" in response.headers.get("Set-Cookie", "")


@pytest.mark.livechat_config(LIVECHAT_CONSENT_MODE="opt-in")
def test_a_new_policy_version_asks_again(
    app: Flask, socketio: SocketIO, client: FlaskClient, livechat: LiveChatState
) -> None:
    choose(client, "accepted")
    assert hello(app, socketio, client)["privacy"]["needs_choice"] is False
    app.config["LIVECHAT_POLICY_VERSION"] = "2"
    privacy = hello(app, socketio, client)["privacy"]
    assert privacy["needs_choice"] is True and privacy["recognition"] is False
    pages_before = stored_rows(livechat)["livechat_page_views"]
    client.get("/")
    assert stored_rows(livechat)["livechat_page_views"] == pages_before
    choose(client, "accepted")
    assert [c[1:] for c in consents(livechat)] == [("accepted", "1"), ("accepted", "2")]


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        ({"choice": "maybe"}, {}, 400),
        ({"choice": "accepted", "extra": 1}, {}, 400),
        ("accepted", {}, 400),
        ({"choice": "accepted"}, {"Origin": "https://evil.example"}, 403),
    ],
)
def test_bad_consent_requests_change_nothing(
    client: FlaskClient, livechat: LiveChatState, body: Any, headers: dict[str, str], status: int
) -> None:
    response = client.post("/livechat/api/consent", json=body, headers=headers)
    assert response.status_code == status
    assert consents(livechat) == []


def test_consent_form_needs_json_not_a_cross_site_form(client: FlaskClient, livechat: LiveChatState) -> None:
    response = client.post("/livechat/api/consent", data={"choice": "accepted"})
    assert response.status_code == 415
    assert consents(livechat) == []


@pytest.mark.livechat_config(LIVECHAT_CONSENT_MODE="opt-in")
def test_accepting_in_the_widget_keeps_the_page_conversation(
    app: Flask, socketio: SocketIO, client: FlaskClient, livechat: LiveChatState
) -> None:
    tab = socketio.test_client(app, namespace="/livechat", flask_test_client=client)
    session = tab.emit("hello", {}, namespace="/livechat", callback=True)["session"]
    assert say(tab, "c-before-yes", "asked first")["ok"] is True
    tab.disconnect(namespace="/livechat")
    assert stored_rows(livechat)["livechat_visitors"] == 0

    accepted = choose(client, "accepted", **{"X-LiveChat-Session": session})
    assert accepted.json["privacy"]["recognition"] is True
    ack = hello(app, socketio, client)  # the cookie alone, as after a reload
    assert [m["body"] for m in ack["messages"]] == ["asked first"] and ack["remembered"] is True
    assert stored_rows(livechat)["livechat_visitors"] == 1
