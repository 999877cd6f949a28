"""The console's main flows in real Chromium: two agents and two visitors at once."""

from __future__ import annotations

import re
from typing import Any

import socketio
from playwright.sync_api import expect

from tests.browser.conftest import (
    collect_console_errors,
    conversations_tab,
    delete_message,
    log_in,
    more_actions,
    open_chat,
    visitors_tab,
)

# Records every desktop notification the page creates (the permission is granted in the context) and every
# sound it starts.
RECORD_NOTIFICATIONS = """
(() => {
  window.__beeps = 0;
  if (window.AudioContext) {
    const createOscillator = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function () {
      window.__beeps += 1;
      return createOscillator.call(this);
    };
  }
  const Original = window.Notification;
  if (!Original) return;
  window.__notifications = [];
  class Recording extends Original {
    constructor(title, options) {
      super(title, options);
      window.__notifications.push({ title, body: (options && options.body) || "" });
    }
  }
  window.Notification = Recording;
})();
"""


def agent_page(browser: Any, base_url: str, email: str, password: str) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(permissions=["notifications"])
    context.add_init_script(RECORD_NOTIFICATIONS)
    page = context.new_page()
    errors = collect_console_errors(page)
    log_in(page, base_url, email, password)
    page.goto(base_url + "/livechat/agent/")
    expect(page.get_by_role("status").filter(has_text="Connected")).to_be_visible()
    return context, page, errors


def open_widget(page: Any) -> Any:
    return open_chat(page)


def send(chat: Any, text: str) -> None:
    chat.get_by_role("textbox", name="Message").fill(text)
    chat.get_by_role("button", name="Send").click()
    expect(chat.get_by_role("log")).to_contain_text(text)


def rate_as(context: Any, base_url: str, conversation_id: str | None, rating: int, comment: str) -> None:
    """The visitor's `rate_conversation`, sent with their browser's cookies (the widget's rating form is the
    widget work's; this is the same event)."""
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies(base_url))
    client = socketio.Client(reconnection=False)
    client.connect(base_url, namespaces=["/livechat"], headers={"Cookie": cookie}, transports=["polling"])
    try:
        payload = {"conversation_id": conversation_id, "rating": rating, "comment": comment}
        ack = client.call("rate_conversation", payload, namespace="/livechat", timeout=10)
    finally:
        client.disconnect()
    assert ack["ok"], ack


