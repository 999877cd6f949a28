"""Point 10: with cookies (and so web storage) blocked, chat works for the page session, is not recognised on
the next visit, and nothing shows up in the browser console."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, ask, open_chat, send, visit

# What Chromium does with "block all cookies": document.cookie is empty, web storage throws SecurityError.
BLOCKED_STORAGE = """
for (const name of ["localStorage", "sessionStorage"]) {
  Object.defineProperty(window, name, {
    get() { throw new DOMException("Access is denied", "SecurityError"); },
  });
}
Object.defineProperty(Document.prototype, "cookie", { get() { return ""; }, set() {} });
"""


def block_cookies(context: Any) -> None:
    """Every response loses its Set-Cookie, so the browser never holds a cookie to send back."""

    def strip(route: Any) -> None:
        response = route.fetch()
        # route.fetch() itself keeps what the server set: drop it before the page can use it.
        context.clear_cookies()
        headers = {k: v for k, v in response.headers.items() if k.lower() != "set-cookie"}
        route.fulfill(response=response, headers=headers)

    context.route("**/*", strip)
    context.add_init_script(BLOCKED_STORAGE)


def test_chat_works_for_the_page_session_without_cookies(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites()
    agent = agents(site)
    context = browser.new_context()
    block_cookies(context)
    page, chat, errors = visit(context, site + "/")
    conversation = ask(chat, agent, "No cookies here")
    agent.say(conversation, "Still glad to help")
    expect(chat.get_by_role("log")).to_contain_text("Still glad to help")
    send(chat, "Thanks")
    assert agent.wait_for("conversation_updated", lambda c: c["id"] == conversation and c["last_seq"] == 3)
    assert context.cookies() == []

    # The next visit is a new visitor: nothing carried over.
    page.goto(site + "/pricing")
    chat = open_chat(page)
    expect(chat.get_by_role("textbox", name="Message")).to_be_visible()
    expect(chat.get_by_role("log")).not_to_contain_text("No cookies here")
    assert context.cookies() == []
    assert errors == []
    # Requests still in flight (the socket's polling) must not fail into the next test's Playwright calls.
    context.unroute_all(behavior="ignoreErrors")
    context.close()
