"""Real Chromium through Playwright, against the example site run as `make run` runs it (eventlet).

Every test collected under tests/browser/ gets the ``browser`` marker, so ``pytest -m "not browser"`` leaves
them all out (and never starts Chromium or an example site)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
from playwright.sync_api import expect

from tests.conftest import TEST_HOST, SmtpServer, running_smtp
from tests.helpers import eventually, free_port, wait_until_serving

# Browser assertions wait for the page to settle; on a loaded 2-core machine 5 s (Playwright's default) is
# sometimes too short for a render, so give every expect() 15 s. Failures still fail, only later.
expect.set_options(timeout=15_000)

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)  # before -m deselects: the marker must be there when it looks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks every test of this directory ``browser``, so no module can forget it."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


class ClosingBrowser:
    """The session's Chromium as one test sees it: ``new_context`` and ``new_page`` as Playwright's, and
    everything they opened is closed when the test ends, pass or fail.

    A context left open by a failing test keeps its visitor's socket connected to a shared site, and the
    next test then sees a visitor (or an agent) that should have gone."""

    def __init__(self, chromium: Any) -> None:
        self._chromium = chromium
        self._opened: list[Any] = []

    def new_context(self, **options: Any) -> Any:
        context = self._chromium.new_context(**options)
        self._opened.append(context)
        return context

    def new_page(self, **options: Any) -> Any:
        """A page in a context of its own (closing the page closes that context too)."""
        page = self._chromium.new_page(**options)
        self._opened.append(page)
        return page

    def close_all(self) -> None:
        """Closes the newest first; tries every one before it reports the first failure."""
        failures: list[Exception] = []
        while self._opened:
            try:
                self._opened.pop().close()
            except Exception as error:  # one broken context must not leave the others open
                failures.append(error)
        if failures:
            raise failures[0]


@pytest.fixture
def browser(chromium: Any) -> Iterator[ClosingBrowser]:
    opener = ClosingBrowser(chromium)
    try:
        yield opener
    finally:
        opener.close_all()


#: The instance folder of every example site started, by its URL (for tests that read its tables).
SITE_INSTANCES: dict[str, Path] = {}


def site_rows(url: str, tables: tuple[str, ...]) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of ``tables`` in a running example site's chat database, read as stored."""
    connection = sqlite3.connect(f"file:{SITE_INSTANCES[url] / 'livechat.sqlite3'}?mode=ro", uri=True)
    try:
        return {table: connection.execute(f'SELECT * FROM "{table}"').fetchall() for table in tables}
    finally:
        connection.close()


def start_example_site(
    instance: Path, config: dict[str, Any] | None = None
) -> tuple[subprocess.Popen[bytes], str, Path]:
    """The example site in its own process, with its own instance folder, as a person would run it."""
    port = free_port()
    environment = {
        **os.environ,
        "PORT": str(port),
        "ASYNC_MODE": "eventlet",
        "EXAMPLE_INSTANCE_PATH": str(instance),
        "EXAMPLE_CONFIG": json.dumps({**TEST_HOST, **(config or {})}),
        "PYTHONUNBUFFERED": "1",
    }
    instance.mkdir(parents=True, exist_ok=True)
    log_path = instance / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "example_site"],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    SITE_INSTANCES[url] = instance
    try:
        wait_until_serving(url + "/", "the example site", process.poll, log_path.read_text)
    except BaseException:
        process.kill()
        process.wait(timeout=10)
        raise
    return process, url, log_path


def stop_example_site(process: subprocess.Popen[bytes], log_path: Path) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    server_log = log_path.read_text()
    assert "Traceback" not in server_log, server_log


@pytest.fixture
def example_site(tmp_path: Path) -> Iterator[str]:
    process, url, log_path = start_example_site(tmp_path / "instance")
    try:
        yield url
    finally:
        stop_example_site(process, log_path)


@pytest.fixture(scope="session")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., str]]:
    """Example sites by config, started once per test session and shared by the tests that use that config.

    Tests on a shared site use their own browser contexts (their own visitors) and disconnect their agents.
    """
    running: dict[str, tuple[subprocess.Popen[bytes], str, Path]] = {}

    def site(**config: Any) -> str:
        key = json.dumps(config, sort_keys=True)
        if key not in running:
            running[key] = start_example_site(tmp_path_factory.mktemp("site"), config)
        return running[key][1]

    try:
        yield site
    finally:
        stop_all(running.values())


