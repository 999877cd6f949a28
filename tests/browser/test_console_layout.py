"""Issue 14, points 13 and 19: the console's layout. At 1366x768 a full-height thread with the composer pinned
to the bottom, eight and more conversations in the sidebar, visitors in their own tab, the actions in the
header (More actions), notes inline with a composer mode of their own, Delete behind a menu and a
confirmation, left messages marked, anonymous visitors named by what we know. At 390x844 nothing overflows
and the list, the thread and the details are panes with Back. Screenshots go to docs/images/ with
LIVECHAT_DOC_SCREENSHOTS=1 (docs/console.md shows them)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
from playwright.sync_api import expect

from tests.browser.conftest import (
    AgentSocket,
    collect_console_errors,
    conversations_tab,
    delete_message,
    log_in,
    more_actions,
    visitors_tab,
)

DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
# What a desktop Chrome sends, so the visitors look like people's (their browser names the anonymous ones).
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/131.0.0.0 Safari/537.36"
)
QUESTIONS = [f"Question number {n} about the plans" for n in range(1, 10)]
# The page's width, and (to say what is wrong when it is too wide) the elements that stick out to the right.
OVERFLOW = """(limit) => [document.scrollingElement.scrollWidth, [...document.querySelectorAll('body *')]
  .filter((el) => el.getBoundingClientRect().right > limit + 0.5 && el.getClientRects().length)
  .slice(0, 5)
  .map((el) => el.tagName + '#' + el.id + '.' + el.className + ' ' + el.getBoundingClientRect().right)]"""


def fits(page: Any, width: int) -> None:
    """Nothing on the page is wider than the viewport: document.scrollingElement.scrollWidth <= width."""
    scroll_width, culprits = page.evaluate(OVERFLOW, width)
    assert scroll_width <= width, culprits


def shoot(page: Any, name: str) -> None:
    if os.environ.get("LIVECHAT_DOC_SCREENSHOTS") == "1":
        IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(animations="disabled", path=str(IMAGES / name))


class Visitor:
    """A visitor on a socket of their own (the widget's protocol, without a page to load)."""

    def __init__(self, site: str, timezone: str | None = None) -> None:
        self.http = requests.Session()
        self.http.headers["User-Agent"] = CHROME
        self.http.get(site + "/", timeout=10)
        cookie = "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())
        self.client = socketio.Client(reconnection=False)
        headers = {"Cookie": cookie, "User-Agent": CHROME}
        self.client.connect(site, namespaces=["/livechat"], headers=headers, transports=["polling"])
        hello: dict[str, Any] = {"page": {"url": site + "/pricing", "title": "Pricing"}}
        if timezone:
            hello["timezone"] = timezone
        assert self.call("hello", hello)["ok"]

    def call(self, event: str, payload: Any) -> Any:
        return self.client.call(event, payload, namespace="/livechat", timeout=10)

    def say(self, body: str) -> str:
        ack = self.call("send_message", {"client_id": uuid.uuid4().hex, "body": body})
        assert ack["ok"], ack
        conversation_id: str = ack["message"]["conversation_id"]
        return conversation_id

    def close(self) -> None:
        self.client.disconnect()


@pytest.fixture(scope="module")
def site(sites: Callable[..., str]) -> Iterator[str]:
    """A site of this module's own, with nine conversations (one from a visitor in Berlin's time zone) and
    one message left through the leave-a-message form."""
    url = sites(LIVECHAT_COMPANY_NAME="Layout Test Co")
    visitors = [Visitor(url, "Europe/Berlin" if n == 0 else None) for n in range(len(QUESTIONS))]
    try:
        for visitor, question in zip(visitors, QUESTIONS, strict=True):
            visitor.say(question)
    finally:
        for visitor in visitors:
            visitor.close()
    left = requests.Session()
    left.get(url + "/", timeout=10)
    form = {"name": "Lena Left", "email": "lena@example.org", "message": "Please call me back tomorrow"}
    answer = left.post(url + "/livechat/api/offline-messages", json=form, headers={"Origin": url}, timeout=10)
    assert answer.status_code == 201, answer.text
    yield url


def console_page(browser: Any, site: str, viewport: dict[str, int]) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport=viewport)
    errors = collect_console_errors(page)
    log_in(page, site, "agent@example.com", "agent")
    page.goto(site + "/livechat/agent/")
    expect(page.get_by_role("status").filter(has_text="Connected")).to_be_visible()
    return page, errors


