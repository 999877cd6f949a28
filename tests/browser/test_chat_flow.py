"""The whole product as people use it: a visitor asks, an agent answers, in two real browser contexts."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import collect_console_errors, log_in


def test_visitor_and_agent_chat_end_to_end(browser: Any, example_site: str) -> None:
    visitor_context = browser.new_context()
    agent_context = browser.new_context()
    visitor = visitor_context.new_page()
    agent = agent_context.new_page()
    visitor_errors = collect_console_errors(visitor)
    agent_errors = collect_console_errors(agent)

    # An agent is on duty first: with nobody online the widget offers the leave-a-message form instead.
    log_in(agent, example_site, "agent@example.com", "agent")
    agent.goto(example_site + "/livechat/agent/")
    conversations = agent.get_by_role("list", name="Conversations")
    expect(conversations).to_be_visible()

    visitor.goto(example_site + "/pricing")
    visitor.get_by_role("button", name="Open chat").click()
    chat = visitor.get_by_role("dialog", name="Chat")
    expect(chat).to_be_visible()
    chat.get_by_role("textbox", name="Message").fill("Do you offer a yearly plan?")
    chat.get_by_role("button", name="Send").click()
    expect(chat.get_by_role("log")).to_contain_text("Do you offer a yearly plan?")

    expect(conversations).to_contain_text("Do you offer a yearly plan?")
    conversations.get_by_role("button").first.click()
    expect(agent.get_by_role("log")).to_contain_text("Do you offer a yearly plan?")
    agent.get_by_role("textbox", name="Reply").fill("Yes: two months free when paid yearly.")
    agent.get_by_role("button", name="Send").click()

    expect(chat.get_by_role("log")).to_contain_text("Yes: two months free when paid yearly.")

    # A second question shows up live in the console without a reload.
    chat.get_by_role("textbox", name="Message").fill("Great, thanks!")
    chat.get_by_role("button", name="Send").click()
    expect(agent.get_by_role("log")).to_contain_text("Great, thanks!")

    # The conversation survives a page load, and the panel comes back open (issue 14, point 7).
    visitor.goto(example_site + "/")
    expect(visitor.get_by_role("dialog", name="Chat").get_by_role("log")).to_contain_text(
        "Yes: two months free when paid yearly."
    )
    assert visitor_errors == [] and agent_errors == []
    visitor_context.close()
    agent_context.close()


def test_console_sends_anonymous_users_to_the_login(browser: Any, example_site: str) -> None:
    page = browser.new_page()
    page.goto(example_site + "/livechat/agent/")
    expect(page.get_by_label("Email")).to_be_visible()
    assert "/login?next=" in page.url
    page.close()


def test_customers_get_forbidden_in_the_console(browser: Any, example_site: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    log_in(page, example_site, "alice@example.com", "alice")
    response = page.goto(example_site + "/livechat/agent/")
    assert response is not None and response.status == 403
    context.close()