def stop_all(sites: Any) -> None:
    """Stops every site, then reports the first that logged a traceback."""
    failures: list[AssertionError] = []
    for process, _, log_path in sites:
        try:
            stop_example_site(process, log_path)
        except AssertionError as error:
            failures.append(error)
    if failures:
        raise failures[0]


@pytest.fixture(scope="session")
def session_smtp() -> Iterator[SmtpServer]:
    """One SMTP server on loopback for the browser tests' sites (they outlive a single test)."""
    with running_smtp() as server:
        yield server


def collect_console_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    return errors


def log_in(page: Any, base_url: str, email: str, password: str) -> None:
    """Logs in through the example site's form, as a member of staff would."""
    page.goto(base_url + "/login")
    # The site's own form: the chat's panel may be open beside it (it stays open across a tab's pages) with
    # an Email field of its own.
    form = page.locator("form").filter(has=page.get_by_role("button", name="Log in"))
    form.get_by_label("Email").fill(email)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Log in").click()
    page.wait_for_url(base_url + "/")


def open_chat(page: Any) -> Any:
    """Opens the panel, unless it is open already (it comes back open on a tab's next page: the loader then
    draws the launcher expanded, so this never closes it by clicking)."""
    launcher = page.get_by_role("button", name="Open chat")
    if launcher.get_attribute("aria-expanded") != "true":
        launcher.click()
    chat = page.get_by_role("dialog", name="Chat")
    expect(chat).to_be_visible()
    return chat


def send(chat: Any, text: str) -> None:
    chat.get_by_role("textbox", name="Message").fill(text)
    chat.get_by_role("button", name="Send", exact=True).click()
    expect(chat.get_by_role("log")).to_contain_text(text)


def more_actions(console: Any) -> Any:
    """Opens the console thread's "More actions" popover (transfer, tags, email), unless it is open already;
    returns it."""
    button = console.get_by_role("button", name="More actions")
    if button.get_attribute("aria-expanded") != "true":
        button.click()
    menu = console.get_by_role("group", name="More actions")
    expect(menu).to_be_visible()
    return menu


def visitors_tab(console: Any) -> Any:
    """Shows the console's Visitors tab; returns the list of visitors on the site."""
    console.get_by_role("tab", name="Visitors").click()
    visitors = console.get_by_role("list", name="Visitors on the site")
    expect(visitors).to_be_visible()
    return visitors


def conversations_tab(console: Any) -> Any:
    """Shows the console's Conversations tab; returns the list."""
    console.get_by_role("tab", name="Conversations").click()
    return console.get_by_role("list", name="Conversations", exact=True)


def delete_message(console: Any, text: str, *, confirm: bool = True) -> None:
    """Deletes the thread's message containing ``text`` through its menu and the confirmation."""
    message = console.get_by_role("log").locator(".lc-msg").filter(has_text=text)
    message.hover()
    message.get_by_role("button", name="Message actions").click()
    message.get_by_role("menuitem", name="Delete message").click()
    dialog = console.get_by_role("dialog", name="Delete this message?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Delete" if confirm else "Cancel", exact=True).click()
    expect(dialog).to_be_hidden()


def load(opener: Any, url: str) -> tuple[Any, list[str]]:
    """A new page of ``opener`` (the browser or a context) at ``url``, and the errors its console shows."""
    page = opener.new_page()
    errors = collect_console_errors(page)
    page.goto(url)
    return page, errors


def visit(opener: Any, url: str) -> tuple[Any, Any, list[str]]:
    """``load``, then open the chat."""
    page, errors = load(opener, url)
    return page, open_chat(page), errors


def ask(chat: Any, agent: AgentSocket, text: str) -> str:
    """The visitor sends ``text`` and the agent joins that conversation; returns its id."""
    send(chat, text)
    return agent.conversation_with(text)


