"""Issue 14 points 14, 16, 17: the admin pages (a refused form keeps what was typed, delete asks first, times
in the admin's zone); agents send files (the visitor sees and downloads them, a bad file is refused, a
stranger cannot open one); a customer's earlier chats on another browser, and the transcript by email."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, collect_console_errors, log_in, open_chat, send, visit
from tests.browser.test_widget_attachments import png
from tests.conftest import SmtpServer, mail_config

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def staff_page(
    browser: Any, site: str, email: str, password: str, **options: Any
) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport=DESKTOP, **options)
    page = context.new_page()
    errors = collect_console_errors(page)
    log_in(page, site, email, password)
    return context, page, errors


def test_admin_forms_keep_input_delete_asks_first_and_times_are_local(
    browser: Any, sites: Callable[..., str]
) -> None:
    site = sites()
    _, admin, errors = staff_page(
        browser, site, "admin@example.com", "admin", timezone_id="Asia/Tokyo", locale="en-GB"
    )
    admin.goto(site + "/livechat/admin/")
    admin.get_by_label("Shortcut").fill("Not Valid!")
    admin.get_by_label("Reply", exact=True).fill("Our opening hours are 9 to 5.")
    admin.get_by_role("button", name="Add canned response").click()
    expect(admin.get_by_role("alert").first).to_contain_text("Not saved")
    expect(admin.get_by_label("Shortcut")).to_have_value("Not Valid!")  # what was typed stays
    expect(admin.get_by_label("Reply", exact=True)).to_have_value("Our opening hours are 9 to 5.")
    expect(admin.get_by_label("Shortcut")).to_have_attribute("aria-invalid", "true")
    admin.screenshot(
        animations="disabled", path=str(IMAGES / "admin-form-error-desktop.png"), full_page=False
    )
    admin.get_by_label("Shortcut").fill("hours")
    admin.get_by_role("button", name="Add canned response").click()
    expect(admin.get_by_role("status").filter(has_text="Saved /hours.")).to_be_visible()

    admin.get_by_role("link", name="Delete /hours…").click()
    expect(admin.get_by_role("heading", name="Delete the canned response /hours?")).to_be_visible()
    admin.screenshot(animations="disabled", path=str(IMAGES / "admin-delete-confirm-desktop.png"))
    admin.get_by_role("link", name="Cancel").click()  # asking deleted nothing
    expect(admin.get_by_role("button", name="Save /hours")).to_be_visible()
    admin.get_by_role("link", name="Delete /hours…").click()
    admin.get_by_role("button", name="Delete /hours").click()
    expect(admin.get_by_role("status").filter(has_text="Deleted.")).to_be_visible()
    expect(admin.get_by_role("button", name="Save /hours")).to_have_count(0)

    # Times: in the admin's own zone (Tokyo here, UTC+9), never with fractions of a second.
    admin.goto(site + "/livechat/admin/tokens")
    admin.get_by_label("Name (what will use it)").fill("crm sync")
    admin.get_by_role("button", name="Create token").click()
    created = admin.get_by_role("table", name="API tokens").locator("time[data-localised]").first
    expect(created).to_be_visible()
    stamp = str(created.get_attribute("datetime"))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp), stamp
    utc_hour = int(stamp[11:13])
    shown = created.inner_text()
    assert "UTC" not in shown and f"{(utc_hour + 9) % 24:02d}:" in shown, (stamp, shown)
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", admin.content())
    admin.screenshot(animations="disabled", path=str(IMAGES / "admin-tokens-desktop.png"), full_page=True)
    admin.set_viewport_size(PHONE)
    admin.goto(site + "/livechat/admin/")
    admin.screenshot(animations="disabled", path=str(IMAGES / "admin-phone.png"))
    unexpected = [e for e in errors if "/livechat/admin/canned" not in e and "400 (BAD REQUEST)" not in e]
    assert unexpected == [], errors  # (the refused form answers 400, as it should)


def test_agents_send_files_the_visitor_opens_and_nobody_else_can(
    browser: Any, sites: Callable[..., str]
) -> None:
    site = sites()
    _, agent, agent_errors = staff_page(browser, site, "agent@example.com", "agent")
    agent.goto(site + "/livechat/agent/")  # on duty first, or the widget offers the leave-a-message form
    expect(agent.get_by_role("status").filter(has_text="Connected")).to_be_visible()
    visitor_context = browser.new_context(viewport=DESKTOP)
    visitor, chat, visitor_errors = visit(visitor_context, site + "/pricing")
    send(chat, "Can you send me the invoice?")
    conversations = agent.get_by_role("list", name="Conversations")
    expect(conversations).to_contain_text("Can you send me the invoice?")
    conversations.get_by_role("button").filter(has_text="Can you send me the invoice?").first.click()
    attach = agent.get_by_label("Attach a file")
    expect(attach).to_be_enabled()

    attach.set_input_files(
        {"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%invoice\n"}
    )
    link = chat.get_by_role("link", name="Download invoice.pdf")
    expect(link).to_be_visible()
    answer = visitor_context.request.get(site + str(link.get_attribute("href")))
    assert answer.status == 200 and answer.body().startswith(b"%PDF-")
    attach.set_input_files({"name": "screenshot.png", "mimeType": "image/png", "buffer": png(40, 24)})
    expect(chat.get_by_role("img", name="screenshot.png")).to_be_visible()
    expect(agent.get_by_role("img", name="screenshot.png")).to_be_visible()  # the console shows it too

    # A file that is not what its name says: refused in words the agent understands; the visitor gets nothing.
    attach.set_input_files(
        {"name": "report.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00 a program"}
    )
    expect(agent.get_by_role("alert")).to_contain_text("The file's content does not match its type.")
    expect(chat.get_by_role("log")).not_to_contain_text("report.pdf")
    agent.screenshot(animations="disabled", path=str(IMAGES / "console-agent-file-desktop.png"))
    visitor.screenshot(animations="disabled", path=str(IMAGES / "widget-agent-file-desktop.png"))

    # Another visitor with the link gets nothing.
    stranger_context = browser.new_context()
    stranger = stranger_context.new_page()
    stranger.goto(site + "/")
    refused = stranger_context.request.get(site + str(link.get_attribute("href")))
    assert refused.status == 403
    phone_context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, storage_state=visitor_context.storage_state()
    )
    phone = phone_context.new_page()
    phone.goto(site + "/pricing")
    phone_chat = open_chat(phone)
    expect(phone_chat.get_by_role("img", name="screenshot.png")).to_be_visible()
    phone.screenshot(animations="disabled", path=str(IMAGES / "widget-agent-file-phone.png"))
    refusal = [
        e for e in agent_errors if "/livechat/agent/attachments" not in e and "400 (BAD REQUEST)" not in e
    ]
    assert visitor_errors == [] and refusal == [], (visitor_errors, agent_errors)  # (the bad file: 400)


def test_a_customer_sees_earlier_chats_on_a_second_browser_and_gets_the_transcript(
    browser: Any, sites: Callable[..., str], session_smtp: SmtpServer, agents: Callable[[str], AgentSocket]
) -> None:
    site = sites(**mail_config(session_smtp))
    agent = agents(site)
    laptop = browser.new_context(viewport=DESKTOP)
    page = laptop.new_page()
    log_in(page, site, "alice@example.com", "alice")
    chat = open_chat(page)
    send(chat, "Where is my order A-12345?")
    conversation = agent.conversation_with("Where is my order A-12345?")
    agent.say(conversation, "It ships tomorrow.")
    assert agent.call("close_conversation", {"conversation_id": conversation})["ok"] is True

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)  # no cookie of ours
    alice = phone.new_page()
    errors = collect_console_errors(alice)
    log_in(alice, site, "alice@example.com", "alice")
    phone_chat = open_chat(alice)
    expect(phone_chat.get_by_role("log")).to_contain_text("Where is my order A-12345?")
    expect(phone_chat.get_by_role("log")).to_contain_text("It ships tomorrow.")

    # Someone else logged in to the site (the agent, as a visitor) and an anonymous browser see none of it.
    for who in ("agent@example.com", None):
        other = browser.new_context()
        other_page = other.new_page()
        if who:
            log_in(other_page, site, who, "agent")
        else:
            other_page.goto(site + "/")
        other_chat = open_chat(other_page)
        expect(other_chat.get_by_role("textbox", name="Message")).to_be_visible()
        expect(other_chat.get_by_role("log")).not_to_contain_text("A-12345")

    # The transcript: to the address the site verified (her login), at once.
    mailed_before = len(session_smtp.messages)
    send(phone_chat, "Please email me this chat")
    agent.conversation_with("Please email me this chat")
    phone_chat.get_by_role("button", name="Email me this chat").click()
    expect(phone_chat.get_by_role("status").filter(has_text="Sent to a•••@example.com.")).to_be_visible()
    alice.screenshot(animations="disabled", path=str(IMAGES / "widget-history-transcript-phone.png"))
    new = session_smtp.messages[mailed_before:]
    assert [r for r in session_smtp.recipients[mailed_before:]] == [["alice@example.com"]]
    assert "Please email me this chat" in str(new[0].get_body(("plain",)).get_content())
    assert new[0]["List-Unsubscribe"]
    assert errors == [], errors
