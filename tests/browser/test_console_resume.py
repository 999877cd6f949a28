"""The console notices a skipped seq (a broadcast lost in a queue outage, say) and fetches the gap."""

from __future__ import annotations

from typing import Any

import requests
import socketio
from playwright.sync_api import expect

from flask_livechat.state import LiveChatState
from tests.conftest import LiveServer

NS = "/livechat"


def test_a_lost_broadcast_is_fetched_when_the_next_message_shows_the_gap(
    browser: Any, live_server: LiveServer, livechat: LiveChatState
) -> None:
    cookie = requests.get(live_server.url + "/", timeout=5).cookies["livechat_visitor"]
    visitor = socketio.Client(reconnection=False)
    visitor.connect(
        live_server.url,
        namespaces=[NS],
        headers={"Cookie": f"livechat_visitor={cookie}"},
        transports=["websocket"],
        wait_timeout=5,
    )
    first = visitor.call(
        "send_message", {"client_id": "c-gap-00001", "body": "first"}, namespace=NS, timeout=5
    )
    conversation_id = first["message"]["conversation_id"]

    page = browser.new_page()
    page.goto(live_server.url + "/login-as/ada")
    page.goto(live_server.url + "/livechat/agent/")
    page.get_by_role("list", name="Conversations").get_by_role("button").first.click()
    thread = page.get_by_role("log")
    expect(thread).to_contain_text("first")

    # Stored but never broadcast: what a dropped queue message looks like to the console.
    [visitor_id] = [c.visitor_id for c in livechat.store.conversations.open_conversations()]
    livechat.store.conversations.add_visitor_message(
        visitor_id, client_id="c-gap-00002", body="lost in the queue"
    )
    visitor.call("send_message", {"client_id": "c-gap-00003", "body": "third"}, namespace=NS, timeout=5)

    expect(thread).to_contain_text("third")
    expect(thread).to_contain_text("lost in the queue")
    texts = thread.inner_text()
    assert texts.index("first") < texts.index("lost in the queue") < texts.index("third")
    assert conversation_id
    page.close()
    visitor.disconnect()