def http_log_in(base_url: str, email: str, password: str) -> requests.Session:
    """A session logged in through the example site's form, CSRF token included."""
    http = requests.Session()
    form = http.get(base_url + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, form
    data = {"email": email, "password": password, "csrf_token": token.group(1)}
    answer = http.post(base_url + "/login", data=data, timeout=10)
    assert answer.history and answer.history[0].status_code == 302, answer.text  # to the home page
    return http


class AgentSocket:
    """An agent on a real python-socketio connection, logged in through the example site's form."""

    NS = "/livechat-agent"

    def __init__(self, base_url: str, email: str = "agent@example.com", password: str = "agent") -> None:
        import socketio

        http = http_log_in(base_url, email, password)
        cookie = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
        self.events: list[tuple[str, Any]] = []
        self.client = socketio.Client()
        self.client.on("*", lambda event, data: self.events.append((event, data)), namespace=self.NS)
        self.client.connect(
            base_url, namespaces=[self.NS], headers={"Cookie": cookie}, transports=["websocket"]
        )
        assert self.call("hello", {})["ok"] is True

    def call(self, event: str, payload: Any) -> Any:
        return self.client.call(event, payload, namespace=self.NS, timeout=10)

    def wait_for(self, event: str, predicate: Callable[[Any], bool] = lambda _: True) -> Any:
        """Waits (with a deadline, so a bug fails instead of hanging) for an event the server pushed."""

        def arrived() -> tuple[Any] | None:  # in a tuple: a payload may itself be falsy
            return next(
                ((data,) for name, data in list(self.events) if name == event and predicate(data)), None
            )

        (data,) = eventually(
            arrived, message=lambda: f"no matching {event} arrived; got {[name for name, _ in self.events]}"
        )
        return data

    def conversation_with(self, text: str) -> str:
        update = self.wait_for(
            "conversation_updated",
            lambda c: bool(c.get("last_message")) and text in c["last_message"]["body"],
        )
        conversation_id: str = update["id"]
        assert self.call("join_conversation", {"conversation_id": conversation_id})["ok"] is True
        return conversation_id

    def say(self, conversation_id: str, body: str) -> Any:
        import uuid

        ack = self.call(
            "send_message", {"conversation_id": conversation_id, "client_id": uuid.uuid4().hex, "body": body}
        )
        assert ack["ok"] is True, ack
        return ack["message"]

    def close(self) -> None:
        self.client.disconnect()


@pytest.fixture
def agents() -> Iterator[Callable[[str], AgentSocket]]:
    """Connects agents to a site; all of them leave at the end of the test, so sites go back to offline."""
    connected: list[AgentSocket] = []

    def connect(base_url: str) -> AgentSocket:
        agent = AgentSocket(base_url)
        connected.append(agent)
        return agent

    try:
        yield connect
    finally:
        for agent in connected:
            agent.close()


def chat_works(url: str) -> None:
    """A page loads, a visitor sends a message and the agent on duty receives it."""
    agent = AgentSocket(url)
    try:
        cookie = requests.get(url + "/", timeout=5).cookies["livechat_visitor"]
        visitor = socketio.Client(reconnection=False)
        visitor.connect(
            url,
            namespaces=["/livechat"],
            headers={"Cookie": f"livechat_visitor={cookie}"},
            transports=["websocket"],
            wait_timeout=5,
        )
        try:
            assert visitor.call("hello", {"page": {"url": url + "/"}}, namespace="/livechat", timeout=5)["ok"]
            ack = visitor.call(
                "send_message",
                {"client_id": "c-after-flood", "body": "Still there?"},
                namespace="/livechat",
                timeout=5,
            )
            assert ack["ok"], ack
            agent.conversation_with("Still there?")
        finally:
            visitor.disconnect()
    finally:
        agent.close()


def fully_visible_in(chat: Any, control: Any) -> bool:
    """Whether ``control`` is drawn whole inside the panel ``chat`` (not scrolled or cut off below it)."""
    panel, box = chat.bounding_box(), control.bounding_box()
    return bool(
        panel
        and box
        and box["height"] > 0
        and box["y"] >= panel["y"]
        and box["y"] + box["height"] <= panel["y"] + panel["height"]
    )
