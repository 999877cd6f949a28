"""Shared fixtures: a small host app with a test login, socket clients, and real servers on free ports."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, session
from flask.testing import FlaskClient
from flask_socketio import SocketIO, SocketIOTestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import BaseWSGIServer, make_server

from flask_livechat import LiveChat, gc_tuning
from flask_livechat.state import LiveChatState
from flask_livechat.store import Store
from tests.faults import RedisProcess
from tests.helpers import POSTGRES_URL, WebhookReceiver, drop_chat_schema, free_port, postgres_reachable

ON_CI = os.environ.get("CI") == "true"

HTML_PAGE = "<!doctype html><html><head><title>Home</title></head><body><h1>Welcome</h1></body></html>"


def need(condition: bool, what: str) -> None:
    """Skips on a developer's machine when a service or browser is missing; on CI that is a failure."""
    if condition:
        return
    if ON_CI:
        pytest.fail(f"CI must have {what}; .ci/run installs or starts it.")
    pytest.skip(f"needs {what}")


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Pages the tests serve through page.route() have no address space of their own, and Chromium would
    # block their sockets to 127.0.0.1 as local network access.
    "--disable-features=LocalNetworkAccessChecks",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One Chromium process for the session (tests/browser and tests/hosts share it: Playwright's sync API
    allows one instance per process); tests open their own contexts and close them."""
    executable = chromium_path()
    need(executable is not None, "Chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        need(False, "Playwright (pip install -e '.[dev]')")
        raise
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


@dataclass
class StaffUser:
    """The test host's user model: just enough for the seams."""

    id: str
    name: str
    role: str | None
    email: str | None = None
    departments: tuple[str, ...] = ()

    @property
    def livechat_role(self) -> str | None:
        return self.role

    @property
    def livechat_departments(self) -> tuple[str, ...]:
        return self.departments


USERS = {
    "ada": StaffUser("1", "Ada Agent", "agent"),
    "bob": StaffUser("2", "Bob Admin", "admin"),
    "carol": StaffUser("3", "Carol Customer", None, email="carol@example.com"),
    "dan": StaffUser("4", "Dan Sales", "agent", departments=("sales",)),
    "eve": StaffUser("5", "Eve Support", "agent", departments=("support",)),
    "frank": StaffUser("6", "Frank Customer", None, email="frank@example.com"),
}


#: The test hosts stand for a site that shows its own privacy notice, so notice mode recognises from the
#: first page as most tests expect; tests/test_notice_timing.py checks the default (wait for the widget's).
TEST_HOST = {"LIVECHAT_HOST_SHOWS_NOTICE": True}

# The test process's collector stays as pytest runs it: every app here would otherwise freeze it at its first
# chat connection (tests/test_gc_tuning.py checks that in processes of their own).
gc_tuning._settled = True


def build_app(instance_path: str, **config: Any) -> Flask:
    app = Flask("host", instance_path=instance_path)
    settings = {"SECRET_KEY": "test-secret", "LIVECHAT_ASYNC_MODE": "threading", "LIVECHAT_PURGE_INTERVAL": 0}
    settings.update(TEST_HOST)
    app.config.update({**settings, **config})
    livechat = LiveChat()

    @livechat.user_loader
    def load_user() -> StaffUser | None:
        return USERS.get(session.get("user", ""))

    livechat.init_app(app)

    @app.get("/")
    def home() -> str:
        return HTML_PAGE

    @app.get("/page/<path:name>")
    def page(name: str) -> str:
        return HTML_PAGE.replace("Home", name)

    @app.get("/login-as/<name>")
    def login_as(name: str) -> Response:
        session["user"] = name
        return Response("ok", mimetype="text/plain")  # not a host page: no visitor for staff logins

    return app


#: The ways a host can set up its own SocketIO with LiveChat (the extension creating it is build_app's).
INIT_ORDERS = ("host-socketio-first", "host-socketio-initialised-later")


def build_host_socketio_app(instance_path: str, order: str, **config: Any) -> Flask:
    """A host that creates its own SocketIO, as the README's snippet and the example site do: first
    (``SocketIO(app)`` then ``LiveChat``) or initialised after ``LiveChat`` (``socketio.init_app`` later)."""
    app = Flask("host", instance_path=instance_path)
    app.config.update({"SECRET_KEY": "test-secret", "LIVECHAT_PURGE_INTERVAL": 0, **TEST_HOST, **config})
    if order == "host-socketio-first":
        LiveChat(app, socketio=SocketIO(app, async_mode="threading"))
    elif order == "host-socketio-initialised-later":
        socketio = SocketIO()
        LiveChat(app, socketio=socketio)
        socketio.init_app(app, async_mode="threading")
    else:
        raise ValueError(order)

    @app.get("/")
    def home() -> str:
        return HTML_PAGE

    return app