def box(locator: Any) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None
    return dict(found)


def test_desktop_layout(browser: Any, site: str) -> None:
    colleague = AgentSocket(site, "admin@example.com", "admin")  # someone to transfer to
    try:
        page, errors = console_page(browser, site, DESK)
        conversations = page.get_by_role("list", name="Conversations", exact=True)
        expect(conversations.get_by_role("listitem")).to_have_count(10)
        # Eight and more rows fit in the sidebar at 1366x768 (about 3.5 did before).
        fit = page.evaluate(
            """() => {
              const list = document.getElementById('lc-conversations').getBoundingClientRect();
              return [...document.querySelectorAll('#lc-conversations li')]
                .filter((li) => li.getBoundingClientRect().bottom <= list.bottom + 0.5).length;
            }"""
        )
        assert fit >= 8, fit

        # Left messages are marked; an anonymous visitor is named by their time zone, not an id.
        lena = conversations.get_by_role("listitem").filter(has_text="Lena Left")
        expect(lena.locator(".lc-badge--left")).to_have_text("Left a message")
        expect(conversations.locator(".lc-badge--left").filter(has_text="Left a message")).to_have_count(1)
        berlin = conversations.get_by_role("button", name="Visitor · Berlin time")
        expect(berlin).to_have_count(1)
        lena.get_by_role("button").click()
        expect(page.locator("#lc-thread-details")).to_contain_text("Left a message while no one was online")

        # Full height: the thread runs from the header to the composer, the composer sits at the bottom.
        berlin.click()
        log = page.get_by_role("log")
        expect(log).to_contain_text(QUESTIONS[0])
        composer = page.locator("#lc-reply-form")
        assert abs(box(composer)["y"] + box(composer)["height"] - (DESK["height"] - 14)) <= 2
        assert box(log)["height"] > 400
        assert page.evaluate("() => document.scrollingElement.scrollHeight") <= DESK["height"]
        fits(page, DESK["width"])
        expect(page.get_by_role("complementary", name="Visitor details")).to_be_visible()

        # The header's actions: Claim and Close at hand, the rest behind More actions.
        page.get_by_role("button", name="Claim").click()
        expect(page.locator("#lc-thread-status")).to_contain_text("Assigned to you")
        expect(page.get_by_role("button", name="Claim")).to_be_hidden()
        menu = more_actions(page)
        expect(menu.get_by_role("button", name="Email transcript")).to_be_disabled()
        expect(menu).to_contain_text("We do not know this visitor's email address.")
        menu.get_by_role("textbox", name="Tags").fill("pricing, layout")
        menu.get_by_role("button", name="Save tags").click()
        expect(page.locator("#lc-thread-status")).to_contain_text("Tags: layout, pricing")
        expect(menu).to_be_hidden()
        more_actions(page)
        page.keyboard.press("Escape")
        expect(menu).to_be_hidden()

        # A reply, then a note: the composer looks different in note mode and the note is inline.
        reply = page.get_by_role("textbox", name="Reply")
        reply.fill("Happy to help with the plans.")
        reply.press("Enter")
        expect(log).to_contain_text("Happy to help with the plans.")
        reply_colour = composer.evaluate("(f) => getComputedStyle(f).backgroundColor")
        page.get_by_role("radio", name="Internal note").check()
        expect(composer).to_have_attribute("data-mode", "note")
        assert composer.evaluate("(f) => getComputedStyle(f).backgroundColor") != reply_colour
        expect(page.get_by_role("button", name="Add note")).to_be_visible()
        expect(reply).to_have_attribute("placeholder", "Write an internal note… Only agents see it.")
        reply.fill("Berlin visitor, asked about yearly billing")
        reply.press("Enter")
        note = log.locator(".lc-msg--note")
        expect(note).to_contain_text("Internal note · Sam Agent")
        expect(note).to_contain_text("Berlin visitor, asked about yearly billing")
        colleague.say(colleague_conversation(colleague), "Ada here as well.")
        expect(log).to_contain_text("Ada here as well.")
        order = log.locator(".lc-msg").all_inner_texts()
        at = next(i for i, text in enumerate(order) if "yearly billing" in text)
        assert "Happy to help" in order[at - 1] and "Ada here as well." in order[at + 1], order
        page.get_by_role("radio", name="Reply").check()
        expect(composer).to_have_attribute("data-mode", "reply")
        expect(conversations.get_by_role("button", name="Visitor · Chrome on Windows")).to_have_count(8)
        page.evaluate("() => { document.getElementById('lc-conversations').scrollTop = 0; }")
        shoot(page, "console-desktop.png")

        # Delete is behind the message's menu and a confirmation; Cancel keeps the message.
        delete_message(page, "Happy to help with the plans.", confirm=False)
        expect(log).to_contain_text("Happy to help with the plans.")
        message = log.locator(".lc-msg").filter(has_text="Happy to help with the plans.")
        message.hover()
        message.get_by_role("button", name="Message actions").click()
        message.get_by_role("menuitem", name="Delete message").click()
        expect(page.get_by_role("dialog", name="Delete this message?")).to_be_visible()
        shoot(page, "console-delete-confirm.png")
        page.get_by_role("dialog").get_by_role("button", name="Delete", exact=True).click()
        expect(log).not_to_contain_text("Happy to help with the plans.")

        # Close stays at hand in the header.
        page.get_by_role("button", name="Close chat").click()
        expect(page.get_by_role("button", name="Reopen chat")).to_be_visible()

        # Visitors have a tab of their own; a visitor opens in the details panel.
        visitors = visitors_tab(page)
        expect(conversations).to_be_hidden()
        shoot(page, "console-visitors-tab.png")
        expect(visitors.get_by_role("button")).not_to_have_count(0)
        conversations_tab(page)
        expect(conversations).to_be_visible()
        more_actions(page)
        shoot(page, "console-more-actions.png")
        assert [e for e in errors if "404" not in e] == []
    finally:
        colleague.close()


