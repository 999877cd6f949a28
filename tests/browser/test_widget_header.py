"""The widget's header, launcher and looks (issue 14, point 15): the team online with their pictures (the
host's ``agent_avatar``) or initials, the reply time, an empty state that invites the first message, the
preview card of an unread reply, launcher offsets, the dark theme (system or config), the emoji picker
loaded only when opened, and a focus ring that shows on a pale and a dark accent. Screenshots at 1366x768
and 390x844 go to docs/images/ with LIVECHAT_DOC_SCREENSHOTS=1 (docs/widget.md shows them)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, ask, collect_console_errors, open_chat

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
PALE = {
    "LIVECHAT_COLOR": "#ffff00",
    "LIVECHAT_THEME": "light",
    "LIVECHAT_LAUNCHER_OFFSET_X": 32,
    "LIVECHAT_LAUNCHER_OFFSET_Y": 24,
}

# The focused element inside the widget: its ring (outline and box-shadow colours) and what is behind it.
RING = """() => {
  const root = document.querySelector('livechat-widget').shadowRoot;
  const el = root.activeElement;
  const style = getComputedStyle(el);
  let back = el, colour = 'rgba(0, 0, 0, 0)';
  while (back && (colour === 'rgba(0, 0, 0, 0)' || colour === 'transparent')) {
    colour = getComputedStyle(back).backgroundColor;
    back = back.parentElement;
  }
  return { outline: style.outlineColor, width: style.outlineWidth, shadow: style.boxShadow, behind: colour };
}"""


def shoot(page: Any, name: str) -> None:
    if os.environ.get("LIVECHAT_DOC_SCREENSHOTS") == "1":
        IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(animations="disabled", path=str(IMAGES / name))


def rgb(text: str) -> tuple[int, ...]:
    found = re.search(r"rgba?\((\d+), (\d+), (\d+)", text)
    assert found, text
    return tuple(int(part) for part in found.groups())


def contrast(one: tuple[int, ...], two: tuple[int, ...]) -> float:
    def luminance(colour: tuple[int, ...]) -> float:
        linear = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in colour]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(one), luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def ring_shows(page: Any, accent: tuple[int, ...]) -> None:
    """Both tones of the ring are there, and one of them stands out (3:1) from the accent and from what is
    behind the focused element."""
    ring = page.evaluate(RING)
    assert ring["width"] != "0px", ring
    tones = [rgb(ring["outline"]), rgb(ring["shadow"])]
    assert tones[0] != tones[1], ring
    for background in (accent, rgb(ring["behind"])):
        assert max(contrast(tone, background) for tone in tones) >= 3, (ring, background)


def widget_requests(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url) if "/static/" in request.url else None)
    return seen


def test_team_header_empty_state_emoji_and_dark_theme(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites()
    sam = agents(site)  # Sam Agent, with a picture from the site's agent_avatar
    admin = AgentSocket(site, "admin@example.com", "admin")  # Ada Admin, without one: initials
    try:
        for viewport, suffix in ((DESKTOP, "desktop"), (PHONE, "phone")):
            context = browser.new_context(viewport=viewport, color_scheme="light")
            page = context.new_page()
            errors = collect_console_errors(page)
            bundles = widget_requests(page)
            page.goto(site + "/")
            chat = open_chat(page)
            presence = chat.locator(".lc-presence")
            expect(presence).to_have_text("Online now: Ada, Sam")
            expect(chat.locator(".lc-reply-time")).to_have_text("We usually reply within a day.")
            faces = chat.locator(".lc-faces .lc-face")
            expect(faces).to_have_count(2)
            expect(faces.nth(0)).to_have_text("AA")  # initials on a coloured circle
            expect(faces.nth(1)).to_have_attribute("src", re.compile(r"^/staff/\d+\.svg$"))
            assert "@" not in chat.locator(".lc-header").inner_text()  # never an email address
            # The empty conversation invites the first message.
            expect(chat.get_by_text("Ask us anything \u2014 we\u2019re here to help.")).to_be_visible()
            shoot(page, f"widget-header-team-{suffix}.png")
            # The emoji picker's bundle only comes when the visitor opens it.
            assert not any("emoji.js" in url for url in bundles)
            textbox = chat.get_by_role("textbox", name="Message")
            textbox.fill("Thanks  a lot")
            textbox.evaluate("(el) => el.setSelectionRange(7, 7)")  # the caret between the two spaces
            emoji_button = chat.get_by_role("button", name="Emoji")
            emoji_button.click()
            picker = chat.get_by_role("dialog", name="Emoji")
            expect(picker).to_be_visible()
            expect(emoji_button).to_have_attribute("aria-expanded", "true")
            assert sum("emoji.js" in url for url in bundles) == 1
            picker.get_by_role("button", name="Gestures").click()
            first = picker.locator(".lc-emoji-item").first
            first.focus()
            shoot(page, f"widget-emoji-{suffix}.png")
            page.keyboard.press("ArrowRight")  # the keyboard moves through the grid
            page.keyboard.press("Enter")
            expect(picker).to_be_hidden()
            expect(textbox).to_have_value("Thanks \U0001f44e a lot")  # the second gesture, at the caret
            expect(textbox).to_be_focused()
            emoji_button.click()
            expect(picker).to_be_visible()
            page.keyboard.press("Escape")  # closes the picker, not the chat
            expect(picker).to_be_hidden()
            expect(chat).to_be_visible()
            emoji_button.click()
            chat.locator(".lc-title").click()  # a press elsewhere in the chat closes it too
            expect(picker).to_be_hidden()
            assert sum("emoji.js" in url for url in bundles) == 1
            textbox.fill("")
            # The same page in a system's dark mode: LIVECHAT_THEME "auto" follows it.
            page.emulate_media(color_scheme="dark")
            expect(chat).to_have_css("background-color", "rgb(17, 24, 39)")
            expect(chat.locator(".lc-intro-title")).to_have_css("color", "rgb(243, 244, 246)")
            conversation = ask(chat, sam, f"Do you have a dark mode? ({suffix})")
            sam.say(conversation, "You are looking at it \U0001f60e It follows your system's setting.")
            expect(chat.get_by_role("log")).to_contain_text("You are looking at it")
            expect(chat.locator(".lc-intro")).to_be_hidden()  # the empty state gives way to the thread
            shoot(page, f"widget-dark-{suffix}.png")
            # A dark accent (#1d4ed8): the ring on the Send button and on the header's close button.
            chat.get_by_role("button", name="Close chat").focus()
            page.keyboard.press("Shift+Tab")
            page.keyboard.press("Tab")
            ring_shows(page, (29, 78, 216))
            assert errors == []
            context.close()
        # Ada goes: the header follows without a reload (the "team" push).
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.goto(site + "/")
        chat = open_chat(page)
        expect(chat.locator(".lc-presence")).to_have_text("Online now: Ada, Sam")
        admin.close()
        expect(chat.locator(".lc-presence")).to_have_text("Online now: Sam Agent")
        expect(chat.locator(".lc-faces .lc-face")).to_have_count(1)
        context.close()
    finally:
        admin.close()


def test_preview_card_offsets_forced_light_theme_and_a_pale_accent(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites(**PALE)
    agent = agents(site)
    for viewport, suffix in ((DESKTOP, "desktop"), (PHONE, "phone")):
        # The system prefers dark, LIVECHAT_THEME says light: config wins.
        context = browser.new_context(viewport=viewport, color_scheme="dark")
        page = context.new_page()
        errors = collect_console_errors(page)
        page.goto(site + "/")
        launcher = page.get_by_role("button", name="Open chat")
        box = launcher.bounding_box()
        assert box is not None
        gaps = (viewport["width"] - box["x"] - box["width"], viewport["height"] - box["y"] - box["height"])
        assert gaps == (32, 24)
        # The pale accent: the launcher's ring, by keyboard.
        launcher.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        ring = page.evaluate(RING)
        assert ring["width"] != "0px" and contrast(rgb(ring["shadow"]), (255, 255, 0)) >= 3, ring
        chat = open_chat(page)
        expect(chat).to_have_css("background-color", "rgb(255, 255, 255)")
        conversation = ask(chat, agent, f"Where is my parcel? ({suffix})")
        chat.get_by_role("textbox", name="Message").focus()
        ring_shows(page, (255, 255, 0))
        chat.get_by_role("button", name="Close chat").click()
        agent.say(conversation, "It left our warehouse this morning and arrives tomorrow before noon.")
        preview = page.locator("livechat-widget .lc-preview-wrap")
        expect(preview).to_have_attribute("aria-live", "polite")
        card = preview.get_by_role("button", name=re.compile("Sam Agent"))
        expect(card).to_contain_text("It left our warehouse this morning")
        expect(preview.locator(".lc-face")).to_have_attribute("src", re.compile(r"^/staff/\d+\.svg$"))
        shoot(page, f"widget-preview-{suffix}.png")
        # Dismissed: gone until the next reply.
        preview.get_by_role("button", name="Dismiss this preview").click()
        expect(card).to_have_count(0)
        expect(launcher).to_be_focused()
        agent.say(conversation, "Tracking number: 4711")
        expect(preview).to_contain_text("Tracking number: 4711")
        # A click opens the chat, and the card is not shown while the panel is open.
        preview.get_by_role("button", name=re.compile("Sam Agent")).click()
        expect(chat).to_be_visible()
        expect(preview).to_be_hidden()
        expect(chat.get_by_role("log")).to_contain_text("Tracking number: 4711")
        agent.call("close_conversation", {"conversation_id": conversation})
        assert errors == []
        context.close()
