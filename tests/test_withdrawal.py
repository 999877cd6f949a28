"""Stop remembering me: what recognition collected is erased, so the "no data" the page then shows is true.
Checked in every stored row, never in our functions' answers."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_socketio import SocketIO

from flask_livechat.state import LiveChatState
from tests.conftest import say
from tests.helpers import every_row, sqlite_leftovers


@pytest.mark.parametrize("mode", ["opt-in", "notice"])
def test_withdrawal_erases_what_recognition_collected(
    app: Flask, socketio: SocketIO, livechat: LiveChatState, mode: str
) -> None:
    app.config["LIVECHAT_CONSENT_MODE"] = mode
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = "198.51.100.23"
    assert browser.post("/livechat/api/consent", json={"choice": "accepted"}).status_code == 200
    for page in ("/page/pricing", "/page/pricing"):
        browser.get(page, headers={"User-Agent": "Withdrawer/1.0"})
    widget = socketio.test_client(app, namespace="/livechat", flask_test_client=browser)
    say(widget, "remember the walrus", "c-withdraw-0001")
    widget.disconnect(namespace="/livechat")
    before = every_row(livechat)
    for table in ("livechat_visitors", "livechat_visits", "livechat_page_views", "livechat_messages"):
        assert before[table], table
    assert "walrus" in " ".join(before["livechat_messages"])

    declined = browser.post("/livechat/api/consent", json={"choice": "declined"})
    assert declined.status_code == 200

    after = every_row(livechat)
    left = {table: rows for table, rows in after.items() if rows and table != "livechat_audit_log"}
    assert list(left) == ["livechat_consents"], left
    [decline] = left["livechat_consents"]
    assert '"declined"' in decline and '"None"' in decline  # a decline, without any visitor id
    assert sqlite_leftovers(livechat, ["walrus", "Withdrawer", "198.51.100"]) == []
    assert browser.get("/livechat/api/my-data?format=json").json["visitors"] == []
    assert "holds no chat data" in browser.get("/livechat/privacy").get_data(as_text=True)
