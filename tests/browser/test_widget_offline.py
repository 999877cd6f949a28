"""Point 5: with nobody online, or outside business hours, the panel says so with the reply time and offers a
leave-a-message form; the message becomes a conversation for agents and a mail over real SMTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, visit
from tests.conftest import SmtpServer, mail_config


def test_leave_a_message_when_nobody_is_online(
    browser: Any, sites: Callable[..., str], session_smtp: SmtpServer, agents: Callable[[str], AgentSocket]
) -> None:
    site = sites(**mail_config(session_smtp), LIVECHAT_REPLY_TIME=4 * 60 * 60)
    mailed_before = len(session_smtp.messages)  # the SMTP server is shared by the session's tests
    page, chat, errors = visit(browser, site + "/")
    expect(chat).to_contain_text("No one is online right now.")
    expect(chat).to_contain_text("We usually reply within 4 hours.")
    expect(chat.get_by_role("textbox", name="Name")).to_be_focused()  # the form's first field
    form_button = chat.get_by_role("button", name="Leave a message")
    form_button.click()
    expect(chat.get_by_text("Please fill in Name.")).to_be_visible()
    expect(chat.get_by_role("textbox", name="Name")).to_be_focused()
    chat.get_by_role("textbox", name="Name").fill("Grace Hopper")
    chat.get_by_role("textbox", name="Email").fill("grace@")
    chat.get_by_role("textbox", name="Message").fill("Can you call me back tomorrow?")
    form_button.click()
    expect(chat.get_by_text("Please enter a valid email address.")).to_be_visible()
    assert session_smtp.messages[mailed_before:] == []  # a refused form sends nothing
    chat.get_by_role("textbox", name="Email").fill("grace@example.org")
    form_button.click()
    expect(chat.get_by_role("status")).to_contain_text("Thanks! We got your message")
    expect(chat.get_by_role("log")).to_contain_text("Can you call me back tomorrow?")

    [mail] = [m for m in session_smtp.messages if "Grace Hopper" in m["Subject"]]
    assert mail["Reply-To"] == "grace@example.org" and mail["To"] == "support@example.com"
    assert "Can you call me back tomorrow?" in mail.get_content()
    # Agents find it as a conversation with the visitor's name and address.
    agent = agents(site)
    hello = agent.call("hello", {})
    [conversation] = [c for c in hello["conversations"] if c["visitor"]["email"] == "grace@example.org"]
    assert conversation["visitor"]["name"] == "Grace Hopper"
    assert conversation["last_message"]["body"] == "Can you call me back tomorrow?"
    assert errors == []
    page.close()


def test_outside_business_hours_the_panel_says_so_even_with_agents_online(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites(LIVECHAT_BUSINESS_HOURS={"timezone": "UTC"})  # no opening hours at all
    agents(site)
    page, chat, _ = visit(browser, site + "/")
    expect(chat).to_contain_text("outside our opening hours")
    expect(chat).to_contain_text("We usually reply within a day.")
    expect(chat.get_by_role("button", name="Leave a message")).to_be_visible()
    page.close()
