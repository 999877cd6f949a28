"""The host page's API (docs/widget.md), in Chromium under a strict CSP with Trusted Types: calls queued by
the stub before the loader ran, route changes of a single-page app recorded and shown to agents live,
open/close/toggle, the ``ready``/``open``/``close``/``message``/``unread`` events, and ``setLanguage``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, ask, collect_console_errors


def _on_page(url_end: str) -> Callable[[Any], bool]:
    return lambda visitor: any(page["url"].endswith(url_end) for page in visitor.get("pages") or [])


def test_a_single_page_app_drives_the_chat_through_the_page_api(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites(EXAMPLE_STRICT_CSP=True)
    agent = agents(site)
    page = browser.new_page()
    errors = collect_console_errors(page)
    page.add_init_script(
        "window.__events = []; window.addEventListener('securitypolicyviolation', e => "
        "window.__events.push('csp:' + e.violatedDirective));"
    )
    page.goto(site + "/help/")
    # The stub's queued on("ready") and on("unread") were replayed once the loader ran.
    expect(page.locator("#help-status")).to_have_text("Chat ready.")
    page.evaluate("['open', 'close', 'message'].forEach(n => LiveChat.on(n, d => window.__events.push(n)))")

    # A client-side route change is a page view: the pending first page and this one make a visitor.
    page.get_by_role("link", name="Billing").click()
    expect(page).to_have_title("Billing · Acme Cloud")
    agent.wait_for("visitor_updated", _on_page("/help/billing"))

    page.get_by_role("button", name="Ask us in the chat").click()  # LiveChat("open")
    chat = page.get_by_role("dialog", name="Chat")
    expect(chat).to_be_visible()
    conversation = ask(chat, agent, "Where do I find my invoices?")

    # With the chat loaded, agents see the new route at once (the socket's page event).
    page.get_by_role("link", name="API keys").click()
    agent.wait_for(
        "visitor_updated",
        lambda v: (v.get("current_url") or "").endswith("/help/api") and _on_page("/help/api")(v),
    )

    page.evaluate("LiveChat.toggle()")  # closes
    expect(chat).to_be_hidden()
    agent.say(conversation, "Under Account, Invoices.")
    expect(page.locator("#help-status")).to_have_text("1 new in the chat")  # the unread event
    page.evaluate("LiveChat('toggle')")  # the callable form works after load too
    expect(chat).to_be_visible()
    expect(page.locator("#help-status")).to_have_text("")

    # Another language: the chat starts again in it, with the same conversation.
    page.evaluate("LiveChat.setLanguage('de')")
    chat_de = page.get_by_role("dialog", name="Chat")
    expect(chat_de.get_by_role("textbox", name="Nachricht")).to_be_visible()
    expect(chat_de.get_by_role("log")).to_contain_text("Under Account, Invoices.")
    expect(page.get_by_role("button", name="Chat öffnen")).to_be_visible()
    assert page.evaluate("LiveChat.ready()") is None  # a promise, already resolved

    events = page.evaluate("window.__events")
    assert "open" in events and "close" in events and "message" in events, events
    assert not [event for event in events if event.startswith("csp:")], events
    assert errors == []
    page.close()


def test_calls_before_the_loader_and_unknown_methods(browser: Any, sites: Callable[..., str]) -> None:
    site = sites(EXAMPLE_STRICT_CSP=True)
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A host that queues "open" before the loader: the panel opens once the chat has loaded.
    page.add_init_script(
        "window.LiveChat = function () { (window.LiveChat.q = window.LiveChat.q || []).push(arguments) };"
        "LiveChat('open'); LiveChat('no_such_method');"
    )
    page.goto(site + "/pricing")
    expect(page.get_by_role("dialog", name="Chat")).to_be_visible()
    assert any("no method no_such_method" in error for error in errors), errors
    page.close()
