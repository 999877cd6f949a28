"""Reports: the admin's reports page draws every chart under the strict CSP with Trusted Types, in the admin's
time zone, in light and dark, with no console error and no CSP violation (issue: reports, points 4 and 6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, collect_console_errors, log_in, open_chat, send

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
}, true);
"""


def test_every_chart_is_drawn_without_errors_or_violations(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites(EXAMPLE_STRICT_CSP=True, LIVECHAT_REPORTS_MIN_COUNT=1)
    # Some history: a logged-in customer (with a plan) chats and an agent answers.
    agent = agents(site)
    customer = browser.new_context()
    visitor = customer.new_page()
    log_in(visitor, site, "alice@example.com", "alice")
    visitor.goto(site + "/pricing")
    send(open_chat(visitor), "How do reports work?")
    conversation_id = agent.conversation_with("How do reports work?")
    agent.say(conversation_id, "With charts.")
    expect(visitor.get_by_role("dialog", name="Chat").get_by_role("log")).to_contain_text("With charts.")

    for scheme, zone in (("light", "Europe/Berlin"), ("dark", "America/New_York")):
        context = browser.new_context(color_scheme=scheme, timezone_id=zone)
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        errors = collect_console_errors(page)
        log_in(page, site, "admin@example.com", "admin")
        page.goto(site + "/livechat/admin/")
        page.get_by_role("link", name="Reports").click()
        # No time zone in the link: the page adopts the browser's.
        page.wait_for_url(f"**tz={zone.replace('/', '%2F')}**")
        expect(page.get_by_role("heading", name="Live chat reports")).to_be_visible()
        charts = page.locator(".lc-chart")
        expect(charts.first).to_have_attribute("data-drawn", "true")
        count = charts.count()
        assert count == 15
        for index in range(count):
            expect(charts.nth(index)).to_have_attribute("data-drawn", "true")
            assert page.evaluate(
                "(i) => { const c = document.querySelectorAll('.lc-chart canvas')[i];"
                " return c.width > 0 && c.height > 0; }",
                index,
            )
        summary = page.get_by_role("table", name="Summary")
        expect(summary.get_by_role("row", name="Chats 1", exact=True)).to_be_visible()
        expect(page.locator("#report-plans table")).to_contain_text("Pro")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert (background == "rgb(17, 24, 39)") == (scheme == "dark"), background
        # Every chart's table and its CSV are there for those who cannot see the chart.
        page.get_by_text("Table: Busiest hours (chats started)").click()
        expect(page.get_by_role("table", name="Busiest hours (chats started)")).to_be_visible()
        with page.expect_download() as download:
            page.get_by_role("link", name="Download CSV: Top pages").click()
        assert download.value.suggested_filename.startswith("livechat-top_pages-")
        assert page.evaluate("window.__violations") == []
        assert errors == []
        context.close()
    agent.close()
