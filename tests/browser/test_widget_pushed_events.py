"""The widget renders the events the console work sends (protocol.md): `message_deleted`, `invitation`, and
`availability`. Their server side is not on this branch, so the test puts them on the real socket itself."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, ask, collect_console_errors, open_chat


class SocketTap:
    """Sits on the widget's WebSocket, forwarding both ways, and can push Socket.IO events to the page."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.routes: list[Any] = []
        self.in_use = False
        page.route_web_socket("**/socket.io/**", self._attach)
        page.on("websocket", lambda socket: socket.on("framereceived", self._seen))

    def _attach(self, route: Any) -> None:
        route.connect_to_server()
        self.routes.append(route)

    def _seen(self, frame: Any) -> None:
        # A Socket.IO packet over the WebSocket: the upgrade from polling is done.
        if isinstance(frame, str) and frame.startswith("4"):
            self.in_use = True

    def push(self, event: str, payload: Any) -> None:
        deadline = time.monotonic() + 10
        while not (self.routes and self.in_use) and time.monotonic() < deadline:
            self.page.wait_for_timeout(50)  # lets Playwright run the callbacks
        assert self.routes and self.in_use, "the widget never moved to the WebSocket"
        self.routes[-1].send("42/livechat," + json.dumps([event, payload]))


def test_deleted_messages_invitations_and_availability(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites()
    agent = agents(site)
    page = browser.new_page()
    errors = collect_console_errors(page)
    tap = SocketTap(page)
    page.goto(site + "/")
    chat = open_chat(page)
    conversation = ask(chat, agent, "Please remove this line")
    update = agent.wait_for("conversation_updated", lambda c: c["id"] == conversation)
    log = chat.get_by_role("log")

    tap.push("message_deleted", {"conversation_id": conversation, "message_id": update["last_message"]["id"]})
    expect(log).not_to_contain_text("Please remove this line")

    tap.push("availability", {"agents_online": False})
    expect(chat).to_contain_text("No one is online right now.")
    expect(chat.get_by_role("textbox", name="Message")).to_be_visible()  # an open chat stays open
    tap.push("availability", {"agents_online": True})
    expect(chat).not_to_contain_text("No one is online right now.")

    chat.get_by_role("button", name="Close chat").click()
    invitation = {
        "id": "invitation-message-1",
        "conversation_id": conversation,
        "seq": 2,
        "client_id": "invite-0001",
        "sender": "agent",
        "author": "Ada",
        "body": "Can I help you with the pricing?",
        "created_at": "2026-11-21T21:46:05.123456+00:00",
        "attachment": None,
    }
    tap.push("invitation", {"conversation_id": conversation, "message": invitation})
    expect(chat).to_be_visible()
    expect(log).to_contain_text("Can I help you with the pricing?")
    assert errors == []
    page.close()
