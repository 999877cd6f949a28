"""The privacy issue in the widget: the consent prompt and notice, Global Privacy Control, the privacy page
link, and the visitor's own download and deletion, in real Chromium. Issue 14 point 10: the full question
or notice before the choice, then (or where nothing needs choosing) one line that can be dismissed."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, ClosingBrowser, load, open_chat, send, visit
from tests.helpers import eventually

VISITOR = "livechat_visitor"
# Sites of their own: these tests reconnect often, and the shared default site's per-IP connect limit is
# spent by the other browser tests.
OPT_IN = {"LIVECHAT_CONSENT_MODE": "opt-in"}
NOTICE = {"LIVECHAT_CONSENT_MODE": "notice"}  # the test host shows its own notice: the widget says one line
#: The line's height at most: its 12 px text wraps to two lines at the panel's 370 px for the longer texts
#: (the full question with its buttons is over 90 px).
ONE_LINE = 46


def has_visitor_cookie(context: Any) -> bool:
    return any(cookie["name"] == VISITOR for cookie in context.cookies())


def wait_for_cookie(context: Any, present: bool) -> None:
    eventually(
        lambda: has_visitor_cookie(context) == present,
        message=f"the visitor cookie is still {'missing' if present else 'there'}",
    )


Visitor = tuple[Any, Any, Any, list[str]]


@pytest.fixture
def visitor_on(
    browser: ClosingBrowser, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> Callable[..., Visitor]:
    """A new browser context on a site of ``config`` with an agent online, its chat open: (context, page,
    chat, console errors). The contexts close at the end of the test (``browser`` closes them)."""

    def start(config: dict[str, str], **context_options: Any) -> Visitor:
        site = sites(**config)
        agents(site)
        context = browser.new_context(**context_options)
        page, chat, errors = visit(context, site + "/")
        return context, page, chat, errors

    return start


def privacy_choice(chat: Any) -> Any:
    return chat.get_by_role("region", name="Privacy choice")


def one_line(region: Any) -> None:
    """The region is a single line of text (at this panel width) with its dismiss button."""
    expect(region.get_by_role("button", name="Dismiss")).to_be_visible()
    assert region.bounding_box()["height"] <= ONE_LINE, region.bounding_box()


def reopen(page: Any) -> Any:
    page.reload()
    chat = open_chat(page)
    expect(chat.get_by_role("textbox", name="Message")).to_be_visible()
    return chat


def test_opt_in_asks_first_and_accepting_keeps_the_conversation(visitor_on: Callable[..., Visitor]) -> None:
    context, page, chat, errors = visitor_on(OPT_IN)
    prompt = privacy_choice(chat)
    expect(prompt).to_contain_text("remember this browser")
    assert not has_visitor_cookie(context)

    full = prompt.bounding_box()["height"]
    assert full > ONE_LINE  # the whole question, before the choice
    send(chat, "Asked before choosing")  # chat works while the question is open
    assert not has_visitor_cookie(context)
    prompt.get_by_role("button", name="Accept").click()
    # After the choice: one line that says it is saved and where to change it, then gone when dismissed.
    expect(prompt).to_contain_text(
        "Saved: we\u2019ll remember this browser. Change it under \u201cYour data\u201d."
    )
    one_line(prompt)
    assert prompt.bounding_box()["height"] < full / 2
    prompt.get_by_role("button", name="Dismiss").click()
    expect(prompt).to_be_hidden()
    expect(chat.get_by_role("textbox", name="Message")).to_be_focused()
    wait_for_cookie(context, True)

    chat = reopen(page)
    expect(chat.get_by_role("log")).to_contain_text("Asked before choosing")
    expect(privacy_choice(chat)).to_be_hidden()
    assert errors == []


def test_opt_in_decline_keeps_chat_for_the_page_only(visitor_on: Callable[..., Visitor]) -> None:
    context, page, chat, errors = visitor_on(OPT_IN)
    prompt = privacy_choice(chat)
    prompt.get_by_role("button", name="Decline").click()
    expect(prompt).to_contain_text("Saved: this chat won\u2019t remember you.")
    send(chat, "Declined but chatting")
    assert not has_visitor_cookie(context)

    chat = reopen(page)
    expect(chat.get_by_role("log")).not_to_contain_text("Declined but chatting")
    expect(privacy_choice(chat)).to_be_hidden()  # the choice is remembered
    assert not has_visitor_cookie(context)
    assert errors == []


def test_notice_mode_shows_one_line_and_decline_stays_in_the_menu(
    visitor_on: Callable[..., Visitor],
) -> None:
    """The host shows its own notice (as the test host says): the widget's is one line, and "Stop remembering
    me" in "Your data" is the decline."""
    context, _page, chat, errors = visitor_on(NOTICE)
    assert has_visitor_cookie(context)
    notice = privacy_choice(chat)
    expect(notice).to_contain_text("We remember this browser to keep your conversation.")
    one_line(notice)
    chat.get_by_role("button", name="Your data").click()
    chat.get_by_role("button", name="Stop remembering me").click()
    expect(notice).to_be_hidden()
    wait_for_cookie(context, False)

    # Changing one's mind later: the menu (still open) now offers to remember again.
    remember = chat.get_by_role("button", name="Remember me")
    remember.click()
    wait_for_cookie(context, True)
    expect(chat.get_by_role("button", name="Stop remembering me")).to_be_visible()
    assert errors == []


