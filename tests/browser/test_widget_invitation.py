"""Proactive chat reaches a visitor who never opened the chat: the loader learns of the invitation and opens
the widget with the agent's message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, collect_console_errors


def test_an_invitation_opens_a_widget_that_was_never_loaded(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites(LIVECHAT_INVITATION_CHECK_SECONDS=1)
    agent = agents(site)
    context = browser.new_context()
    page = context.new_page()
    errors = collect_console_errors(page)
    page.goto(site + "/pricing?campaign=invite-test")
    expect(page.get_by_role("button", name="Open chat")).to_be_visible()
    assert page.evaluate("() => [...document.scripts].some(s => s.src.includes('/widget.js'))") is False

    # The query string is not kept (URL minimisation): the path is what the agent sees.
    visitor = agent.wait_for("visitor_updated", lambda v: (v.get("current_url") or "").endswith("/pricing"))
    invited = agent.call(
        "invite_visitor",
        {
            "visitor_id": visitor["id"],
            "client_id": "invite-browser-0001",
            "body": "Hi! Can I help with plans?",
        },
    )
    assert invited["ok"], invited

    chat = page.get_by_role("dialog", name="Chat")
    expect(chat).to_be_visible()
    expect(chat.get_by_role("log")).to_contain_text("Hi! Can I help with plans?")
    assert errors == []
    context.close()
