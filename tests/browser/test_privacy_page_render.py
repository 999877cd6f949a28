"""The privacy page in a real Chromium, wide and on a phone: headings, the table of categories readable (one
card per category on a phone, no sideways scrolling), no console error, and axe-core finds no serious or
critical violation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import collect_console_errors


def test_the_privacy_page_reads_well_wide_and_narrow(
    browser: Any, sites: Callable[..., str], widget_node_modules: Path
) -> None:
    site = sites()
    for width, height in ((1366, 768), (390, 844)):
        # bypass_csp: axe is added as a script, which the page's strict CSP (rightly) refuses.
        context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
        page = context.new_page()
        errors = collect_console_errors(page)
        page.goto(site + "/livechat/privacy")
        expect(page.get_by_role("heading", name="Live chat privacy", level=1)).to_be_visible()
        for heading in ("Who is responsible", "What we store, why, and for how long", "Your rights"):
            expect(page.get_by_role("heading", name=heading, level=2)).to_be_visible()
        controller = page.locator("#controller")
        expect(controller).to_contain_text("The controller of the chat's data is Example Shop Ltd (demo)")
        row = page.get_by_role("row", name="Your messages")
        expect(row).to_contain_text("Deleted 365 days after their last activity")
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing runs off the side
        if width < 500:  # each category is a card with its labels
            assert page.evaluate(
                "getComputedStyle(document.querySelector('#data-messages td'), '::before').content"
            ).startswith('"What')
        page.add_script_tag(path=str(widget_node_modules / "axe-core" / "axe.min.js"))
        result = page.evaluate("() => axe.run(document)")
        assert result["passes"], "axe checked nothing"
        serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == [], serious
        assert errors == []
        context.close()


def test_the_german_privacy_page_fits_wide_and_narrow(browser: Any, sites: Callable[..., str]) -> None:
    """German's long words (and a cookie name in a three-column table) on a phone: nothing runs off the side
    or past the text column, and each category is a full-width card."""
    site = sites()
    for width, height in ((1366, 768), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="de-DE")
        page = context.new_page()
        page.goto(site + "/livechat/privacy")
        expect(page.get_by_role("heading", name="Datenschutz im Live-Chat", level=1)).to_be_visible()
        assert page.evaluate("document.documentElement.lang") == "de"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        past = page.evaluate(
            """() => { const main = document.querySelector('main').getBoundingClientRect().right;
                return [...document.querySelectorAll('main *')]
                    .filter(e => e.getBoundingClientRect().right > main + 1).map(e => e.tagName); }"""
        )
        assert past == []
        if width < 500:
            card = page.locator("#data-messages").bounding_box()
            assert card and card["width"] > width * 0.8
        context.close()
