"""Helpers several test modules share (fixtures live in conftest.py).

Nothing here imports a test module or a conftest, so any of them may import from here without a cycle.
"""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import threading
import time
import zipfile
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import requests
import socketio
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.exc import OperationalError

from flask_livechat.state import LiveChatState
from flask_livechat.store.models import Base
from flask_livechat.store.schema import VERSION_TABLE

T = TypeVar("T")

VISITOR_NS = "/livechat"
AGENT_NS = "/livechat-agent"

#: Rate limits out of the way of load, fault and fuzz tests.
UNLIMITED = {
    name: "1000000/minute" for name in ("connect", "message", "message_per_ip", "agent_message", "privacy")
}

#: How long ``eventually`` waits by default. A condition that holds returns at once, so a long deadline
#: only costs time when a test is failing anyway; a short one fails good code on a loaded 2-core machine.
EVENTUALLY_TIMEOUT = 20.0


def eventually(
    check: Callable[[], T],
    *,
    timeout: float = EVENTUALLY_TIMEOUT,
    interval: float = 0.05,
    message: str | Callable[[], str] = "",
    sleep: Callable[[float], object] = time.sleep,
) -> T:
    """Calls ``check`` until it returns something truthy (which is returned) or stops raising
    ``AssertionError``; at the deadline raises an ``AssertionError`` naming the last failure.

    The one way tests wait for something another thread, process or browser does: a hand-written loop
    tends to forget the final check, or to give up silently and let a later assertion fail obscurely.
    ``message`` (or a callable producing it, for state read at the deadline) says what was awaited;
    ``sleep`` lets a test wait cooperatively (``socketio.sleep``)."""
    deadline = time.monotonic() + timeout
    attempts = 0
    while True:
        attempts += 1
        try:
            result = check()
        except AssertionError as error:
            last: str = str(error) or repr(error)
            cause: AssertionError | None = error
        else:
            if result:
                return result
            last, cause = f"the check returned {result!r}", None
        if time.monotonic() >= deadline:
            said = message() if callable(message) else message
            summary = f"{said + ': ' if said else ''}not true after {timeout:g} s ({attempts} attempts)"
            raise AssertionError(f"{summary}; last: {last}") from cause
        sleep(interval)


def wait_until_serving(
    url: str,
    what: str,
    exited: Callable[[], int | None],
    output: Callable[[], str],
    timeout: float = 60.0,
) -> None:
    """Waits until ``url`` answers HTTP at all (any status).

    Every request error counts as "not yet": a server that is still importing or is starved of CPU may
    refuse the connection, reset it, or accept it and not answer within the request timeout (a
    ``ReadTimeout``), and all of those only mean it is not ready. It fails at once if the process exited,
    else at the deadline, naming what did not come up and showing its output."""

    def answers() -> bool:
        code = exited()
        if code is not None:
            raise ServerDidNotStart(f"{what} exited with code {code} before serving {url}\n{output()}")
        try:
            requests.get(url, timeout=2)
        except (requests.RequestException, OSError) as error:
            raise AssertionError(f"{url} did not answer: {error!r}") from error
        return True

    try:
        eventually(answers, timeout=timeout, interval=0.1)
    except AssertionError as error:
        raise ServerDidNotStart(f"{what} did not come up: {error}\n{output()}") from error


class ServerDidNotStart(RuntimeError):
    """A server process a test needs never answered: the test cannot run (the output says why)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class HasUrl(Protocol):
    @property
    def url(self) -> str: ...


def visitor_cookie(server: HasUrl) -> str:
    """The ``Cookie`` header of a new visitor who loaded the home page of ``server``."""
    response = requests.get(server.url + "/", timeout=10)
    return f"livechat_visitor={response.cookies['livechat_visitor']}"


def agent_cookie(server: HasUrl, name: str = "ada") -> str:
    """The ``Cookie`` header of a staff user of the tests' host app logged in on ``server``."""
    response = requests.get(f"{server.url}/login-as/{name}", timeout=10)
    return f"session={response.cookies['session']}"