def test_two_agents_two_visitors(browser: Any, example_site: str) -> None:
    admin_context, admin, admin_errors = agent_page(browser, example_site, "admin@example.com", "admin")
    agent_context, agent, agent_errors = agent_page(browser, example_site, "agent@example.com", "agent")

    # Admin prepares a canned response on the admin page (a CSRF-protected form).
    admin.goto(example_site + "/livechat/admin/")
    admin.get_by_label("Shortcut").fill("refund")
    admin.get_by_label("Reply", exact=True).fill("Refunds take five working days.")
    admin.get_by_role("button", name="Add canned response").click()
    expect(admin.get_by_role("status").filter(has_text="Saved /refund.")).to_be_visible()
    admin.goto(example_site + "/livechat/agent/")
    expect(admin.get_by_role("status").filter(has_text="Connected")).to_be_visible()

    # Two visitors: an anonymous one on the pricing page, and Alice, logged in to the site.
    guest_context = browser.new_context()
    guest = guest_context.new_page()
    guest_errors = collect_console_errors(guest)
    guest.goto(example_site + "/pricing")
    alice_context = browser.new_context(timezone_id="Asia/Tokyo")
    alice = alice_context.new_page()
    alice_errors = collect_console_errors(alice)
    log_in(alice, example_site, "alice@example.com", "alice")
    alice.goto(example_site + "/account")
    # The widget connects when the chat is first opened (issue 3's lazy loader); agents then see who she is.
    open_widget(alice)

    # Who is on the site, live, with their context.
    visitors = visitors_tab(admin)
    # (The fixture's start-up probe of "/" is a visitor too, seen recently.)
    expect(visitors).to_contain_text("Alice Customer")
    expect(visitors).to_contain_text("Pricing · Acme Cloud")
    visitors.get_by_role("button", name=re.compile("Alice Customer")).click()
    panel = admin.get_by_role("complementary", name="Visitor details")
    customer = panel.get_by_role("definition").filter(has_text="Visa")
    expect(customer).to_have_text("Visa •••• 4242")
    expect(panel).to_contain_text("Pro")
    path = panel.get_by_role("list", name="Pages this visit").get_by_role("listitem")
    # (The middle page is titled only if its widget said hello before Alice moved on.)
    expect(path).to_have_text([re.compile("Log in"), re.compile("."), re.compile("Your account")])
    expect(panel).to_contain_text("Chrome")
    expect(panel).to_contain_text("(Asia/Tokyo)")  # her local time, from the widget's hello

    # Proactive chat: the agent invites the anonymous visitor, whose chat is loaded (they opened it once and
    # closed it again); the invitation opens their widget.
    open_widget(guest).get_by_role("button", name="Close chat").click()
    on_site = visitors_tab(agent)
    on_site.get_by_role("button", name=re.compile("Pricing")).click()
    agent_panel = agent.get_by_role("complementary", name="Visitor details")
    agent_panel.get_by_role("textbox", name="Invitation message").fill("Hi! Questions about our plans?")
    agent_panel.get_by_role("button", name="Invite to chat").click()
    expect(agent.get_by_role("log")).to_contain_text("Hi! Questions about our plans?")
    guest_chat = guest.get_by_role("dialog", name="Chat")
    expect(guest_chat).to_be_visible()  # the invitation opened it
    expect(guest_chat.get_by_role("log")).to_contain_text("Hi! Questions about our plans?")
    send(guest_chat, "Yes, is there a yearly plan?")
    expect(agent.get_by_role("log")).to_contain_text("Yes, is there a yearly plan?")

    # Alice writes: the admin is alerted (desktop notification, unread count in the title).
    alice_chat = open_widget(alice)
    send(alice_chat, "My invoice is wrong")
    conversations = conversations_tab(admin)
    expect(conversations).to_contain_text("My invoice is wrong")
    # Unread: Alice's conversation and the invited visitor's answer.
    expect(admin).to_have_title("(2) Live chat console")
    admin.wait_for_function("window.__notifications.some(n => n.body.includes('My invoice is wrong'))")
    admin.wait_for_function("window.__beeps > 0")  # the sound (the admin has clicked on the page before)

    # The agent claims Alice's chat from the queue and transfers it to the admin with a note.
    agent_list = conversations_tab(agent)
    agent.get_by_label("Show").select_option("queue")
    expect(agent_list.get_by_role("button")).to_have_count(1)
    agent_list.get_by_role("button").click()
    agent.get_by_role("button", name="Claim").click()
    expect(agent.locator("#lc-thread-status")).to_contain_text("Assigned to you")
    menu = more_actions(agent)
    menu.get_by_label("Transfer to").select_option(label="Ada Admin")
    menu.get_by_role("textbox", name="Transfer note").fill("Billing question, please check")
    menu.get_by_role("button", name="Transfer").click()
    expect(menu).to_be_hidden()  # the popover closes once it is done
    expect(admin.get_by_role("status").filter(has_text="gave you the conversation")).to_contain_text(
        "Billing question, please check"
    )
    admin.wait_for_function("window.__notifications.some(n => n.title === 'Conversation assigned to you')")
    conversations.get_by_role("button", name="Alice Customer").click()
    notes = admin.get_by_role("log").locator(".lc-msg--note")  # notes are inline in the thread
    expect(notes).to_contain_text("Billing question, please check")
    expect(admin.locator("#lc-thread-status")).to_contain_text("Assigned to you")
    expect(admin).to_have_title("(1) Live chat console")
    # The agent still has it open: the admin sees who else is viewing.
    expect(admin.locator("#lc-viewers")).to_have_text("Also viewing: Sam Agent")

    # A canned response with "/" and an internal note.
    reply = admin.get_by_role("textbox", name="Reply")
    reply.fill("/ref")
    expect(admin.get_by_role("listbox", name="Canned responses")).to_contain_text("/refund")
    reply.press("Enter")
    expect(reply).to_have_value("Refunds take five working days.")
    reply.press("Enter")
    expect(alice_chat.get_by_role("log")).to_contain_text("Refunds take five working days.")
    admin.get_by_role("radio", name="Internal note").check()
    reply.fill("VIP customer, be generous")
    reply.press("Enter")
    expect(notes.filter(has_text="VIP customer, be generous")).to_have_count(1)
    admin.get_by_role("radio", name="Reply").check()
    menu = more_actions(admin)
    menu.get_by_role("textbox", name="Tags").fill("billing, vip")
    menu.get_by_role("button", name="Save tags").click()
    expect(admin.locator("#lc-thread-status")).to_contain_text("Tags: billing, vip")

    # Moderation: a message is deleted for both sides.
    send(alice_chat, "this line is abusive")
    expect(admin.get_by_role("log")).to_contain_text("this line is abusive")
    delete_message(admin, "this line is abusive")
    expect(admin.get_by_role("log")).not_to_contain_text("this line is abusive")
    alice.reload()
    alice_chat = open_widget(alice)
    expect(alice_chat.get_by_role("log")).to_contain_text("Refunds take five working days.")
    expect(alice_chat.get_by_role("log")).not_to_contain_text("this line is abusive")
    expect(alice_chat.get_by_role("log")).not_to_contain_text("VIP customer")

    # Presence: the agent goes away; the admin sees it.
    agent.get_by_label("Status", exact=True).select_option("away")
    expect(admin.locator("#lc-agents")).to_contain_text("Sam Agent (away)")

    # Close; Alice rates the chat; the rating shows in the list, the thread and the transcript.
    alice_item = conversations.locator("li").filter(has_text="Alice Customer")
    conversation_id = alice_item.get_attribute("data-conversation-id")
    admin.get_by_role("button", name="Close chat").click()
    expect(admin.locator("#lc-thread-status")).to_contain_text("Closed")
    rate_as(alice_context, example_site, conversation_id, 5, "Quick help")
    expect(alice_item).to_contain_text("Rated 5/5 “Quick help”")
    expect(admin.locator("#lc-thread-status")).to_contain_text("Rated 5/5")
    admin.get_by_role("button", name="History").click()
    admin.get_by_label("Search transcripts").fill("invoice")
    admin.get_by_label("Filter by tag").fill("vip")
    admin.get_by_label("Filter by status").select_option("closed")
    admin.get_by_role("button", name="Search", exact=True).click()
    results = admin.get_by_role("list", name="Search results")
    expect(results.get_by_role("button")).to_have_count(1)
    results.get_by_role("button").click()
    transcript = admin.get_by_role("region", name="Transcript")
    expect(transcript).to_contain_text("Duration")
    expect(transcript).to_contain_text("Ended")
    expect(transcript.get_by_role("list", name="Pages visited")).to_contain_text("Your account")
    expect(transcript.get_by_role("list", name="Transcript messages")).to_contain_text("My invoice is wrong")
    expect(transcript).to_contain_text("Rated 5/5 “Quick help”")
    expect(transcript).not_to_contain_text("null")  # parts this transcript lacks (emails) are left out

    assert admin_errors == [] and agent_errors == [] and guest_errors == [] and alice_errors == []
    for context in (admin_context, agent_context, guest_context, alice_context):
        context.close()
