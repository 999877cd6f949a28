"""Issue 7, point 7: the widget and the console work under a strict CSP with Trusted Types, with zero
violations in Chromium, and the console sends its own policy and cannot be framed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import collect_console_errors, log_in

#: Every CSP violation the page (or any shadow root in it) reports, kept where the test can read it.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
}, true);
"""


def recording_page(browser: Any) -> tuple[Any, Any, list[str]]:
    context = browser.new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    return context, page, collect_console_errors(page)


def violations(page: Any) -> list[str]:
    found: list[str] = page.evaluate("window.__violations")
    return found


def staff_page(browser: Any, site: str, email: str, path: str) -> tuple[Any, Any, list[str]]:
    """A logged-in staff member's page at ``path``, after checking it came with the strict policy."""
    context, page, errors = recording_page(browser)
    log_in(page, site, email, email.split("@")[0])
    response = page.goto(site + path)
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "trusted-types livechat" in policy
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert response.headers["x-frame-options"] == "DENY"
    return context, page, errors


def test_widget_and_console_work_under_a_strict_policy_with_trusted_types(
    browser: Any, sites: Callable[..., str]
) -> None:
    site = sites(EXAMPLE_STRICT_CSP=True)
    agent_context, agent, agent_errors = staff_page(browser, site, "agent@example.com", "/livechat/agent/")
    expect(agent.get_by_role("status").filter(has_text="Connected")).to_be_visible()

    visitor_context, visitor, visitor_errors = recording_page(browser)
    host = visitor.goto(site + "/pricing")
    host_policy = host.headers["content-security-policy"]
    assert "require-trusted-types-for 'script'" in host_policy and "'unsafe-inline'" not in host_policy
    visitor.get_by_role("button", name="Open chat").click()
    chat = visitor.get_by_role("dialog", name="Chat")
    expect(chat).to_be_visible()
    chat.get_by_role("textbox", name="Message").fill("Is CSP a problem for you?")
    chat.get_by_role("button", name="Send", exact=True).click()
    expect(chat.get_by_role("log")).to_contain_text("Is CSP a problem for you?")

    # Listing, joining and replying in the console.
    conversations = agent.get_by_role("list", name="Conversations")
    expect(conversations).to_contain_text("Is CSP a problem for you?")
    conversations.get_by_role("button").filter(has_text="Is CSP a problem for you?").click()
    expect(agent.get_by_role("log")).to_contain_text("Is CSP a problem for you?")
    agent.get_by_role("textbox", name="Reply").fill("Not at all.")
    agent.get_by_role("button", name="Send").click()
    expect(chat.get_by_role("log")).to_contain_text("Not at all.")
    expect(agent.get_by_role("log")).to_contain_text("Not at all.")
    # The emoji picker's own bundle, loaded on demand through the loader's Trusted Types policy.
    chat.get_by_role("button", name="Emoji").click()
    chat.get_by_role("dialog", name="Emoji").get_by_role("button", name="\U0001f600").click()
    chat.get_by_role("button", name="Send", exact=True).click()
    expect(agent.get_by_role("log")).to_contain_text("\U0001f600")

    assert violations(visitor) == [] and violations(agent) == []
    assert visitor_errors == [] and agent_errors == []
    visitor_context.close()
    agent_context.close()


def test_admin_page_sends_the_strict_policy_without_violations(
    browser: Any, sites: Callable[..., str]
) -> None:
    site = sites(EXAMPLE_STRICT_CSP=True)
    context, page, errors = staff_page(browser, site, "admin@example.com", "/livechat/admin/")
    expect(page.get_by_role("button", name="Add canned response")).to_be_visible()
    assert violations(page) == [] and errors == []
    context.close()


def test_the_console_cannot_be_framed(browser: Any, sites: Callable[..., str]) -> None:
    """Even a page of the site itself (so the login cookie goes along) cannot frame the console."""
    site = sites(EXAMPLE_STRICT_CSP=True)
    context = browser.new_context()
    page = context.new_page()
    log_in(page, site, "agent@example.com", "agent")
    page.route(
        site + "/framer",
        lambda route: route.fulfill(
            content_type="text/html", body=f'<iframe src="{site}/livechat/agent/"></iframe>'
        ),
    )
    page.goto(site + "/framer")
    page.wait_for_load_state("load")
    framed = page.frames[1]
    # Blocked by frame-ancestors / X-Frame-Options: Chromium puts its own error page in the frame.
    assert framed.url.startswith("chrome-error://"), framed.url
    context.close()
