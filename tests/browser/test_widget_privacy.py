"""The privacy issue in the widget: the consent prompt and notice, Global Privacy Control, the privacy page
link, and the visitor's own download and deletion, in real Chromium."""

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
NOTICE = {"LIVECHAT_CONSENT_MODE": "notice"}


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

    send(chat, "Asked before choosing")  # chat works while the question is open
    assert not has_visitor_cookie(context)
    prompt.get_by_role("button", name="Accept").click()
    expect(prompt).to_be_hidden()
    wait_for_cookie(context, True)

    chat = reopen(page)
    expect(chat.get_by_role("log")).to_contain_text("Asked before choosing")
    expect(privacy_choice(chat)).to_be_hidden()
    assert errors == []


def test_opt_in_decline_keeps_chat_for_the_page_only(visitor_on: Callable[..., Visitor]) -> None:
    context, page, chat, errors = visitor_on(OPT_IN)
    prompt = privacy_choice(chat)
    prompt.get_by_role("button", name="Decline").click()
    expect(prompt).to_be_hidden()
    send(chat, "Declined but chatting")
    assert not has_visitor_cookie(context)

    chat = reopen(page)
    expect(chat.get_by_role("log")).not_to_contain_text("Declined but chatting")
    expect(privacy_choice(chat)).to_be_hidden()  # the choice is remembered
    assert not has_visitor_cookie(context)
    assert errors == []


def test_notice_mode_shows_a_notice_and_decline_removes_the_cookie(
    visitor_on: Callable[..., Visitor],
) -> None:
    context, _page, chat, errors = visitor_on(NOTICE)
    assert has_visitor_cookie(context)
    notice = privacy_choice(chat)
    expect(notice).to_contain_text("We remember this browser to keep your conversation.")
    expect(notice.get_by_role("button", name="OK")).to_be_visible()
    notice.get_by_role("button", name="Decline").click()
    expect(notice).to_be_hidden()
    wait_for_cookie(context, False)

    # Changing one's mind later: the menu now offers to remember again.
    chat.get_by_role("button", name="Your data").click()
    remember = chat.get_by_role("button", name="Remember me")
    remember.click()
    wait_for_cookie(context, True)
    expect(chat.get_by_role("button", name="Stop remembering me")).to_be_visible()
    assert errors == []


def test_global_privacy_control_means_not_remembered(visitor_on: Callable[..., Visitor]) -> None:
    context, _page, chat, errors = visitor_on(NOTICE, extra_http_headers={"Sec-GPC": "1"})
    region = privacy_choice(chat)
    expect(region).to_contain_text("won\u2019t remember you")
    expect(region.get_by_role("button")).to_have_count(0)
    send(chat, "Private question")
    assert not has_visitor_cookie(context)
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
    region = chat.get_by_role("region", name="Datenschutz-Auswahl")
    expect(region).to_contain_text("Wir merken uns diesen Browser")
    expect(region.get_by_role("button", name="Ablehnen")).to_be_visible()
    expect(chat.get_by_role("link", name="Datenschutz")).to_be_visible()
    assert errors == []
    context.close()
