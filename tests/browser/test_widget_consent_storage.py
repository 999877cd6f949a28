"""What a real Chromium leaves in the site's tables and in its own storage before and after a privacy choice:
nothing about the person in opt-in before they accept or write (and no access to localStorage at all), and
in notice mode nothing before the widget has shown its notice."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, ClosingBrowser, load, open_chat, send, site_rows
from tests.helpers import eventually

PERSON_TABLES = (
    "livechat_visitors",
    "livechat_visits",
    "livechat_page_views",
    "livechat_visitor_connections",
    "livechat_consents",
    "livechat_conversations",
    "livechat_messages",
)
#: Records every use of the page's Web Storage, before any of our code runs.
STORAGE_SPY = """
window.__storageUse = [];
for (const name of ["getItem", "setItem", "removeItem", "key", "clear"]) {
  const original = Storage.prototype[name];
  Storage.prototype[name] = function (...args) {
    window.__storageUse.push(name + " " + String(args[0]));
    return original.apply(this, args);
  };
}
"""


def counts(site: str) -> dict[str, int]:
    return {table: len(rows) for table, rows in site_rows(site, PERSON_TABLES).items()}


def added(site: str, before: dict[str, int]) -> dict[str, int]:
    """The rows each table gained since ``before`` (a site is shared with other tests of its config)."""
    return {table: count - before[table] for table, count in counts(site).items() if count != before[table]}


def visitor_cookie(context: Any) -> bool:
    return any(cookie["name"] == "livechat_visitor" for cookie in context.cookies())


def test_opt_in_stores_nothing_and_reads_no_storage_before_accepting(
    browser: ClosingBrowser, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites(LIVECHAT_CONSENT_MODE="opt-in")
    agents(site)
    context = browser.new_context(accept_downloads=True)
    context.add_init_script(STORAGE_SPY)
    before = counts(site)
    page, errors = load(context, site + "/")
    page.goto(site + "/pricing")
    chat = open_chat(page)
    prompt = chat.get_by_role("region", name="Privacy choice")
    expect(prompt).to_contain_text("remember this browser")
    assert added(site, before) == {}
    assert page.evaluate("window.__storageUse") == []
    assert not visitor_cookie(context)

    # Writing without accepting: the least the chat needs, and still no local storage.
    send(chat, "asked without accepting")
    eventually(
        lambda: added(site, before).get("livechat_messages") == 1, message="the message was not stored"
    )
    assert set(added(site, before)) == {
        "livechat_visitors",
        "livechat_visitor_connections",
        "livechat_conversations",
        "livechat_messages",
    }
    assert page.evaluate("window.__storageUse") == []
    # Their download holds it, though no cookie names them (the page session does).
    chat.get_by_role("button", name="Your data").click()
    with page.expect_download() as downloaded:
        chat.get_by_role("link", name="Download my data").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(downloaded.value.path()).read_bytes()))
    assert "asked without accepting" in archive.read("data.json").decode()

    prompt.get_by_role("button", name="Accept").click()
    expect(prompt).to_contain_text("Saved: we\u2019ll remember this browser.")  # one line after the choice
    eventually(lambda: visitor_cookie(context), message="no visitor cookie after accepting")
    eventually(lambda: "livechat_consents" in added(site, before), message="the acceptance was not stored")
    eventually(
        lambda: any(
            use.startswith("getItem livechat:outbox") for use in page.evaluate("window.__storageUse")
        ),
        message="the outbox never opened the storage after accepting",
    )
    page.goto(site + "/")
    eventually(lambda: "livechat_page_views" in added(site, before), message="no page view after accepting")
    assert errors == []


def test_notice_mode_starts_recognition_once_the_widget_showed_the_notice(
    browser: ClosingBrowser, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites(LIVECHAT_CONSENT_MODE="notice", LIVECHAT_HOST_SHOWS_NOTICE=False)
    agents(site)
    context = browser.new_context()
    before = counts(site)
    page, errors = load(context, site + "/")
    page.goto(site + "/pricing")
    assert not visitor_cookie(context) and added(site, before) == {}  # two pages, no notice seen: nothing

    chat = open_chat(page)
    notice = chat.get_by_role("region", name="Privacy choice")
    expect(notice).to_contain_text("We remember this browser")
    eventually(lambda: visitor_cookie(context), message="recognition did not start once the notice showed")
    rows = site_rows(site, ("livechat_consents",))["livechat_consents"][before["livechat_consents"] :]
    assert [row[2] for row in rows] == ["noticed"], rows
    expect(notice).to_be_visible()  # still there, with its decline control
    page.goto(site + "/")
    eventually(lambda: "livechat_page_views" in added(site, before), message="no page view after the notice")
    assert json.dumps(errors) == "[]"


def test_a_visitor_without_an_account_corrects_their_details_in_the_widget(
    browser: ClosingBrowser, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites(LIVECHAT_CONSENT_MODE="opt-in")
    agents(site)
    context = browser.new_context()
    page, errors = load(context, site + "/")
    chat = open_chat(page)
    send(chat, "my name is wrong")  # no cookie: the page session names them
    chat.get_by_role("button", name="Your data").click()
    chat.get_by_role("button", name="Correct my details").click()
    chat.get_by_role("textbox", name="Name").fill("Ann Right")
    chat.get_by_role("textbox", name="Email").fill("not an address")
    chat.get_by_role("button", name="Save").click()
    expect(chat.get_by_text("valid email", exact=False)).to_be_visible()  # checked before sending
    chat.get_by_role("textbox", name="Email").fill("ann@example.org")
    chat.get_by_role("button", name="Save").click()
    expect(chat.get_by_role("status").filter(has_text="Your details have been corrected.")).to_be_visible()
    [visitor] = [
        row for row in site_rows(site, ("livechat_visitors",))["livechat_visitors"] if "Ann Right" in row
    ]
    assert "ann@example.org" in visitor
    assert errors == []