def disconnect_all(*clients: socketio.Client) -> None:
    """Disconnects in parallel (websocket-client waits up to 3 s for a close reply the dev server never
    sends) and waits for all: a disconnect left running logs into whichever test runs next."""
    threads = [threading.Thread(target=client.disconnect) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)


def send_rapidly(client: socketio.Client, count: int, prefix: str) -> dict[int, dict[str, Any]]:
    """``count`` messages (bodies ``#1``…) sent without waiting for acks; the acks by number."""
    acks: dict[int, dict[str, Any]] = {}
    done = threading.Event()

    def on_ack(number: int) -> Any:
        def record(ack: dict[str, Any]) -> None:
            acks[number] = ack
            if len(acks) == count:
                done.set()

        return record

    for number in range(1, count + 1):
        client.emit(
            "send_message",
            {"client_id": f"{prefix}-{number:04d}", "body": f"#{number}", "client_seq": number},
            namespace=VISITOR_NS,
            callback=on_ack(number),
        )
    assert done.wait(60), f"only {len(acks)} of {count} acked"
    return acks


# attachments
UPLOAD = "/livechat/api/attachments"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def session_of(visitor: SocketIOTestClient) -> str:
    """The visitor's page session token, which uploads carry."""
    token: str = visitor.emit("hello", {}, namespace=VISITOR_NS, callback=True)["session"]
    return token


def upload(client: FlaskClient, session: str | None, data: bytes, name: str, **extra: Any) -> Any:
    headers = {"X-LiveChat-Session": session} if session else {}
    return client.post(
        UPLOAD,
        data={"client_id": extra.pop("client_id", "upload-0001"), "file": (io.BytesIO(data), name)},
        headers=headers,
        content_type="multipart/form-data",
        **extra,
    )


def agent_upload(
    app: Any,
    conversation_id: str,
    data: bytes,
    name: str,
    *,
    staff: str = "ada",
    client_id: str = "agent-file-1",
) -> Any:
    """A file an agent sends from the console: logged in, with the upload token the console page carries."""
    http = app.test_client()
    http.get(f"/login-as/{staff}")
    token = http.get("/livechat/agent/attachments").json["csrf_token"]
    return http.post(
        "/livechat/agent/attachments",
        data={"conversation_id": conversation_id, "client_id": client_id, "file": (io.BytesIO(data), name)},
        headers={"X-CSRF-Token": token},
        content_type="multipart/form-data",
    )


# databases
POSTGRES_URL = os.environ.get(
    "LIVECHAT_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)


def postgres_reachable() -> bool:
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except (OperationalError, ImportError):
        return False


def every_row(livechat: LiveChatState) -> dict[str, list[str]]:
    """Every row of every table, as text (small test databases only)."""
    with livechat.store.engine.connect() as connection:
        return {
            table.name: sorted(json.dumps([str(v) for v in row]) for row in connection.execute(select(table)))
            for table in Base.metadata.sorted_tables
        }


def is_staff_path(path: str) -> bool:
    return path.startswith(("/livechat/agent", "/livechat/admin"))


def http_routes(app: Any) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/livechat") or rule.endpoint.endswith("static"):
            continue
        path = re.sub(r"<int:[^>]+>", "1", rule.rule)
        path = re.sub(r"<[^>]+>", "fuzz", path)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, path))
    return routes


