"""Issue 14, point 3: a visitor who only browses (chat never opened) is online in the console, with Invite,
while their page is open, and offline soon after they leave; the loader's check-in is the heartbeat."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import ClosingBrowser, collect_console_errors, log_in, visitors_tab
from tests.helpers import eventually

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def shoot(page: Any, name: str) -> None:
    """docs/widget.md's screenshots, written with LIVECHAT_DOC_SCREENSHOTS=1."""
    if os.environ.get("LIVECHAT_DOC_SCREENSHOTS") == "1":
        page.screenshot(animations="disabled", path=str(IMAGES / name))


# A short presence timeout, so "offline soon after leaving" takes seconds here (60 s by default).
BROWSING = {"LIVECHAT_INVITATION_CHECK_SECONDS": 1, "LIVECHAT_PRESENCE_TIMEOUT": 3}


def test_a_visitor_who_only_browses_is_online_with_invite_until_they_leave(
    browser: ClosingBrowser, sites: Callable[..., str]
) -> None:
    site = sites(**BROWSING)
    console = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    log_in(console, site, "agent@example.com", "agent")
    console.goto(site + "/livechat/agent/")
    expect(console.locator("#lc-agents")).to_contain_text("Sam Agent (online)")

    visitor = browser.new_context().new_page()
    errors = collect_console_errors(visitor)
    check_ins: list[str] = []
    visitor.on("request", lambda r: check_ins.append(r.url) if "/widget/pending" in r.url else None)
    visitor.goto(site + "/pricing")
    expect(visitor.get_by_role("button", name="Open chat")).to_be_visible()
    listed = visitors_tab(console).get_by_role("button")
    browsing = listed.filter(has_text="Pricing")
    expect(browsing).to_have_count(1)
    expect(browsing).to_contain_text("Online")
    browsing.click()
    expect(console.get_by_role("button", name="Invite to chat")).to_be_visible()
    # Still online after more heartbeats than the presence timeout lasts, the chat never loaded.
    seen = len(check_ins)
    eventually(
        lambda: len(check_ins) >= seen + 5,
        message=lambda: f"only {len(check_ins)} check-ins",
        sleep=lambda seconds: visitor.wait_for_timeout(seconds * 1000),  # Playwright's events come in there
    )
    expect(browsing).to_contain_text("Online")
    shoot(console, "console-browsing-visitor-desktop.png")
    # On a phone the visitor's details are a pane of their own, Invite included (issue 14, point 19).
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(phone, site, "agent@example.com", "agent")
    phone.goto(site + "/livechat/agent/")
    visitors_tab(phone).get_by_role("button").filter(has_text="Pricing").click()
    expect(phone.get_by_role("button", name="Invite to chat")).to_be_visible()
    assert phone.evaluate("() => document.scrollingElement.scrollWidth") <= 390
    shoot(phone, "console-browsing-visitor-phone.png")
    phone.close()
    assert visitor.evaluate("() => [...document.scripts].some(s => s.src.includes('/widget.js'))") is False

    visitor.close()
    expect(browsing).to_contain_text("Seen")
    expect(console.get_by_role("button", name="Invite to chat")).to_have_count(0)
    assert errors == []
