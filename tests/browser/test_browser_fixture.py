"""The per-test ``browser`` fixture: what a test opens is closed at its end, even after a failure."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import ClosingBrowser


def test_everything_a_test_opened_is_closed_even_when_it_failed(chromium: Any) -> None:
    before = len(chromium.contexts)
    opener = ClosingBrowser(chromium)
    with pytest.raises(AssertionError):
        try:
            context = opener.new_context()
            context.new_page()
            opener.new_page()  # a page in a context of its own
            assert len(chromium.contexts) == before + 2
            raise AssertionError("the test failed here")
        finally:
            opener.close_all()  # what the fixture does in its finally
    assert len(chromium.contexts) == before


def test_browser_tests_carry_the_browser_marker(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("browser") is not None
