"""A chat server at its connection cap (LIVECHAT_MAX_CONNECTIONS): the widget says the chat is very busy, in
the visitor's language, and tries again no sooner than the server's Retry-After, while the page is fine."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from flask_livechat.connection_cap import BUSY_RETRY_AFTER
from tests.browser.conftest import open_chat


def handshakes_of(page: Any) -> list[float]:
    """When the page sent each Engine.IO handshake (a Socket.IO request without a session id)."""
    sent: list[float] = []

    def seen(request: Any) -> None:
        if "/socket.io/" in request.url and "sid=" not in request.url:
            sent.append(time.monotonic())

    page.on("request", seen)
    return sent


def test_a_full_chat_server_shows_the_busy_line_and_retries_after_retry_after(
    browser: Any, sites: Callable[..., str]
) -> None:
    site = sites(LIVECHAT_MAX_CONNECTIONS=0)
    page = browser.new_page()
    sent = handshakes_of(page)
    answer = page.goto(site + "/")
    assert answer is not None and answer.status == 200  # the host's page is never refused
    chat = open_chat(page)
    expect(chat.get_by_role("status")).to_have_text("The chat is very busy right now. Trying again\u2026")
    deadline = time.monotonic() + 30
    while len(sent) < 2:
        assert time.monotonic() < deadline, f"the widget did not try again: {len(sent)} handshake(s)"
        page.wait_for_timeout(200)
    assert sent[1] - sent[0] >= BUSY_RETRY_AFTER - 0.2  # Retry-After honoured, with the backoff's jitter
    expect(chat.get_by_role("status")).to_have_text("The chat is very busy right now. Trying again\u2026")


def test_the_busy_line_is_translated(browser: Any, sites: Callable[..., str]) -> None:
    site = sites(LIVECHAT_MAX_CONNECTIONS=0, LIVECHAT_LANGUAGE="de")
    page = browser.new_page()
    page.goto(site + "/")
    page.get_by_role("button", name="Chat \u00f6ffnen").click()
    chat = page.get_by_role("dialog", name="Chat")
    expect(chat.get_by_role("status")).to_have_text("Im Chat ist gerade sehr viel los. Neuer Versuch\u2026")
