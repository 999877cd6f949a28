"""Point 1: the loader draws only the launcher; the chat loads on first open or for an open conversation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, collect_console_errors, open_chat, send

CLS = """() => new Promise((resolve) => {
  let total = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  }).observe({ type: "layout-shift", buffered: true });
  requestAnimationFrame(() => requestAnimationFrame(() => resolve(total)));
})"""


def requested(page: Any) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def test_first_visit_loads_only_the_loader_until_the_chat_is_opened(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites()
    agents(site)
    context = browser.new_context()
    page = context.new_page()
    errors = collect_console_errors(page)
    urls = requested(page)
    page.goto(site + "/pricing", wait_until="load")
    launcher = page.get_by_role("button", name="Open chat")
    expect(launcher).to_be_visible()
    # The tag never blocks rendering: a deferred script, and the launcher is drawn without a stylesheet link.
    assert page.evaluate("document.querySelector('script[data-livechat]').defer") is True
    assert page.evaluate("document.querySelectorAll('link[rel=stylesheet]').length") == 0
    assert page.evaluate(
        "[...document.querySelectorAll('style')].every((s) => !s.textContent.includes('lc-'))"
    )
    page.wait_for_load_state("networkidle")
    assert any("/loader.js" in url for url in urls)
    assert not any("/widget.js" in url or "/socket.io/" in url or "settings.json" in url for url in urls)
    assert page.evaluate(CLS) == 0  # the fixed launcher shifts nothing
    box = launcher.bounding_box()
    assert box is not None and (box["width"], box["height"]) == (56, 56)

    chat = open_chat(page)
    assert any("/widget.js" in url for url in urls)
    send(chat, "Loaded on demand")
    assert errors == []
    context.close()


LOAD_TO_FIRST_CHECK = """() => {
  const load = performance.getEntriesByType("navigation")[0].loadEventEnd;
  const check = performance.getEntriesByType("resource").find((e) => e.name.includes("/widget/pending"));
  return check ? check.startTime - load : null;
}"""


def test_the_first_invitation_check_waits_until_after_the_page_has_loaded(
    browser: Any, sites: Callable[..., str]
) -> None:
    """The loader's check-in is kept out of the host page's loading: the first one about 2 s after load."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(sites() + "/pricing", wait_until="networkidle")
    assert page.evaluate(LOAD_TO_FIRST_CHECK) is None  # the page loaded, its network idle, without it
    page.wait_for_function(f"() => ({LOAD_TO_FIRST_CHECK})() !== null", timeout=10_000)
    assert page.evaluate(LOAD_TO_FIRST_CHECK) >= 1_900
    context.close()


def test_an_ongoing_conversation_loads_the_chat_with_the_page(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites()
    agent = agents(site)
    context = browser.new_context()
    page = context.new_page()
    page.goto(site + "/")
    chat = open_chat(page)
    send(chat, "I have a question")
    conversation = agent.conversation_with("I have a question")
    chat.get_by_role("button", name="Close chat").click()  # closed, so it stays closed on the next page

    urls = requested(page)
    page.goto(site + "/pricing")
    # Without any click the chat connects, so an answer shows up as unread on the launcher.
    page.wait_for_function(
        "() => performance.getEntriesByType('resource').some((r) => r.name.includes('/socket.io/'))"
    )
    assert any("/widget.js" in url for url in urls)
    agent.say(conversation, "Here is the answer")
    expect(page.get_by_role("button", name="Open chat")).to_have_accessible_description("1 unread message")
    context.close()