def test_the_widgets_own_notice_is_full_once_then_one_line_and_dismissing_it_is_ok(
    browser: ClosingBrowser, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites(LIVECHAT_CONSENT_MODE="notice", LIVECHAT_HOST_SHOWS_NOTICE=False)
    agents(site)
    context = browser.new_context()
    page, chat, errors = visit(context, site + "/")
    notice = privacy_choice(chat)
    expect(notice.get_by_role("button", name="OK")).to_be_visible()  # the first time: in full
    expect(notice.get_by_role("button", name="Decline")).to_be_visible()
    wait_for_cookie(context, True)  # shown: recognition starts (docs/privacy.md)
    chat.get_by_role("button", name="Close chat").click()
    page.goto(site + "/pricing")
    chat = open_chat(page)
    notice = privacy_choice(chat)
    expect(notice).to_contain_text("We remember this browser")
    one_line(notice)
    notice.get_by_role("button", name="Dismiss").click()  # the notice's OK
    expect(notice).to_be_hidden()
    page.goto(site + "/")
    chat = open_chat(page)
    expect(chat.get_by_role("textbox", name="Message")).to_be_visible()
    expect(privacy_choice(chat)).to_be_hidden()
    assert has_visitor_cookie(context)
    assert errors == []


def test_global_privacy_control_means_not_remembered(visitor_on: Callable[..., Visitor]) -> None:
    context, page, chat, errors = visitor_on(NOTICE, extra_http_headers={"Sec-GPC": "1"})
    region = privacy_choice(chat)
    expect(region).to_contain_text("won\u2019t remember you")
    one_line(region)
    expect(region.get_by_role("button")).to_have_count(1)  # nothing to choose, only to dismiss
    send(chat, "Private question")
    assert not has_visitor_cookie(context)
    # Dismissed for good: the consent cookie records the decline; the widget stores nothing of its own.
    region.get_by_role("button", name="Dismiss").click()
    expect(region).to_be_hidden()
    chat = reopen(page)
    expect(privacy_choice(chat)).to_be_hidden()
    assert not has_visitor_cookie(context)
    assert page.evaluate("() => localStorage.length + sessionStorage.length") == 0
    assert errors == []


def test_privacy_link_opens_the_privacy_page_in_a_new_tab(browser: Any, sites: Callable[..., str]) -> None:
    context = browser.new_context()
    _page, chat, errors = visit(context, sites(**NOTICE) + "/")
    link = chat.get_by_role("link", name="Privacy")
    expect(link).to_have_attribute("href", "/livechat/privacy")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener")
    with context.expect_page() as opened:
        link.click()
    opened.value.wait_for_load_state()
    assert opened.value.url.endswith("/livechat/privacy")
    assert errors == []
    context.close()


def test_download_and_delete_my_data(visitor_on: Callable[..., Visitor]) -> None:
    _context, page, chat, errors = visitor_on(NOTICE, accept_downloads=True)
    send(chat, "Please keep this safe")
    mine = urljoin(page.url, "/livechat/api/my-data?format=json")
    eventually(
        lambda: "Please keep this safe" in page.request.get(mine).text(), message="the message was not stored"
    )
    chat.get_by_role("button", name="Your data").click()

    with page.expect_download() as downloaded:
        chat.get_by_role("link", name="Download my data").click()
    assert downloaded.value.suggested_filename == "my-chat-data.zip"
    archive = zipfile.ZipFile(io.BytesIO(Path(downloaded.value.path()).read_bytes()))
    document = json.loads(archive.read("data.json"))
    assert "Please keep this safe" in json.dumps(document)

    chat.get_by_role("button", name="Delete my data").click()
    expect(chat).to_contain_text("Delete your conversations and visit history now? This cannot be undone.")
    chat.get_by_role("button", name="Cancel").click()
    expect(chat.get_by_role("log")).to_contain_text("Please keep this safe")
    chat.get_by_role("button", name="Delete my data").click()
    chat.get_by_role("button", name="Yes, delete").click()
    expect(chat.get_by_role("status").filter(has_text="Your data has been deleted.")).to_be_visible()
    expect(chat.get_by_role("log")).not_to_contain_text("Please keep this safe")

    chat = reopen(page)
    expect(chat.get_by_role("log")).not_to_contain_text("Please keep this safe")
    assert (
        "Please keep this safe"
        not in page.request.get(urljoin(page.url, "/livechat/api/my-data?format=json")).text()
    )
    assert errors == []


def test_privacy_controls_speak_german(browser: Any, sites: Callable[..., str]) -> None:
    context = browser.new_context(extra_http_headers={"Accept-Language": "de"}, locale="de-DE")
    page, errors = load(context, sites(**NOTICE) + "/")
    page.get_by_role("button", name="Chat öffnen").click()
    chat = page.get_by_role("dialog", name="Chat")
    region = chat.get_by_role("region", name="Ihre Datenschutz-Einstellung")
    expect(region).to_contain_text("Wir merken uns diesen Browser")
    expect(region.get_by_role("button", name="Ausblenden")).to_be_visible()
    expect(chat.get_by_role("link", name="Datenschutz")).to_be_visible()
    assert errors == []
    context.close()
