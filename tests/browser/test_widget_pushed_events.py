"""The widget follows what agents do, live: a message moderation removed disappears, and the agents'
availability switches the panel between chat and "no one is online" without a reload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, ask, collect_console_errors, open_chat

OFFLINE = "No one is online right now."


def test_deleted_messages_and_availability(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites()
    agent = agents(site)
    page = browser.new_page()
    errors = collect_console_errors(page)
    page.goto(site + "/")
    chat = open_chat(page)
    conversation = ask(chat, agent, "Please remove this line")
    update = agent.wait_for("conversation_updated", lambda c: c["id"] == conversation)
    log = chat.get_by_role("log")

    deleted = agent.call(
        "delete_message", {"conversation_id": conversation, "message_id": update["last_message"]["id"]}
    )
    assert deleted["ok"], deleted
    expect(log).not_to_contain_text("Please remove this line")

    assert agent.call("set_presence", {"status": "away"})["ok"]
    expect(chat).to_contain_text(OFFLINE)
    expect(chat.get_by_role("textbox", name="Message")).to_be_visible()  # an open chat stays open
    assert agent.call("set_presence", {"status": "online"})["ok"]
    expect(chat).not_to_contain_text(OFFLINE)
    assert errors == []
    page.close()