def stop_app(app: Flask) -> None:
    """Stops the background loops an app may have started and closes its database."""
    app.config.update(LIVECHAT_PURGE_INTERVAL=0, LIVECHAT_AGENT_RECHECK_INTERVAL=0)
    app.extensions["livechat"].sweeper.stop()
    app.extensions["livechat"].webhook_worker.stop()
    app.extensions["livechat"].store.dispose()


def livechat_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("livechat_config")
    return dict(marker.kwargs) if marker else {}


@pytest.fixture
def app(tmp_path: Any, request: pytest.FixtureRequest) -> Iterator[Flask]:
    app = build_app(str(tmp_path / "instance"), **livechat_config(request))
    yield app
    # Stop the background loops the test may have started (they read these before each round).
    stop_app(app)


@pytest.fixture
def livechat(app: Flask) -> LiveChatState:
    state: LiveChatState = app.extensions["livechat"]
    return state


@pytest.fixture
def socketio(app: Flask) -> SocketIO:
    server: SocketIO = app.extensions["socketio"]
    return server


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def visitor(app: Flask, socketio: SocketIO, client: FlaskClient) -> Iterator[SocketIOTestClient]:
    """A visitor who loaded a page (so has the cookie) and opened the widget's socket."""
    client.get("/")
    connection = socketio.test_client(app, namespace="/livechat", flask_test_client=client)
    yield connection
    if connection.is_connected("/livechat"):
        connection.disconnect("/livechat")


def visitor_client(
    app: Flask, socketio: SocketIO, path: str = "/", http: FlaskClient | None = None, **headers: str
) -> SocketIOTestClient:
    """A visitor who loaded ``path`` (so has the cookie and a page view) and opened the widget's socket."""
    http = http or app.test_client()
    http.get(path, headers=headers)
    return socketio.test_client(app, namespace="/livechat", flask_test_client=http)


def say(visitor: SocketIOTestClient, body: str, client_id: str) -> dict[str, Any]:
    """A visitor's message, asserted stored."""
    ack = visitor.emit(
        "send_message", {"client_id": client_id, "body": body}, namespace="/livechat", callback=True
    )
    assert ack["ok"], ack
    return dict(ack["message"])


def events(connection: SocketIOTestClient, namespace: str, name: str) -> list[Any]:
    """The payloads of one event received since the last call (which empties the queue)."""
    return [e["args"][0] for e in connection.get_received(namespace) if e["name"] == name]


def wait_for_events(
    connection: SocketIOTestClient, namespace: str, name: str, until: Any, timeout: float = 3.0
) -> list[Any]:
    """The payloads of ``name`` received until one satisfies ``until`` (pushes that are coalesced, such as
    ``visitor_updated``, may come up to LIVECHAT_VISITOR_PUSH_INTERVAL later); fails after ``timeout``."""
    import time

    received: list[Any] = []
    deadline = time.monotonic() + timeout
    while True:
        received += events(connection, namespace, name)
        if any(until(payload) for payload in received):
            return received
        assert time.monotonic() < deadline, f"no {name} as expected arrived: {received}"
        time.sleep(0.05)


def agent_client(app: Flask, socketio: SocketIO, name: str = "ada") -> SocketIOTestClient:
    http = app.test_client()
    http.get(f"/login-as/{name}")
    return socketio.test_client(app, namespace="/livechat-agent", flask_test_client=http)


@pytest.fixture
def agent(app: Flask, socketio: SocketIO) -> Iterator[SocketIOTestClient]:
    connection = agent_client(app, socketio)
    yield connection
    if connection.is_connected("/livechat-agent"):
        connection.disconnect("/livechat-agent")


@pytest.fixture
def release_sockets() -> Iterator[None]:
    """For tests that cut connections under websocket-client, which leaves such sockets to the garbage
    collector: collect them before the test ends, so the warning is this test's (and filtered), not a later
    test's failure."""
    yield
    gc.collect()


@dataclass
class LiveServer:
    app: Flask
    url: str


@contextmanager
def serve(app: Flask) -> Iterator[LiveServer]:
    """Any app on a real threaded HTTP server: real Origin checks, real concurrency, real WebSockets."""
    port = free_port()
    server: BaseWSGIServer = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{port}")
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    with serve(app) as server:
        yield server


