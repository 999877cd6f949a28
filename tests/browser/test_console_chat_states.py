"""The console's chat states (issue 14, points 1, 2, 4, 6 and 11): pre-chat answers where agents look,
closed chats that say so, a returning visitor's new chat, feedback that belongs to its conversation, the
history transcript, and WCAG AA on the console and the admin pages (axe-core). Screenshots at 1366x768 go to
docs/images/ with LIVECHAT_DOC_SCREENSHOTS=1 (docs/console.md shows them)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from playwright.sync_api import expect

from tests.browser.conftest import AgentSocket, collect_console_errors, log_in, more_actions, open_chat, send

FIELDS = [
    "name",
    "email",
    {"name": "plan", "label": "Your plan", "type": "select", "options": ["Starter", "Business"]},
    {"name": "order", "label": "Order number", "required": False, "max_length": 8},
]
VIEWPORT = {"width": 1366, "height": 768}
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def shoot(page: Any, name: str) -> None:
    """A screenshot of the console as an agent sees it, for docs/console.md: written to docs/images/ when
    LIVECHAT_DOC_SCREENSHOTS=1 (so an ordinary run leaves the checkout as it was)."""
    if os.environ.get("LIVECHAT_DOC_SCREENSHOTS") == "1":
        IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(animations="disabled", path=str(IMAGES / name))


def serious_violations(page: Any, axe: Path) -> list[dict[str, Any]]:
    """axe-core on the whole page (as tests/browser/test_widget_accessibility.py runs it on the widget)."""
    page.add_script_tag(path=str(axe))
    result = page.evaluate("() => axe.run(document)")
    assert result["passes"], "axe checked nothing"
    return [
        {
            "id": v["id"],
            "nodes": [n["target"] for n in v["nodes"]],
            "summary": v["nodes"][0].get("failureSummary"),
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def visitor_socket(context: Any, site: str) -> socketio.Client:
    """The browser's visitor on a socket of their own (their cookies): what the widget work covers."""
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies(site))
    client = socketio.Client(reconnection=False)
    client.connect(site, namespaces=["/livechat"], headers={"Cookie": cookie}, transports=["polling"])
    assert client.call("hello", {"page": {"url": site + "/"}}, namespace="/livechat", timeout=10)["ok"]
    return client


def visitor_says(client: socketio.Client, body: str) -> Any:
    payload = {"client_id": uuid.uuid4().hex, "body": body}
    ack = client.call("send_message", payload, namespace="/livechat", timeout=10)
    assert ack["ok"], ack
    return ack


@pytest.fixture(scope="module")
def site(sites: Callable[..., str]) -> str:
    return sites(LIVECHAT_PRECHAT_FIELDS=FIELDS)


@pytest.fixture
def console(browser: Any, site: str) -> Iterator[tuple[Any, list[str]]]:
    page = browser.new_page(viewport=VIEWPORT)
    errors = collect_console_errors(page)
    log_in(page, site, "agent@example.com", "agent")
    page.goto(site + "/livechat/agent/")
    expect(page.get_by_role("status").filter(has_text="Connected")).to_be_visible()
    yield page, errors


def test_answers_closed_state_second_chat_and_feedback(
    browser: Any, site: str, console: tuple[Any, list[str]], agents: Callable[[str], AgentSocket]
) -> None:
    page, errors = console
    colleague = AgentSocket(site, "admin@example.com", "admin")  # someone to hand over to
    try:
        # A visitor fills in the pre-chat form, with an order number, and asks.
        context = browser.new_context()
        widget = context.new_page()
        widget.goto(site + "/")
        chat = open_chat(widget)
        chat.get_by_role("textbox", name="Name").fill("Alan Turing")
        chat.get_by_role("textbox", name="Email").fill("alan@example.org")
        chat.get_by_role("combobox", name="Your plan").select_option("Business")
        chat.get_by_role("textbox", name="Order number").fill("A-12345")
        chat.get_by_role("button", name="Start chat").click()
        send(chat, "Where is my order?")

        # Point 1: the answers are in a card over the thread and in the details panel.
        conversations = page.get_by_role("list", name="Conversations")
        conversations.get_by_role("button", name="Alan Turing").click()
        card = page.get_by_role("region", name="Pre-chat answers")
        expect(card).to_contain_text("Order number")
        expect(card).to_contain_text("A-12345")
        expect(card).to_contain_text("Business")
        panel = page.locator("#lc-panel")
        expect(panel.get_by_role("definition").filter(has_text="A-12345")).to_be_visible()
        expect(page.get_by_role("log")).to_contain_text("Where is my order?")
        shoot(page, "console-prechat-answers.png")

        # Point 11: the visitor's address is known but mail is not set up: the agent is told so plainly.
        more_actions(page).get_by_role("button", name="Email transcript").click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("Email is not set up on this site")
        expect(alert).not_to_contain_text("LIVECHAT")

        # Point 6: a closed chat cannot be typed into by mistake, and offers Reopen.
        page.get_by_role("button", name="Close chat").click()
        closed = page.get_by_text("This chat is closed.")
        expect(closed).to_be_visible()
        reply = page.get_by_role("textbox", name="Reply")
        expect(reply).to_be_disabled()
        expect(page.get_by_role("button", name="Send", exact=True)).to_be_disabled()
        expect(page.locator("#lc-error")).to_be_empty()  # the email error was about before
        expect(conversations.locator(".lc-conv--closed")).to_have_count(1)
        shoot(page, "console-closed-chat.png")
        page.get_by_role("button", name="Reopen", exact=True).click()
        expect(reply).to_be_enabled()
        expect(closed).to_be_hidden()
        page.get_by_role("button", name="Close chat").click()
        expect(reply).to_be_disabled()

        # The visitor comes back: a new conversation, numbered, with the way to the previous one.
        client = visitor_socket(context, site)
        try:
            visitor_says(client, "Me again, about the same order")
            second = conversations.get_by_role("listitem").filter(has_text="2nd chat")
            expect(second).to_have_count(1)
            second.get_by_role("button", name="Alan Turing").click()
            expect(page.locator("#lc-thread-details")).to_contain_text("2nd chat")
            expect(reply).to_be_enabled()
            expect(page.get_by_role("button", name="See the previous chat")).to_be_visible()
            shoot(page, "console-second-chat.png")

            # Point 11: "Handed over." is about that conversation; another one starts without it.
            other = browser.new_context()
            other.new_page().goto(site + "/")
            other_client = visitor_socket(other, site)
            try:
                visitor_says(other_client, "A second visitor's question")
                menu = more_actions(page)
                menu.get_by_role("combobox", name="Transfer to").select_option(label="Ada Admin")
                menu.get_by_role("button", name="Transfer", exact=True).click()
                info = page.locator("#lc-info")
                expect(info).to_have_text("Handed over.")
                page.get_by_role("list", name="Conversations").get_by_role("listitem").filter(
                    has_text="A second visitor's question"
                ).get_by_role("button").click()
                expect(page.get_by_role("log")).to_contain_text("A second visitor's question")
                expect(info).to_be_empty()
            finally:
                other_client.disconnect()
        finally:
            client.disconnect()
        assert [e for e in errors if "404" not in e] == []
    finally:
        colleague.close()


