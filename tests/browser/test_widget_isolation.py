"""Point 2: hostile host CSS cannot break the widget, its CSS does not leak out, one global, no eval or inline
handlers (a strict Content-Security-Policy reports nothing)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import requests
from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, collect_console_errors, open_chat, send

HOSTILE_CSS = """
* { font-size: 30px !important; line-height: 3 !important; color: red !important;
    box-sizing: content-box !important;
    letter-spacing: 4px !important; text-transform: uppercase !important; }
div, button, textarea, input, svg, p, form, [role], livechat-widget { display: none !important; }
[hidden] { display: block !important; }
button { all: unset !important; background: lime !important; padding: 40px !important; }
livechat-widget { position: absolute !important; top: -9999px !important; transform: scale(0) !important;
    opacity: 0 !important; pointer-events: none !important; width: 10px !important; }
.lc-launcher, .lc-panel, .lc-app, #lc-panel { display: none !important; }
"""


def loader_tag(site: str) -> str:
    page = requests.get(site + "/", timeout=10).text
    match = re.search(r"<script defer [^>]*data-livechat[^>]*></script>", page)
    assert match
    return match.group(0)


def serve(page: Any, url: str, body: str, headers: dict[str, str] | None = None) -> None:
    page.route(
        url,
        lambda route: route.fulfill(status=200, content_type="text/html", body=body, headers=headers or {}),
    )


def test_hostile_page_css_cannot_hide_or_restyle_the_widget(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites()
    agents(site)
    page = browser.new_page()
    errors = collect_console_errors(page)
    serve(
        page,
        site + "/hostile",
        f"<!doctype html><html><head><style>{HOSTILE_CSS}</style></head>"
        f"<body><div>host content</div>{loader_tag(site)}</body></html>",
    )
    page.goto(site + "/hostile")
    launcher = page.get_by_role("button", name="Open chat")
    expect(launcher).to_be_visible()
    box = launcher.bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None
    assert (box["width"], box["height"]) == (56, 56)
    assert (box["x"] + box["width"], box["y"] + box["height"]) == (
        viewport["width"] - 20,
        viewport["height"] - 20,
    )
    chat = open_chat(page)
    textbox = chat.get_by_role("textbox", name="Message")
    expect(textbox).to_be_visible()
    assert textbox.evaluate("(el) => getComputedStyle(el).fontSize") == "14px"
    assert textbox.evaluate("(el) => getComputedStyle(el).textTransform") == "none"
    send(chat, "Still works")
    assert errors == []
    page.close()


PROBE = (
    '<p id="probe" class="lc-msg-body lc-error lc-intro">host text</p>'
    '<button id="host-button" class="lc-send lc-launcher">Host button</button>'
)
PROBE_STYLE = """() => ["probe", "host-button"].map((id) => {
  const style = getComputedStyle(document.getElementById(id));
  return [style.position, style.backgroundColor, style.color, style.padding, style.fontSize,
          style.borderRadius].join();
})"""


def test_the_widget_css_and_script_leave_the_page_alone(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites()
    agents(site)
    body = (
        f"<!doctype html><html><head><title>Probe</title></head><body>{PROBE}{loader_tag(site)}</body></html>"
    )

    bare = browser.new_page()
    serve(bare, site + "/probe", body)
    bare.route("**/loader.js*", lambda route: route.abort())
    bare.goto(site + "/probe")
    expected_style = bare.evaluate(PROBE_STYLE)
    expected_globals = set(bare.evaluate("Object.getOwnPropertyNames(window)"))
    bare.close()

    page = browser.new_page()
    serve(page, site + "/probe", body)
    page.goto(site + "/probe")
    send(open_chat(page), "Leak check")
    assert page.evaluate(PROBE_STYLE) == expected_style
    assert set(page.evaluate("Object.getOwnPropertyNames(window)")) - expected_globals == {"LiveChat"}
    assert sorted(page.evaluate("Object.keys(window.LiveChat)")) == [
        "close",
        "on",
        "open",
        "pageview",
        "ready",
        "setLanguage",
        "toggle",
    ]
    inline_handlers = page.evaluate(
        """() => [document, document.querySelector('livechat-widget').shadowRoot]
             .flatMap((root) => [...root.querySelectorAll('*')])
             .flatMap((el) => [...el.attributes].map((a) => a.name))
             .filter((name) => name.startsWith('on'))"""
    )
    assert inline_handlers == []
    page.close()


def test_a_strict_content_security_policy_reports_nothing(
    browser: Any, sites: Callable[..., str], agents: Callable[[str], AgentSocket]
) -> None:
    site = sites()
    agents(site)
    port = site.rsplit(":", 1)[1]
    policy = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' ws://127.0.0.1:{port}; base-uri 'none'; form-action 'self'"
    )
    page = browser.new_page()
    errors = collect_console_errors(page)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => "
        "console.error('CSP ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    serve(
        page,
        site + "/strict",
        f"<!doctype html><html><head><title>Strict</title></head><body>"
        f"<h1>Strict CSP</h1>{loader_tag(site)}</body></html>",
        {"Content-Security-Policy": policy},
    )
    page.goto(site + "/strict")
    send(open_chat(page), "No eval here")
    assert errors == []
    page.close()
