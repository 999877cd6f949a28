"""Notice mode recognises no earlier than the notice can have been seen: by default once the widget showed it
(it posts ``noticed``), or from the first page when the host declares it shows its own notice. Checked in
a dump of every table and in the cookies the browser got."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO

from flask_livechat.state import LiveChatState
from tests.conftest import say
from tests.helpers import every_row

NS = "/livechat"
OWN_NOTICE_OFF = pytest.mark.livechat_config(LIVECHAT_CONSENT_MODE="notice", LIVECHAT_HOST_SHOWS_NOTICE=False)


def stored(livechat: LiveChatState) -> dict[str, list[str]]:
    return {table: rows for table, rows in every_row(livechat).items() if rows}


@OWN_NOTICE_OFF
def test_nothing_is_recorded_before_the_widget_showed_its_notice(
    app: Flask, socketio: SocketIO, client: FlaskClient, livechat: LiveChatState
) -> None:
    for page in ("/page/pricing", "/page/help"):
        response = client.get(page)
        assert "livechat_visitor=" not in response.headers.get("Set-Cookie", "")
    widget = socketio.test_client(app, namespace=NS, flask_test_client=client)
    hello = widget.emit("hello", {"timezone": "Europe/Oslo"}, namespace=NS, callback=True)
    assert hello["privacy"]["needs_choice"] is True and hello["privacy"]["noticed"] is False
    assert hello["remembered"] is False
    assert stored(livechat) == {}

    # The widget showed the notice: recognition starts, and the notice stays with its decline control.
    noticed = client.post(
        "/livechat/api/consent", json={"choice": "noticed"}, headers={"X-LiveChat-Session": hello["session"]}
    )
    assert noticed.status_code == 200
    assert noticed.json["privacy"]["noticed"] is True and noticed.json["privacy"]["needs_choice"] is True
    rows = stored(livechat)
    assert set(rows) == {"livechat_visitors", "livechat_consents"}
    assert '"noticed"' in rows["livechat_consents"][0]
    widget.disconnect(namespace=NS)
    client.get("/page/pricing")
    rows = stored(livechat)
    assert rows["livechat_page_views"] and rows["livechat_visits"]
    again = socketio.test_client(app, namespace=NS, flask_test_client=client)
    assert again.emit("hello", {}, namespace=NS, callback=True)["remembered"] is True
    say(again, "now I am remembered", "c-notice-0001")
    again.disconnect(namespace=NS)

    # Declining afterwards is a withdrawal: what recognition collected goes.
    client.post("/livechat/api/consent", json={"choice": "declined"})
    left = {table for table in stored(livechat) if table != "livechat_audit_log"}
    assert left == {"livechat_consents"}
    assert "now I am remembered" not in str(every_row(livechat))


@OWN_NOTICE_OFF
def test_noticed_starts_nothing_after_a_choice_or_with_the_browser_declining(
    client: FlaskClient, livechat: LiveChatState
) -> None:
    declined = client.post("/livechat/api/consent", json={"choice": "noticed"}, headers={"Sec-GPC": "1"})
    assert declined.status_code == 200 and stored(livechat) == {}
    client.post("/livechat/api/consent", json={"choice": "declined"})
    before = stored(livechat)
    client.post("/livechat/api/consent", json={"choice": "noticed"})
    assert stored(livechat) == before
    client.get("/")
    assert stored(livechat) == before


@pytest.mark.livechat_config(LIVECHAT_CONSENT_MODE="opt-in")
def test_noticed_is_no_consent_in_opt_in(client: FlaskClient, livechat: LiveChatState) -> None:
    assert client.post("/livechat/api/consent", json={"choice": "noticed"}).status_code == 200
    client.get("/")
    client.get("/")
    assert stored(livechat) == {}


@pytest.mark.livechat_config(LIVECHAT_CONSENT_MODE="notice", LIVECHAT_HOST_SHOWS_NOTICE=True)
def test_a_host_with_its_own_notice_is_recognised_from_the_first_page(
    client: FlaskClient, livechat: LiveChatState
) -> None:
    first = client.get("/page/pricing")
    assert "livechat_visitor=" in first.headers.get("Set-Cookie", "")  # a pending cookie, no row yet
    assert stored(livechat) == {}
    client.get("/page/help")
    assert stored(livechat)["livechat_page_views"]


@OWN_NOTICE_OFF
def test_a_browser_recognised_before_keeps_its_record_once_the_notice_shows(
    app: Flask, socketio: SocketIO, client: FlaskClient, livechat: LiveChatState
) -> None:
    app.config["LIVECHAT_HOST_SHOWS_NOTICE"] = True  # as the site was configured before
    client.get("/")
    client.get("/")
    widget = socketio.test_client(app, namespace=NS, flask_test_client=client)
    say(widget, "from before the upgrade", "c-notice-0002")
    widget.disconnect(namespace=NS)
    app.config["LIVECHAT_HOST_SHOWS_NOTICE"] = False
    client.get("/")  # not recognised now, but the cookie stays: the person still reaches their data
    assert "from before the upgrade" in str(client.get("/livechat/api/my-data?format=json").json)
    widget = socketio.test_client(app, namespace=NS, flask_test_client=client)
    session = widget.emit("hello", {}, namespace=NS, callback=True)["session"]
    client.post("/livechat/api/consent", json={"choice": "noticed"}, headers={"X-LiveChat-Session": session})
    assert len(stored(livechat)["livechat_visitors"]) == 1
    widget.disconnect(namespace=NS)
    again = socketio.test_client(app, namespace=NS, flask_test_client=client)
    hello = again.emit("hello", {}, namespace=NS, callback=True)
    assert [m["body"] for m in hello["messages"]] == ["from before the upgrade"]
    again.disconnect(namespace=NS)
