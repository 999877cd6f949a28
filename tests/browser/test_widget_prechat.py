"""Point 6: an optional pre-chat form with configurable fields, validated with clear messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, fully_visible_in, open_chat, send, visit

FIELDS = [
    "name",
    "email",
    {"name": "plan", "label": "Your plan", "type": "select", "options": ["Starter", "Business"]},
    {"name": "order", "label": "Order number", "required": False, "max_length": 8},
]


def test_the_pre_chat_form_comes_first_and_validates(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites(LIVECHAT_PRECHAT_FIELDS=FIELDS)
    agent = agents(site)
    context = browser.new_context()
    page, chat, errors = visit(context, site + "/")
    expect(chat).to_contain_text("Before we start")
    expect(chat.get_by_role("textbox", name="Message")).to_be_hidden()
    start = chat.get_by_role("button", name="Start chat")
    expect(chat.get_by_text("reply right here")).to_be_hidden()  # the form's own words, not the greeting too
    # Four fields in a short panel: they scroll, the button stays in view (issue 14, point 9).
    page.set_viewport_size({"width": 1366, "height": 460})
    assert fully_visible_in(chat, start)
    page.set_viewport_size({"width": 1280, "height": 720})
    chat.get_by_role("textbox", name="Email").fill("not an address")
    chat.get_by_role("textbox", name="Order number").fill("123456789")
    start.click()
    expect(chat.get_by_text("Please fill in Name.")).to_be_visible()
    expect(chat.get_by_text("Please enter a valid email address.")).to_be_visible()
    expect(chat.get_by_text("Please fill in Your plan.")).to_be_visible()
    expect(chat.get_by_text("Order number is too long: at most 8 characters.")).to_be_visible()
    name = chat.get_by_role("textbox", name="Name")
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description("Please fill in Name.")

    name.fill("Alan Turing")
    chat.get_by_role("textbox", name="Email").fill("alan@example.org")
    chat.get_by_role("combobox", name="Your plan").select_option("Business")
    chat.get_by_role("textbox", name="Order number").fill("A-1001")
    start.click()
    expect(chat.get_by_role("textbox", name="Message")).to_be_focused()
    send(chat, "Hello after the form")
    update = agent.wait_for(
        "conversation_updated", lambda c: (c.get("last_message") or {}).get("body") == "Hello after the form"
    )
    assert update["visitor"]["name"] == "Alan Turing" and update["visitor"]["email"] == "alan@example.org"

    # Asked once: a reload goes straight to the conversation.
    page.reload()
    chat = open_chat(page)
    expect(chat.get_by_role("textbox", name="Message")).to_be_visible()
    expect(chat.get_by_role("button", name="Start chat")).to_have_count(0)
    assert errors == []
    context.close()
