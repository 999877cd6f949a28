"""Point 8: colour, side, greeting, title and avatar from config; English and German, by config or browser."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, load


def test_german_from_accept_language(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites()
    agents(site)
    context = browser.new_context(locale="de-DE")
    page, errors = load(context, site + "/")
    page.get_by_role("button", name="Chat \u00f6ffnen").click()
    chat = page.get_by_role("dialog", name="Chat")
    expect(chat.get_by_role("heading", name="Schreiben Sie uns")).to_be_visible()
    expect(chat.get_by_role("textbox", name="Nachricht")).to_be_visible()
    expect(chat.get_by_role("button", name="Senden")).to_be_visible()
    expect(chat.get_by_role("button", name="Chat schlie\u00dfen")).to_be_visible()
    assert errors == []
    context.close()


APPEARANCE = {
    "LIVECHAT_LANGUAGE": "de",
    "LIVECHAT_COLOR": "#0f766e",
    "LIVECHAT_POSITION": "left",
    "LIVECHAT_TITLE": {"en": "Acme help", "de": "Acme-Hilfe"},
    "LIVECHAT_GREETING": {"en": "Hi there!", "de": "Moin! Wie k\u00f6nnen wir helfen?"},
    "LIVECHAT_AVATAR_URL": "/livechat/static/icon.svg",
}


def test_appearance_and_language_from_config(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites(**APPEARANCE)
    agent = agents(site)
    context = browser.new_context(locale="en-US")  # config wins over the browser's language
    page, errors = load(context, site + "/")
    launcher = page.get_by_role("button", name="Chat \u00f6ffnen")
    expect(launcher).to_have_css("background-color", "rgb(15, 118, 110)")
    box = launcher.bounding_box()
    assert box is not None and box["x"] == 20  # left corner
    launcher.click()
    chat = page.get_by_role("dialog", name="Chat")
    expect(chat.get_by_role("heading", name="Acme-Hilfe")).to_be_visible()
    expect(chat).to_contain_text("Moin! Wie k\u00f6nnen wir helfen?")
    # The team online is in the header (Sam's picture from the site's agent_avatar); the site's own picture
    # (LIVECHAT_AVATAR_URL) stands in while nobody is online.
    faces = page.locator("livechat-widget .lc-faces > *")
    expect(faces).to_have_count(1)
    expect(faces).to_have_attribute("src", re.compile(r"^/staff/\d+\.svg$"))
    expect(chat.get_by_role("button", name="Senden")).to_have_css("background-color", "rgb(15, 118, 110)")
    panel_box = chat.bounding_box()
    assert panel_box is not None and panel_box["x"] == 20
    agent.close()
    expect(faces).to_have_attribute("src", "/livechat/static/icon.svg")
    expect(faces).to_have_class("lc-avatar")
    assert errors == []
    context.close()


def test_the_thread_speaks_the_visitors_language(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    """The message bubbles' own words (a pending message's "Sending…") come from the widget's translations."""
    site = sites()
    agent = agents(site)
    context = browser.new_context(locale="de-DE")
    held: list[Any] = []
    # Hold the upload, so its bubble stays pending long enough to be read.
    context.route("**/livechat/api/attachments", lambda route: held.append(route))
    page, errors = load(context, site + "/")
    page.get_by_role("button", name="Chat \u00f6ffnen").click()
    chat = page.get_by_role("dialog", name="Chat")
    chat.get_by_role("textbox", name="Nachricht").fill("Hallo")
    chat.get_by_role("button", name="Senden", exact=True).click()
    log = chat.get_by_role("log")
    expect(log).to_contain_text("Hallo")
    conversation_id = agent.conversation_with("Hallo")
    page.locator("livechat-widget input[type=file]").set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}
    )
    pending = log.locator(".lc-msg--pending")
    expect(pending).to_contain_text("notes.txt wird hochgeladen\u2026")
    expect(pending).to_contain_text("Wird gesendet\u2026")
    assert "Sending" not in log.inner_text()
    held[0].continue_()
    expect(log.locator(".lc-msg--pending")).to_have_count(0)
    agent.say(conversation_id, "Guten Tag")
    expect(log).to_contain_text("Guten Tag")
    assert errors == []
    context.close()
