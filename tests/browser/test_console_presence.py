"""Presence in real browsers: one agent's status is the same in all their tabs and drives the widget."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import log_in, open_chat, visitors_tab

OFFLINE = "No one is online right now"


def widget_status(page: Any, base_url: str, path: str = "/pricing") -> Any:
    page.goto(base_url + path)
    return open_chat(page)  # says OFFLINE (and offers a form) when nobody is online


def expect_online(visitor: Any, console: Any, base_url: str) -> None:
    """The widget's hello on the home page has been answered (the console shows the visitor has moved there
    from the pricing page), without the offline notice."""
    status = widget_status(visitor, base_url, "/")
    visitors = visitors_tab(console)
    moved = visitors.get_by_role("button").filter(has_text="Online").filter(has_not_text="Pricing")
    expect(moved).to_have_count(1)
    expect(status).not_to_contain_text(OFFLINE)


def test_presence_across_tabs_drives_the_widget(browser: Any, example_site: str) -> None:
    visitor_context = browser.new_context()
    visitor = visitor_context.new_page()
    expect(widget_status(visitor, example_site)).to_contain_text(OFFLINE)

    agent_context = browser.new_context()
    tab1 = agent_context.new_page()
    log_in(tab1, example_site, "agent@example.com", "agent")
    tab1.goto(example_site + "/livechat/agent/")
    tab2 = agent_context.new_page()
    tab2.goto(example_site + "/livechat/agent/")
    for tab in (tab1, tab2):
        expect(tab.locator("#lc-agents")).to_contain_text("Sam Agent (online)")
    expect_online(visitor, tab1, example_site)

    # Away in one tab is away in both, and the widget offers to leave a message.
    tab1.get_by_label("Status", exact=True).select_option("away")
    expect(tab2.get_by_label("Status", exact=True)).to_have_value("away")
    expect(tab2.locator("#lc-agents")).to_contain_text("Sam Agent (away)")
    expect(widget_status(visitor, example_site)).to_contain_text(OFFLINE)

    tab2.get_by_label("Status", exact=True).select_option("online")
    expect(tab1.get_by_label("Status", exact=True)).to_have_value("online")
    expect_online(visitor, tab1, example_site)

    # Closing every tab makes the agent offline.
    tab1.close()
    tab2.close()
    expect(widget_status(visitor, example_site)).to_contain_text(OFFLINE)
    agent_context.close()
    visitor_context.close()