def test_history_transcript(browser: Any, site: str, console: tuple[Any, list[str]]) -> None:
    page, errors = console
    agent = AgentSocket(site)
    try:
        context = browser.new_context()
        widget = context.new_page()
        widget.goto(site + "/")
        chat = open_chat(widget)
        chat.get_by_role("textbox", name="Name").fill("Grace Hopper")
        chat.get_by_role("textbox", name="Email").fill("grace@example.org")
        chat.get_by_role("combobox", name="Your plan").select_option("Starter")
        chat.get_by_role("textbox", name="Order number").fill("B-777")
        chat.get_by_role("button", name="Start chat").click()
        send(chat, "Compiler question")
        conversation = agent.conversation_with("Compiler question")
        agent.say(conversation, "Ask away")
        assert agent.call("close_conversation", {"conversation_id": conversation})["ok"]
        client = visitor_socket(context, site)
        try:
            payload = {"conversation_id": conversation, "rating": 5, "comment": "Great"}
            assert client.call("rate_conversation", payload, namespace="/livechat", timeout=10)["ok"]
        finally:
            client.disconnect()
    finally:
        agent.close()

    page.get_by_role("button", name="History").click()
    page.get_by_role("searchbox", name="Search transcripts").fill("Compiler question")
    page.get_by_role("button", name="Search", exact=True).click()
    results = page.get_by_role("list", name="Search results")
    results.get_by_role("button", name="Grace Hopper").click()
    transcript = page.get_by_role("region", name="Transcript")
    expect(transcript).to_contain_text("Ask away")
    text = transcript.inner_text()
    assert "null" not in text and "\u2014:" not in text, text
    assert text.count("Rated 5/5") == 1, text
    expect(transcript.get_by_role("definition").filter(has_text="B-777")).to_be_visible()
    system = transcript.locator(".lc-transcript-system").filter(has_text="closed the chat")
    expect(system).to_have_count(1)
    assert system.evaluate("(li) => getComputedStyle(li).textAlign") == "center"
    assert system.locator("em").count() == 1
    shoot(page, "console-history-transcript.png")

    # A search that finds nothing leaves no old transcript on screen.
    page.get_by_role("searchbox", name="Search transcripts").fill("nothingmatchesthis")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(results).to_contain_text("No conversations match.")
    expect(transcript).to_be_hidden()
    assert errors == []


def test_console_and_admin_pages_meet_wcag_aa(
    browser: Any, site: str, widget_node_modules: Path, agents: Callable[[str], AgentSocket]
) -> None:
    axe = widget_node_modules / "axe-core" / "axe.min.js"
    agents(site)  # another agent online: the top bar lists them
    page = browser.new_page(viewport=VIEWPORT, bypass_csp=True)  # axe goes in as a script of the test's
    log_in(page, site, "admin@example.com", "admin")
    page.goto(site + "/livechat/agent/")
    expect(page.get_by_role("status").filter(has_text="Connected")).to_be_visible()
    expect(page.get_by_text("(online)")).to_be_visible()
    expect(page.get_by_role("button", name="Enable desktop notifications")).to_be_visible()
    assert serious_violations(page, axe) == []
    failures = {}
    for path in (
        "/livechat/admin/",
        "/livechat/admin/reports",
        "/livechat/admin/privacy",
        "/livechat/privacy",
    ):
        page.goto(site + path)
        failures[path] = serious_violations(page, axe)
    assert failures == {path: [] for path in failures}
