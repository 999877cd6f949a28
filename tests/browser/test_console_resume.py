"""The console notices a skipped seq (a broadcast lost in a queue outage, say) and fetches the gap; the same
visit checks that a German agent gets the console in German, the page's words and the JS's."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import requests
import socketio
from playwright.sync_api import expect

from flask_livechat.state import LiveChatState
from tests.conftest import LiveServer

NS = "/livechat"
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def shoot(page: Any, name: str) -> None:
    if os.environ.get("LIVECHAT_DOC_SCREENSHOTS") == "1":
        page.screenshot(animations="disabled", path=str(IMAGES / name))


def test_a_lost_broadcast_is_fetched_when_the_next_message_shows_the_gap(
    browser: Any, live_server: LiveServer, livechat: LiveChatState
) -> None:
    cookie = requests.get(live_server.url + "/", timeout=5).cookies["livechat_visitor"]
    visitor = socketio.Client(reconnection=False)
    visitor.connect(
        live_server.url,
        namespaces=[NS],
        headers={"Cookie": f"livechat_visitor={cookie}"},
        transports=["websocket"],
        wait_timeout=5,
    )
    first = visitor.call(
        "send_message", {"client_id": "c-gap-00001", "body": "first"}, namespace=NS, timeout=5
    )
    conversation_id = first["message"]["conversation_id"]

    # Accept-Language: de-DE: the console follows the agent's browser.
    page = browser.new_page(locale="de-DE", viewport={"width": 1366, "height": 768})
    page.goto(live_server.url + "/login-as/ada")
    page.goto(live_server.url + "/livechat/agent/")
    assert page.locator("html").get_attribute("lang") == "de"
    expect(page.locator("#lc-connection")).to_have_text("Verbunden")  # console.js, from data-words
    page.get_by_role("list", name="Gespräche").get_by_role("button").first.click()
    thread = page.get_by_role("log")
    expect(thread).to_contain_text("first")
    expect(page.locator("#lc-thread-status")).to_contain_text("Offen \u00b7 Nicht zugewiesen")
    expect(page.get_by_role("button", name="Übernehmen")).to_be_visible()  # the page's own words
    reply = page.get_by_role("textbox", name="Antwort")
    expect(reply).to_have_attribute("placeholder", "Antwort schreiben … (/ für Textbausteine)")
    page.get_by_text("Interne Notiz").click()
    expect(page.locator("#lc-send")).to_have_text("Notiz hinzufügen")
    expect(page.locator("#lc-mode-hint")).to_have_text("Notizen sieht nur das Team, nie der Besucher.")
    shoot(page, "console-german-desktop.png")
    page.get_by_text("Antwort", exact=True).click()

    # Stored but never broadcast: what a dropped queue message looks like to the console.
    [visitor_id] = [c.visitor_id for c in livechat.store.conversations.open_conversations()]
    livechat.store.conversations.add_visitor_message(
        visitor_id, client_id="c-gap-00002", body="lost in the queue"
    )
    visitor.call("send_message", {"client_id": "c-gap-00003", "body": "third"}, namespace=NS, timeout=5)

    expect(thread).to_contain_text("third")
    expect(thread).to_contain_text("lost in the queue")
    texts = thread.inner_text()
    assert texts.index("first") < texts.index("lost in the queue") < texts.index("third")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_role("button", name="Zurück zu den Gesprächen")).to_be_visible()
    shoot(page, "console-german-phone.png")
    assert conversation_id
    page.close()
    visitor.disconnect()
