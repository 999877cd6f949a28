"""Point 5 and issue 14 point 9: with nobody online, or outside business hours, the panel is one
form that says so, with the reply time; its button stays in view (on a phone, in a short panel); once sent,
the panel says what happens next instead of offering a live chat nobody reads. The message becomes a
conversation for agents and a mail over real SMTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, fully_visible_in, visit
from tests.conftest import SmtpServer, mail_config

PHONE = {"width": 390, "height": 844}


def test_leave_a_message_when_nobody_is_online(
    browser: Any, sites: Callable[..., str], session_smtp: SmtpServer, agents: Callable[[str], AgentSocket]
) -> None:
    site = sites(**mail_config(session_smtp), LIVECHAT_REPLY_TIME=4 * 60 * 60)
    mailed_before = len(session_smtp.messages)  # the SMTP server is shared by the session's tests
    page, chat, errors = visit(browser.new_context(viewport=PHONE, is_mobile=True), site + "/")
    expect(chat.get_by_role("heading", name="No one is online right now.")).to_be_visible()
    expect(chat).to_contain_text("Leave a message and we\u2019ll get back to you by email.")
    expect(chat).to_contain_text("We usually reply within 4 hours.")
    # One message, not three: no second "no one is online" line, no "we'll reply right here" greeting.
    expect(chat.get_by_text("No one is online right now.")).to_have_count(1)
    expect(chat.get_by_text("reply right here")).to_be_hidden()
    expect(chat.get_by_role("textbox", name="Name")).to_be_focused()  # the form's first field
    form_button = chat.get_by_role("button", name="Leave a message")
    assert fully_visible_in(chat, form_button)  # on a phone, without scrolling
    form_button.click()
    expect(chat.get_by_text("Please fill in Name.")).to_be_visible()
    expect(chat.get_by_role("textbox", name="Name")).to_be_focused()
    chat.get_by_role("textbox", name="Name").fill("Grace Hopper")
    chat.get_by_role("textbox", name="Email").fill("grace@")
    chat.get_by_role("textbox", name="Message").fill("Can you call me back tomorrow?")
    # A short panel (a small laptop window): the fields scroll, the button stays in view.
    page.set_viewport_size({"width": 1366, "height": 460})
    assert chat.bounding_box()["height"] < 360
    assert fully_visible_in(chat, form_button)
    page.set_viewport_size(PHONE)
    form_button.click()
    expect(chat.get_by_text("Please enter a valid email address.")).to_be_visible()
    assert session_smtp.messages[mailed_before:] == []  # a refused form sends nothing
    chat.get_by_role("textbox", name="Email").fill("grace@example.org")
    form_button.click()

    # Sent: what happens next, and no live composer while nobody is there to read it.
    sent = chat.get_by_role("status").filter(has_text="Thanks! We got your message.")
    expect(sent).to_contain_text(
        "We\u2019ll reply by email to grace@example.org. We usually reply within 4 hours."
    )
    expect(chat.get_by_role("log")).to_contain_text("Can you call me back tomorrow?")
    expect(chat.get_by_role("textbox")).to_have_count(0)
    expect(chat.get_by_role("button", name="End chat")).to_be_hidden()
    chat.get_by_role("button", name="Send another message").click()
    expect(chat.get_by_role("textbox", name="Email")).to_have_value("grace@example.org")

    [mail] = [m for m in session_smtp.messages if "Grace Hopper" in m["Subject"]]
    assert mail["Reply-To"] == "grace@example.org" and mail["To"] == "support@example.com"
    assert "Can you call me back tomorrow?" in mail.get_content()

    # The next page still says it is sent (the address is not kept in the browser), until someone is online.
    page.reload()
    chat = page.get_by_role("dialog", name="Chat")  # it comes back open (the tab remembers)
    expect(chat.get_by_role("status").filter(has_text="Thanks! We got your message.")).to_contain_text(
        "We\u2019ll reply by email."
    )
    expect(chat.get_by_role("textbox")).to_have_count(0)
    # Agents find it as a conversation with the visitor's name and address; once one is online the
    # conversation is a live chat again.
    agent = agents(site)
    hello = agent.call("hello", {})
    [conversation] = [c for c in hello["conversations"] if c["visitor"]["email"] == "grace@example.org"]
    assert conversation["visitor"]["name"] == "Grace Hopper"
    assert conversation["last_message"]["body"] == "Can you call me back tomorrow?"
    expect(chat.get_by_role("textbox", name="Message")).to_be_visible()
    expect(chat.get_by_text("Thanks! We got your message.")).to_have_count(0)
    assert errors == []
    page.close()


def test_outside_business_hours_the_panel_says_so_even_with_agents_online(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites(LIVECHAT_BUSINESS_HOURS={"timezone": "UTC"})  # no opening hours at all
    agents(site)
    page, chat, _ = visit(browser, site + "/")
    closed = chat.get_by_role("heading", name="We\u2019re outside our opening hours right now.")
    expect(closed).to_be_visible()
    expect(chat).to_contain_text("We usually reply within a day.")
    # Without mail set up the form promises no email, and the sent state says where the reply will be.
    expect(chat).to_contain_text("Leave a message and we\u2019ll get back to you.")
    chat.get_by_role("textbox", name="Name").fill("Ada")
    chat.get_by_role("textbox", name="Email").fill("ada@example.org")
    chat.get_by_role("textbox", name="Message").fill("After hours question")
    chat.get_by_role("button", name="Leave a message").click()
    expect(chat.get_by_role("status").filter(has_text="Thanks! We got your message.")).to_contain_text(
        "Our reply will be waiting here in the chat when you come back."
    )
    expect(chat.get_by_role("textbox")).to_have_count(0)
    page.close()
