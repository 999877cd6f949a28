"""Another site's page cannot change a visitor's consent or clear their data through their browser.

The example site runs on http://127.0.0.1:<port>; the attacker's page is served from
http://localhost:<other port>, a different site for SameSite and for Sec-Fetch-Site. The attacker fetched a
CSRF token of their own from the privacy page first (anyone can), so what stops them is the same-origin check
and the token's binding to the victim's session, not a missing token.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.conftest import free_port

OPT_IN = {"LIVECHAT_CONSENT_MODE": "opt-in"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
REFUSAL = "came from another site"


class AttackerSite:
    """A page on another origin whose HTML the test sets (``pages[path] = html``)."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path, "not here").encode()
                self.send_response(200 if self.path in pages else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://localhost:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def attacker() -> Iterator[AttackerSite]:
    site = AttackerSite()
    yield site
    site.close()


def attackers_token(site: str) -> str:
    """What anyone gets by loading the privacy page: a token of their own session."""
    match = TOKEN.search(requests.get(site + "/livechat/privacy", timeout=10).text)
    assert match is not None
    return match.group(1)


def auto_submit(action: str, fields: dict[str, str]) -> str:
    inputs = "".join(f'<input type="hidden" name="{name}" value="{value}">' for name, value in fields.items())
    return (
        f'<!doctype html><title>Win a prize</title><form method="post" action="{action}">{inputs}</form>'
        "<script>document.forms[0].submit()</script>"
    )


def cookies_of(context: Any) -> dict[str, str]:
    return {
        cookie["name"]: cookie["value"] for cookie in context.cookies() if "127.0.0.1" in cookie["domain"]
    }


def my_data(site: str, context: Any) -> dict[str, Any]:
    answer = requests.get(site + "/livechat/api/my-data?format=json", cookies=cookies_of(context), timeout=10)
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json()
    return document


def test_a_cross_site_form_cannot_flip_consent_to_accepted(
    browser: Any, sites: Callable[..., str], attacker: AttackerSite
) -> None:
    site = sites(**OPT_IN)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(site + "/livechat/privacy")
        page.get_by_role("button", name="Do not recognise me").click()
        expect(page.get_by_text("we do not recognise you between visits")).to_be_visible()
        before = cookies_of(context)
        assert "livechat_consent" in before and "livechat_visitor" not in before

        token = attackers_token(site)
        attacker.pages["/consent"] = auto_submit(
            site + "/livechat/privacy/consent", {"choice": "accepted", "csrf_token": token}
        )
        with page.expect_response(site + "/livechat/privacy/consent") as posted:
            page.goto(attacker.url + "/consent")
        assert posted.value.status == 403
        assert REFUSAL in posted.value.text()

        assert cookies_of(context) == before  # no visitor cookie, the consent cookie still says declined
        page.goto(site + "/livechat/privacy")
        expect(page.get_by_text("we do not recognise you between visits")).to_be_visible()
    finally:
        context.close()


def test_cross_site_forms_and_fetches_cannot_delete_a_visitors_data(
    browser: Any, sites: Callable[..., str], attacker: AttackerSite
) -> None:
    site = sites(**OPT_IN)
    context = browser.new_context()
    try:
        page = context.new_page()
        statuses: dict[str, int] = {}
        context.on(
            "response",
            lambda response: (
                statuses.__setitem__(response.url, response.status)
                if response.request.method == "POST"
                else None
            ),
        )
        page.goto(site + "/livechat/privacy")
        page.get_by_role("button", name="Allow recognition").click()
        expect(page.get_by_text("we recognise you as a returning visitor")).to_be_visible()
        page.goto(site + "/")  # a page view with the cookie: data to delete
        before = cookies_of(context)
        assert "livechat_visitor" in before
        assert len(my_data(site, context)["visitors"]) == 1

        token = attackers_token(site)
        # Scripts too: a no-cors fetch (a "simple" request, no preflight) to each JSON twin, with cookies.
        fetches = "".join(
            f"fetch('{site}{path}', {{method: 'POST', mode: 'no-cors', credentials: 'include', "
            f"headers: {{'Content-Type': 'text/plain'}}, body: '{body}'}});"
            for path, body in (
                ("/livechat/api/my-data/delete", '{"confirm": true}'),
                ("/livechat/api/consent", '{"choice": "declined"}'),
                ("/livechat/api/page-views", f'{{"url": "{site}/planted-by-attacker"}}'),
            )
        )
        attacker.pages["/fetch"] = f"<!doctype html><title>Cats</title><script>{fetches}</script>"
        attacker.pages["/delete"] = auto_submit(
            site + "/livechat/privacy/delete", {"confirm": "yes", "csrf_token": token}
        )
        page.goto(attacker.url + "/fetch")
        for path in ("/livechat/api/my-data/delete", "/livechat/api/consent", "/livechat/api/page-views"):
            expect_status(page, statuses, site + path, 403)
        with page.expect_response(site + "/livechat/privacy/delete") as posted:
            page.goto(attacker.url + "/delete")
        assert posted.value.status == 403
        assert REFUSAL in posted.value.text()

        assert cookies_of(context) == before
        assert len(my_data(site, context)["visitors"]) == 1
        assert "planted-by-attacker" not in str(my_data(site, context))
        page.goto(site + "/livechat/privacy")
        expect(page.get_by_text("we recognise you as a returning visitor")).to_be_visible()
        expect(page.get_by_role("button", name="Delete my data")).to_be_visible()
    finally:
        context.close()


def expect_status(page: Any, statuses: dict[str, int], url: str, status: int) -> None:
    """Waits for the answer to a request the page made (Playwright delivers events while it waits)."""
    deadline = time.monotonic() + 10
    while url not in statuses:
        assert time.monotonic() < deadline, f"no answer from {url}: {statuses}"
        page.wait_for_timeout(50)
    assert statuses[url] == status, (url, statuses[url])
