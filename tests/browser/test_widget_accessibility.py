"""Point 9: full-screen below 480 px, keyboard alone (Tab, Enter, Escape), focus back to the launcher, new
messages announced through an aria-live region, and axe-core finds no serious or critical violation, in the
light theme and the dark one (issue 14, point 15)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, ask, load, send, visit

FOCUSED = """() => {
  const host = document.activeElement;
  if (!host || host.localName !== 'livechat-widget') return null;
  const inner = host.shadowRoot.activeElement;
  return inner && (inner.getAttribute('aria-label') || inner.textContent);
}"""


def test_mobile_panel_fills_the_screen(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites()
    agents(site)
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
    page, chat, errors = visit(context, site + "/")
    page.evaluate(
        "() => Promise.all(document.querySelector('livechat-widget').shadowRoot.getAnimations()"
        ".map((a) => a.finished))"
    )  # the panel's opening animation has ended
    assert chat.bounding_box() == {"x": 0, "y": 0, "width": 375, "height": 667}
    expect(page.get_by_role("button", name="Open chat")).to_be_hidden()
    send(chat, "From my phone")
    chat.get_by_role("button", name="Close chat").click()
    launcher = page.get_by_role("button", name="Open chat")
    expect(launcher).to_be_visible()
    expect(launcher).to_be_focused()
    assert errors == []
    context.close()


def test_keyboard_alone(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites()
    agent = agents(site)
    page, errors = load(browser, site + "/")
    for _ in range(20):  # Tab through the host page until the launcher has the focus
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED) == "Open chat":
            break
    assert page.evaluate(FOCUSED) == "Open chat"
    page.keyboard.press("Enter")
    chat = page.get_by_role("dialog", name="Chat")
    textbox = chat.get_by_role("textbox", name="Message")
    expect(textbox).to_be_focused()
    page.keyboard.type("Typed without a mouse")
    page.keyboard.press("Enter")
    log = chat.get_by_role("log")
    expect(log).to_contain_text("Typed without a mouse")
    expect(log).to_have_attribute("aria-live", "polite")
    conversation = agent.conversation_with("Typed without a mouse")
    agent.say(conversation, "Announced to screen readers")
    expect(log).to_contain_text("Announced to screen readers")
    # Tab reaches the thread and the panel's buttons; Escape closes and gives the focus back.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUSED) is not None
    page.keyboard.press("Escape")
    expect(chat).to_be_hidden()
    assert page.evaluate(FOCUSED) == "Open chat"
    assert errors == []
    page.close()


def axe_violations(page: Any, axe_path: Path) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(axe_path))
    result = page.evaluate("() => axe.run(document.querySelector('livechat-widget'))")
    assert result["passes"], "axe checked nothing"
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_axe_finds_no_serious_violation(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket], widget_node_modules: Path
) -> None:
    axe = widget_node_modules / "axe-core" / "axe.min.js"
    site = sites()
    # Nobody online: the leave-a-message form, with its errors showing.
    page, chat, _ = visit(browser, site + "/")
    chat.get_by_role("button", name="Leave a message").click()
    expect(chat.get_by_text("Please fill in Name.")).to_be_visible()
    assert axe_violations(page, axe) == []
    page.close()
    # A live conversation with both sides' messages, an attachment button, and then the rating form.
    agent = agents(site)
    page, chat, _ = visit(browser, site + "/")
    conversation = ask(chat, agent, "Accessibility check")
    agent.say(conversation, "An answer to check")
    expect(chat.get_by_role("log")).to_contain_text("An answer to check")
    assert axe_violations(page, axe) == []
    # The dark theme (LIVECHAT_THEME "auto" follows the system), with the emoji picker open.
    page.emulate_media(color_scheme="dark")
    chat.get_by_role("button", name="Emoji").click()
    expect(chat.get_by_role("dialog", name="Emoji")).to_be_visible()
    assert axe_violations(page, axe) == []
    page.keyboard.press("Escape")
    page.emulate_media(color_scheme="light")
    agent.call("close_conversation", {"conversation_id": conversation})
    expect(chat.get_by_role("group", name="How was this chat?")).to_be_visible()
    assert axe_violations(page, axe) == []
    page.emulate_media(color_scheme="dark")
    assert axe_violations(page, axe) == []
    page.close()
