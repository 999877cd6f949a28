"""Issue 14, points 5, 7 and 8 in real Chromium: the rating is a card in the thread (the thread keeps its
height), the panel stays open (and scrolled where it was) across page loads, and the full-screen panel on a
phone keeps the focus in itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, ClosingBrowser, ask, visit

PHONE = {"width": 390, "height": 844}


def active_label(page: Any) -> str:
    """What has the focus: in the widget's shadow root its accessible label or text, else the page's tag."""
    return str(
        page.evaluate(
            """() => {
              const host = document.querySelector("livechat-widget");
              const inner = host && host.shadowRoot && host.shadowRoot.activeElement;
              const el = inner || document.activeElement;
              const name = el.getAttribute("aria-label") || el.textContent.trim().slice(0, 30);
              return (inner ? "widget:" : "page:") + (name || el.tagName);
            }"""
        )
    )


def test_the_rating_is_a_card_in_the_thread_and_works_from_the_keyboard(
    browser: ClosingBrowser, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites()
    agent = agents(site)
    page, chat, errors = visit(browser.new_context(viewport={"width": 1366, "height": 768}), site + "/")
    conversation = ask(chat, agent, "Rate me afterwards")
    agent.say(conversation, "Here is your answer.")
    assert agent.call("close_conversation", {"conversation_id": conversation})["ok"] is True
    log = chat.get_by_role("log")
    card = log.get_by_role("group", name="How was this chat?")
    expect(card).to_be_visible()
    assert log.bounding_box()["height"] > 150  # was ~25 px with the rating form as a sheet under the log
    expect(chat.get_by_role("textbox", name="Message")).to_be_visible()

    card.get_by_role("radio", name="1 out of 5").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(card.get_by_role("radio", name="4 out of 5")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.type("Quick and kind")
    page.keyboard.press("Tab")
    assert active_label(page) == "widget:Send rating"
    page.keyboard.press("Enter")
    expect(chat.get_by_role("status")).to_contain_text("Thanks for your feedback")
    expect(card).to_have_count(0)
    assert errors == []


def test_the_panel_stays_open_and_scrolled_across_page_loads(
    browser: ClosingBrowser, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites()
    agent = agents(site)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page, chat, errors = visit(context, site + "/")
    conversation = ask(chat, agent, "A long answer, please")
    for number in range(14):
        agent.say(conversation, f"Answer line {number}")
    log = chat.get_by_role("log")
    expect(log).to_contain_text("Answer line 13")
    log.evaluate("log => { log.scrollTop = 120; log.dispatchEvent(new Event('scroll')); }")

    page.get_by_role("link", name="Pricing").click()
    page.wait_for_url(site + "/pricing")
    chat = page.get_by_role("dialog", name="Chat")
    expect(chat).to_be_visible()  # open again without a click
    expect(chat.get_by_role("log")).to_contain_text("Answer line 13")
    assert abs(chat.get_by_role("log").evaluate("log => log.scrollTop") - 120) < 4
    assert active_label(page).startswith("page:")  # coming back open does not take the focus

    chat.get_by_role("button", name="Close chat").click()
    page.get_by_role("link", name="Help").click()
    page.wait_for_url(site + "/help/")
    expect(page.get_by_role("button", name="Open chat")).to_be_visible()
    expect(page.get_by_role("dialog", name="Chat")).to_be_hidden()
    assert errors == []


def test_nothing_is_kept_in_the_tab_before_consent_in_opt_in_mode(
    browser: ClosingBrowser, sites: Callable[..., str]
) -> None:
    page, chat, errors = visit(browser.new_context(), sites(LIVECHAT_CONSENT_MODE="opt-in") + "/")
    expect(chat.get_by_role("region", name="Privacy choice")).to_be_visible()
    page.reload()
    expect(page.get_by_role("dialog", name="Chat")).to_be_hidden()
    assert page.evaluate("() => sessionStorage.length + localStorage.length") == 0
    assert errors == []


def test_the_full_screen_panel_keeps_the_focus_and_escape_returns_it(
    browser: ClosingBrowser, sites: Callable[..., str]
) -> None:
    page, chat, errors = visit(browser.new_context(viewport=PHONE, is_mobile=True), sites() + "/")
    for _ in range(25):  # more than the panel's controls: round and round, never into the page
        page.keyboard.press("Tab")
        assert active_label(page).startswith("widget:"), active_label(page)
    for _ in range(8):
        page.keyboard.press("Shift+Tab")
        assert active_label(page).startswith("widget:"), active_label(page)
    expect(chat).to_have_attribute("aria-modal", "true")
    page.keyboard.press("Escape")
    expect(chat).to_be_hidden()
    assert active_label(page) == "widget:Open chat"
    assert errors == []
