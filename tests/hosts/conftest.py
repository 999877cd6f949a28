"""The host matrix: small apps written the way real Flask apps are (tutorial flaskr, an app-factory
Flask-Login + Flask-SQLAlchemy app, one behind Flask-WTF and Flask-Talisman), each with the chat added in the
README's few lines, served on a real threaded server.

Browser tests here are marked ``browser`` one by one and use the session's one Chromium (``chromium`` in
tests/conftest.py), each opening and closing its own two contexts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

#: What every host's test config adds: no background purge, a quick agent re-check, the threaded server.
TEST_CHAT_CONFIG = {
    "TESTING": True,
    "LIVECHAT_ASYNC_MODE": "threading",
    "LIVECHAT_PURGE_INTERVAL": 0,
    "LIVECHAT_AGENT_RECHECK_INTERVAL": 0.5,
}


def chat_end_to_end(chromium: Any, base_url: str, log_in: Callable[[Any], None], question: str) -> list[str]:
    """A visitor asks on the host's home page, an agent logged in through ``log_in`` (the host's own form)
    answers from the console, the visitor sees the answer. Returns the pages' console errors."""
    errors: list[str] = []
    visitor_context = chromium.new_context()
    agent_context = chromium.new_context()
    try:
        agent = agent_context.new_page()
        visitor = visitor_context.new_page()
        for page in (agent, visitor):
            page.on("pageerror", lambda error: errors.append(str(error)))
        log_in(agent)
        agent.goto(base_url + "/livechat/agent/")
        conversations = agent.get_by_role("list", name="Conversations")
        expect(conversations).to_be_visible(timeout=10_000)

        visitor.goto(base_url + "/")
        visitor.get_by_role("button", name="Open chat").click()
        chat = visitor.get_by_role("dialog", name="Chat")
        chat.get_by_role("textbox", name="Message").fill(question)
        chat.get_by_role("button", name="Send").click()

        expect(conversations).to_contain_text(question, timeout=10_000)
        conversations.get_by_role("button").first.click()
        agent.get_by_role("textbox", name="Reply").fill("Happy to help.")
        agent.get_by_role("button", name="Send").click()
        expect(chat.get_by_role("log")).to_contain_text("Happy to help.", timeout=10_000)
    finally:
        visitor_context.close()
        agent_context.close()
    return errors
