"""Point 4: typing indicators and read receipts both ways, unread badge and tab title, optional sound."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, ask, load, open_chat, visit

# Counts the chimes instead of playing them (headless Chromium has no speakers to listen to).
FAKE_AUDIO = """
window.__chimes = 0;
window.AudioContext = class {
  constructor() { this.state = "running"; this.currentTime = 0; this.destination = {}; }
  resume() { return Promise.resolve(); }
  createGain() {
    return { gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, connect: (x) => x };
  }
  createOscillator() {
    return { frequency: {}, connect: (x) => x, start() { window.__chimes += 1; }, stop() {} };
  }
};
"""


def test_typing_both_ways(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites()
    agent = agents(site)
    page, chat, errors = visit(browser, site + "/")
    conversation = ask(chat, agent, "Typing test")
    chat.get_by_role("textbox", name="Message").press_sequentially("still wri")
    agent.wait_for("typing", lambda e: e == {"conversation_id": conversation, "typing": True})
    assert agent.call("typing", {"conversation_id": conversation, "typing": True}) == {"ok": True}
    expect(chat.get_by_text("is typing\u2026")).to_be_visible()
    agent.say(conversation, "Done typing")
    expect(chat.get_by_text("is typing\u2026")).to_be_hidden()
    assert errors == []
    page.close()


def test_read_receipts_both_ways(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites()
    agent = agents(site)
    page, chat, _ = visit(browser, site + "/")
    conversation = ask(chat, agent, "Did you read this?")
    expect(chat.get_by_text("Seen", exact=True)).to_be_hidden()
    agent.call("mark_read", {"conversation_id": conversation, "seq": 1})
    expect(chat.get_by_text("Seen", exact=True)).to_be_visible()
    # The panel is open, so the visitor reads the agent's answer as it arrives.
    message = agent.say(conversation, "Yes, and here is my answer")
    agent.wait_for("read", lambda e: e["reader"] == "visitor" and e["seq"] == message["seq"])
    page.close()


def test_unread_badge_and_tab_title_while_closed(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites()
    agent = agents(site)
    page, errors = load(browser, site + "/pricing")
    title = page.title()
    chat = open_chat(page)
    conversation = ask(chat, agent, "Badge test")
    page.keyboard.press("Escape")
    expect(chat).to_be_hidden()
    agent.say(conversation, "First answer")
    agent.say(conversation, "Second answer")
    launcher = page.get_by_role("button", name="Open chat")
    expect(launcher).to_have_accessible_description("2 unread messages")
    expect(page).to_have_title(f"(2) {title}")
    open_chat(page)
    expect(page).to_have_title(title)
    expect(launcher).to_have_accessible_description("")
    # Read in one visit, read everywhere: a reload shows nothing unread.
    page.reload()
    expect(page.get_by_role("button", name="Open chat")).to_have_accessible_description("")
    expect(page).to_have_title(title)
    assert errors == []
    page.close()


def test_an_optional_sound_for_agent_messages(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites(LIVECHAT_SOUND=True)
    agent = agents(site)
    page = browser.new_page()
    page.add_init_script(FAKE_AUDIO)
    page.goto(site + "/")
    chat = open_chat(page)
    conversation = ask(chat, agent, "Sound test")
    chat.get_by_role("button", name="Close chat").click()
    agent.say(conversation, "Ding")
    expect(page.get_by_role("button", name="Open chat")).to_have_accessible_description("1 unread message")
    page.wait_for_function("window.__chimes === 2", timeout=15_000)  # two tones (played after the render)
    page.close()

    quiet_agent = agents(sites())
    quiet = browser.new_page()
    quiet.add_init_script(FAKE_AUDIO)
    quiet.goto(sites() + "/")
    quiet_chat = open_chat(quiet)
    conversation = ask(quiet_chat, quiet_agent, "No sound here")
    quiet_chat.get_by_role("button", name="Close chat").click()
    quiet_agent.say(conversation, "Silent")
    expect(quiet.get_by_role("button", name="Open chat")).to_have_accessible_description("1 unread message")
    assert quiet.evaluate("window.__chimes") == 0
    quiet.close()