def stop_process(process: subprocess.Popen[bytes] | None, timeout: float = 10) -> None:
    """A graceful stop (SIGTERM), then SIGKILL after ``timeout`` seconds; nothing for a finished process."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def mail_texts(message: Any) -> str:
    """Everything a mail shows once decoded: every header and every text part (base64, quoted-printable
    and RFC 2047 words undone), so a scan cannot miss what a transfer encoding hides."""
    parts = [f"{name}: {value}" for name, value in message.items()]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


def without_separators(text: str) -> str:
    """Digits joined across the separators a card number may be written with (spaces, dots, dashes)."""
    return re.sub(r"[ .\-]", "", text)


def leftovers(livechat: LiveChatState, needles: list[str]) -> list[str]:
    """Where any needle survives in a store of either kind: every row of every table, and on SQLite also
    the FTS shadow tables and the files (``sqlite_leftovers``)."""
    found = [
        f"{table}: {needle!r}"
        for table, rows in every_row(livechat).items()
        for needle in needles
        if any(needle in row for row in rows)
    ]
    if livechat.store.engine.dialect.name == "sqlite":
        found += sqlite_leftovers(livechat, needles)
    return found


def sqlite_leftovers(livechat: LiveChatState, needles: list[str]) -> list[str]:
    """Where any needle survives in a SQLite store: any table SQLite holds (FTS5 shadow tables included, their
    blobs as bytes), the database file's bytes and the WAL file's bytes."""
    found = []
    encoded = [needle.encode() for needle in needles]
    with livechat.store.engine.connect() as connection:
        names = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'").scalars()
        for name in list(names):
            if name.endswith("_fts"):
                continue  # the virtual table reads its shadow tables, which are scanned themselves
            for row in connection.exec_driver_sql(f'SELECT * FROM "{name}"'):
                for value in row:
                    data = value if isinstance(value, bytes) else str(value).encode()
                    found += [f"{name}: {n!r}" for n in encoded if n in data]
        path = connection.exec_driver_sql("PRAGMA database_list").first()[2]  # type: ignore[index]
    for file in (path, path + "-wal"):
        if os.path.exists(file):
            with open(file, "rb") as handle:
                data = handle.read()
            found += [f"{os.path.basename(file)}: {n!r}" for n in encoded if n in data]
    return found


class WebhookReceiver:
    """A real HTTP receiver on loopback (``http.server``, a thread per request) that records every POST.

    ``statuses`` answers the next requests in turn (then 204); ``hang`` makes it hold each request that
    many seconds (released early by ``close``), as a stuck receiver would."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        receiver = self
        self.requests: list[tuple[dict[str, str], str]] = []
        self.statuses: list[int] = []
        self.hang = 0.0
        self._released = threading.Event()
        self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
                with receiver._lock:
                    receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 204
                if receiver.hang:
                    receiver._released.wait(receiver.hang)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def bodies(self) -> list[dict[str, Any]]:
        with self._lock:
            return [json.loads(body) for _, body in self.requests]

    def of_type(self, event: str) -> list[tuple[dict[str, str], str]]:
        with self._lock:
            return [(headers, body) for headers, body in self.requests if json.loads(body)["type"] == event]

    def close(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def drop_chat_schema(engine: Engine) -> None:
    """Every chat table, the full-text index and the version table: the next first use builds it anew."""
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))
        if connection.dialect.name == "sqlite":
            connection.execute(text("DROP TABLE IF EXISTS livechat_messages_fts"))


def response_text(response: Any) -> str:
    """A response's body as text; a zip (the download of my data) as the text of every file in it."""
    if response.mimetype != "application/zip":
        return str(response.get_data(as_text=True))
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


API = "/livechat/api/v1"


def api_token(
    app: Any,
    *,
    scope: str = "write",
    agent_id: str = "1",
    agent_name: str = "Ada Agent",
    role: str = "agent",
    departments: tuple[str, ...] = (),
) -> str:
    """A personal access token made through the service, as the admin page makes them (by Bob Admin)."""
    from flask_livechat.services.chat import Agent

    with app.app_context():
        made = app.extensions["livechat"].api_tokens.create(
            Agent("2", "Bob Admin", "admin"),
            name=f"test {scope} token",
            scope=scope,
            agent_id=agent_id,
            agent_name=agent_name,
            role=role,
            departments=list(departments),
        )
    return str(made.plain)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def statements_during(engine: Engine, action: Callable[[], object]) -> list[str]:
    """The SQL ``engine`` ran while ``action`` did, in order."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seen


def reads_of(statements: list[str], table: str) -> list[str]:
    """The SELECTs among ``statements`` that name ``table``."""
    return [s for s in statements if s.lstrip().upper().startswith("SELECT") and table in s]


def talking_visitors(store: Any, count: int) -> list[str]:
    """``count`` new visitors, each with an open conversation holding one first message."""
    visitor_ids = [store.visitors.create_visitor(persistent=True).id for _ in range(count)]
    for visitor_id in visitor_ids:
        store.conversations.add_visitor_message(visitor_id, client_id=f"first-{visitor_id}", body="hi")
    return visitor_ids