def server_cookie(server: LiveServer, path: str = "/") -> str:
    """The Cookie header a browser would send after GET ``path`` (``/`` gives a visitor cookie,
    ``/login-as/<name>`` a host login session)."""
    import requests

    response = requests.get(server.url + path, timeout=5)
    return "; ".join(f"{name}={value}" for name, value in response.cookies.items())


@contextmanager
def real_socket(
    server: LiveServer, namespace: str, cookie: str | None = None, transport: str = "polling"
) -> Iterator[Any]:
    """A real python-socketio client connected to ``server`` (polling by default: it closes at once)."""
    import socketio as socketio_client

    client = socketio_client.Client(reconnection=False)
    headers = {"Cookie": cookie} if cookie else {}
    client.connect(
        server.url, namespaces=[namespace], headers=headers, transports=[transport], wait_timeout=5
    )
    try:
        yield client
    finally:
        client.disconnect()


@dataclass
class SmtpServer:
    """A real SMTP server on loopback (aiosmtpd) and the mails it received, parsed."""

    host: str
    port: int
    messages: list[Any]
    #: The SMTP envelope's recipients (RCPT TO) of each message, in the order of ``messages``.
    recipients: list[list[str]] = field(default_factory=list)
    #: Each message as it came over the wire (headers and body still encoded).
    raw: list[bytes] = field(default_factory=list)


class _Collect:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        self.server.recipients.append(list(envelope.rcpt_tos))
        self.server.raw.append(bytes(envelope.content))
        self.server.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@contextmanager
def running_smtp() -> Iterator[SmtpServer]:
    from aiosmtpd.controller import Controller

    port = free_port()
    smtp = SmtpServer(host="127.0.0.1", port=port, messages=[])
    controller = Controller(_Collect(smtp), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield smtp
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with running_smtp() as server:
        yield server


@pytest.fixture
def mail_app(tmp_path: Path, smtp_server: SmtpServer) -> Iterator[Flask]:
    """The host app sending mail to the loopback SMTP server (``LIVECHAT_MAIL_TO``: support@example.com)."""
    app = build_app(str(tmp_path / "instance"), **mail_config(smtp_server))
    yield app
    stop_app(app)


def mail_config(smtp: SmtpServer) -> dict[str, Any]:
    return {
        "LIVECHAT_MAIL_SERVER": smtp.host,
        "LIVECHAT_MAIL_PORT": smtp.port,
        "LIVECHAT_MAIL_SENDER": "chat@example.com",
        "LIVECHAT_MAIL_TO": "support@example.com",
    }


ASSETS = Path(__file__).resolve().parent.parent / "widget_assets"


@pytest.fixture(scope="session")
def widget_node_modules() -> Path:
    """widget_assets/node_modules as package-lock.json pins it (npm ci when missing or stale)."""
    need(shutil.which("npm") is not None, "Node.js 20+ and npm (apt-get install nodejs npm)")
    installed = ASSETS / "node_modules" / ".package-lock.json"
    lock = ASSETS / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=ASSETS, check=True, capture_output=True, timeout=600
        )
    return ASSETS / "node_modules"


@contextmanager
def empty_postgres_database() -> Iterator[str]:
    """A PostgreSQL database of its own, empty, dropped afterwards."""
    need(postgres_reachable(), f"PostgreSQL at {POSTGRES_URL} (apt-get install postgresql)")
    name = f"livechat_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Config for an app on its default SQLite file, or on a PostgreSQL database of the test's own."""
    if request.param == "postgresql":
        return {"LIVECHAT_DATABASE_URL": request.getfixturevalue("database")}
    return {}


@pytest.fixture
def database() -> Iterator[str]:
    """A PostgreSQL database of this test's own, created with the tables and dropped afterwards."""
    with empty_postgres_database() as url:
        store = Store(url)
        store.create_all()
        store.dispose()
        yield url


@pytest.fixture
def pg_store(database: str) -> Iterator[Store]:
    """A store on a PostgreSQL database of this test's own."""
    store = Store(database)
    yield store
    store.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: an SQLite file, or a PostgreSQL database of the test's own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    else:
        with empty_postgres_database() as url:
            yield url


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisProcess]:
    """A redis-server of this test's own (never the machine's shared one), so the test may stop it."""
    process = RedisProcess(tmp_path / "redis")
    try:
        yield process.start()
    finally:
        process.stop()


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A bare store on SQLite and on PostgreSQL (a database of its own), emptied before and after."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/store.db"
    else:
        url = request.getfixturevalue("database")  # a database of its own: nothing another run left behind
    store = Store(url)
    drop_chat_schema(store.database.engine)
    store.create_all()
    yield store
    drop_chat_schema(store.database.engine)
    store.dispose()