def colleague_conversation(colleague: AgentSocket) -> str:
    """The Berlin visitor's conversation, joined by the colleague (so they can write in it)."""
    ack = colleague.call("hello", {})
    [found] = [c for c in ack["conversations"] if (c["visitor"] or {}).get("timezone") == "Europe/Berlin"]
    assert colleague.call("join_conversation", {"conversation_id": found["id"]})["ok"]
    conversation_id: str = found["id"]
    return conversation_id


def test_phone_layout(browser: Any, site: str) -> None:
    page, errors = console_page(browser, site, PHONE)
    width = PHONE["width"]
    fits(page, width)  # the top bar fits (it overflowed to 567 px)
    conversations = page.get_by_role("list", name="Conversations", exact=True)
    expect(conversations.get_by_role("listitem")).not_to_have_count(0)
    shoot(page, "console-phone-list.png")

    # List -> thread, composer usable, Back to the list.
    conversations.get_by_role("button").filter(has_text="Question number 5").click()
    log = page.get_by_role("log")
    expect(log).to_contain_text("Question number 5")
    expect(conversations).to_be_hidden()
    reply = page.get_by_role("textbox", name="Reply")
    expect(reply).to_be_visible()
    assert box(reply)["x"] >= 0 and box(reply)["x"] + box(reply)["width"] <= width
    reply.fill("Answered from my phone")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(log).to_contain_text("Answered from my phone")
    fits(page, width)
    shoot(page, "console-phone-thread.png")

    # The details are a pane of their own, with Back.
    page.get_by_role("button", name="Details").click()
    details = page.get_by_role("complementary", name="Visitor details")
    expect(details).to_be_visible()
    expect(log).to_be_hidden()
    fits(page, width)
    details.get_by_role("button", name="Back").click()
    expect(log).to_be_visible()

    # The header menu fits too.
    more_actions(page)
    fits(page, width)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Back to conversations").click()
    expect(conversations).to_be_visible()

    # Visitors and History fit as well.
    visitors_tab(page)
    fits(page, width)
    page.get_by_role("button", name="History").click()
    expect(page.get_by_role("searchbox", name="Search transcripts")).to_be_visible()
    fits(page, width)
    assert errors == []
