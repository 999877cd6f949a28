"""Cross-site requests on a real server: every state-changing route of ours refuses another site's page, the
same requests from our own origin (or one in LIVECHAT_ALLOWED_ORIGINS) get through, and a form token works
only in the browser session it was made for.

Driven by the url_map: a new POST route of any of our blueprints is covered without anyone listing it.
"""

from __future__ import annotations

import re

import pytest
import requests
from flask import Flask

from flask_livechat.state import LiveChatState
from tests.conftest import LiveServer
from tests.helpers import every_row

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
CROSS_SITE = (
    {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    {"Origin": "https://evil.example"},  # a browser without Fetch Metadata
    {"Origin": "null", "Sec-Fetch-Site": "cross-site"},  # a sandboxed frame or a redirect chain
    {"Origin": "https://shop.127.0.0.1.example", "Sec-Fetch-Site": "same-site"},  # a sibling subdomain
)


#: Routes whose URL is their credential, open to any site (docs/security.md): RFC 8058 one-click unsubscribe.
ANY_SITE = {"livechat_privacy.unsubscribe"}


def our_state_changing_routes(app: Flask) -> list[tuple[str, str]]:
    routes = []
    exempt = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions[rule.endpoint], "livechat_any_site", False)
    }
    assert exempt == ANY_SITE, "a new route open to any site must be argued for in docs/security.md"
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ANY_SITE:
            continue
        if rule.endpoint.split(".")[0] in ("livechat", "livechat_privacy", "livechat_widget"):
            for method in sorted((rule.methods or set()) & STATE_CHANGING):
                path = re.sub(r"<int:[^>]+>", "1", rule.rule)
                routes.append((method, re.sub(r"<[^>]+>", "x", path)))
    return routes


def logged_in_session(server: LiveServer, user: str = "bob") -> requests.Session:
    http = requests.Session()
    http.get(f"{server.url}/login-as/{user}", timeout=5)
    http.get(server.url + "/", timeout=5)
    http.get(server.url + "/", timeout=5)  # the second view, with the cookie: a visitor row
    return http


def test_every_state_changing_route_refuses_other_sites(
    app: Flask, live_server: LiveServer, livechat: LiveChatState
) -> None:
    routes = our_state_changing_routes(app)
    paths = {path for _, path in routes}
    assert {
        "/livechat/privacy/consent",
        "/livechat/privacy/delete",
        "/livechat/api/consent",
        "/livechat/api/my-data/delete",
        "/livechat/api/attachments",
        "/livechat/api/offline-messages",
        "/livechat/admin/canned",
        "/livechat/admin/privacy/erase",
    } <= paths
    http = logged_in_session(live_server)
    token = TOKEN.search(http.get(live_server.url + "/livechat/privacy", timeout=5).text)
    assert token is not None
    before = every_row(livechat)
    for method, path in routes:
        for headers in CROSS_SITE:
            answer = http.request(
                method,
                live_server.url + path,
                data={"csrf_token": token.group(1), "choice": "accepted", "confirm": "yes"},
                headers=headers,
                timeout=5,
            )
            assert answer.status_code == 403, (method, path, headers, answer.status_code)
            assert "came from another site" in answer.text, (path, answer.text)
            assert "set-cookie" not in answer.headers, (path, answer.headers)
    assert every_row(livechat) == before


def test_our_own_pages_get_through(live_server: LiveServer) -> None:
    http = logged_in_session(live_server, "carol")
    for headers in (
        {"Origin": live_server.url, "Sec-Fetch-Site": "same-origin"},
        {"Origin": live_server.url},
        {},
    ):
        answer = http.post(
            live_server.url + "/livechat/api/consent", json={"choice": "accepted"}, headers=headers, timeout=5
        )
        assert answer.status_code == 200, (headers, answer.text)


@pytest.mark.livechat_config(LIVECHAT_ALLOWED_ORIGINS=["https://shop.example"])
def test_allowed_origins_may_post(live_server: LiveServer) -> None:
    http = logged_in_session(live_server, "carol")
    allowed = {"Origin": "https://shop.example", "Sec-Fetch-Site": "cross-site"}
    answer = http.post(
        live_server.url + "/livechat/api/consent", json={"choice": "declined"}, headers=allowed
    )
    assert answer.status_code == 200, answer.text
    other = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    assert (
        http.post(
            live_server.url + "/livechat/api/consent", json={"choice": "declined"}, headers=other
        ).status_code
        == 403
    )


def test_a_form_token_works_only_in_the_session_it_was_made_for(
    live_server: LiveServer, livechat: LiveChatState
) -> None:
    """No Origin at all (not a browser page): the token alone decides, and the attacker's own is refused."""
    attacker, victim = requests.Session(), requests.Session()
    for http in (attacker, victim):
        http.get(live_server.url + "/", timeout=5)
    page = attacker.get(live_server.url + "/livechat/privacy", timeout=5).text
    token = TOKEN.search(page)
    assert token is not None
    victim.get(live_server.url + "/livechat/privacy", timeout=5)  # the victim has a session of their own
    for form in ({"choice": "accepted", "csrf_token": token.group(1)}, {"choice": "accepted"}):
        answer = victim.post(live_server.url + "/livechat/privacy/consent", data=form, allow_redirects=False)
        assert answer.status_code == 400 and "did not come from this site" in answer.text
        assert "set-cookie" not in answer.headers
    own = TOKEN.search(victim.get(live_server.url + "/livechat/privacy", timeout=5).text)
    assert own is not None
    done = victim.post(
        live_server.url + "/livechat/privacy/consent",
        data={"choice": "declined", "csrf_token": own.group(1)},
        allow_redirects=False,
    )
    assert done.status_code == 302 and "livechat_consent" in done.headers["set-cookie"]
