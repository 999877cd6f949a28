"""Fault injection for tests against real servers: a loopback TCP proxy that can cut or silently stall every
connection, and a python-socketio client that resumes the way the widget does.

Everything here stops what it starts (``close()``), so a failing test leaves no thread or socket behind.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import socketio

from flask_livechat.store import Store
from tests.helpers import (
    AGENT_NS,
    VISITOR_NS,
    ServerDidNotStart,
    eventually,
    free_port,
    stop_process,
    wait_until_serving,
)

ROOT = Path(__file__).resolve().parent.parent

#: Transport limits out of the way of load tests, whose thousand clients all come from 127.0.0.1.
UNLIMITED_TRANSPORT = {"LIVECHAT_HANDSHAKE_LIMIT": None, "LIVECHAT_MAX_CONNECTIONS_PER_IP": None}

#: For modules that cut connections: websocket-client leaves such sockets to the garbage collector.
CUTS_CONNECTIONS = [
    pytest.mark.usefixtures("release_sockets"),
    pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"),
]


class TcpProxy:
    """Forwards ``127.0.0.1:<port>`` to ``upstream``.

    ``cut()`` closes every open connection (clients see the transport drop); ``stall()`` stops forwarding
    without closing anything (a connection that dies silently)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._stalled = threading.Event()
        self._down = threading.Event()
        self._closed = False
        self.cuts = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._closed:
            try:
                downstream, _ = self._listener.accept()
            except OSError:
                return
            if self._down.is_set():
                _close(downstream)  # as if nothing listened: the service is down
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
            except OSError:
                downstream.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._pairs.append((downstream, upstream))
            for source, target in ((downstream, upstream), (upstream, downstream)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                while self._stalled.is_set() and not self._closed:
                    time.sleep(0.05)  # a stalled link swallows nothing and forwards nothing
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                _close(end)

    def cut(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
            self.cuts += 1
        for pair in pairs:
            for end in pair:
                _close(end)

    def down(self) -> None:
        """The service behind goes away: open connections drop and new ones are closed at once."""
        self._down.set()
        self.cut()

    def up(self) -> None:
        self._down.clear()

    def stall(self) -> None:
        self._stalled.set()

    def close(self) -> None:
        self._closed = True
        self._stalled.clear()
        _close(self._listener)
        self.cut()
        self._thread.join(timeout=5)


def _close(end: socket.socket) -> None:
    try:
        end.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    end.close()


class ResumingPeer:
    """A visitor or agent client that behaves like the widget: an outbox resent after every reconnect
    (``client_seq`` from 1 on each connection), the last contiguous seq remembered and sent on resume, and
    ``fetch_messages`` when a ``new_message`` skips a seq. ``delivered`` is what a user would see."""

    def __init__(
        self,
        urls: list[str],
        namespace: str,
        cookie: str,
        *,
        conversation_id: str | None = None,
        max_in_flight: int = 50,
    ) -> None:
        self.urls = urls
        self.namespace = namespace
        self.cookie = cookie
        self.conversation_id = conversation_id
        self.max_in_flight = max_in_flight
        self.delivered: list[dict[str, Any]] = []
        self.errors: list[Any] = []
        self.acked: dict[str, dict[str, Any]] = {}
        self.outbox: dict[str, dict[str, Any]] = {}
        self.resumes = 0
        self._buffer: dict[int, dict[str, Any]] = {}
        self._lock = threading.RLock()
        self._ready = False
        self._next_client_seq = 1
        self._wake = threading.Event()
        self._resync = False
        self._stopping = False
        self._url_index = 0
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("connect", self._on_connect, namespace=namespace)
        self.sio.on("disconnect", self._on_disconnect, namespace=namespace)
        self.sio.on("new_message", lambda m: self._receive([m]), namespace=namespace)
        self._worker = threading.Thread(target=self._run, daemon=True)
        self._worker.start()

    # connection (our own loop with jittered backoff, so a client can fail over to another URL)
    def _connect_once(self) -> bool:
        url = self.urls[self._url_index % len(self.urls)]
        try:
            self.sio.connect(
                url,
                namespaces=[self.namespace],
                headers={"Cookie": self.cookie},
                transports=["websocket"],
                wait_timeout=5,
            )
            return True
        except socketio.exceptions.ConnectionError:
            self._url_index += 1  # fail over
            return False

    def _on_connect(self) -> None:
        with self._lock:
            self._ready = False
            self._resync = True
        self._wake.set()

    def _on_disconnect(self, *args: Any) -> None:
        with self._lock:
            self._ready = False
        self._wake.set()

    @property
    def last_seq(self) -> int:
        return self.delivered[-1]["seq"] if self.delivered else 0

    def _run(self) -> None:
        delay = 0.05
        while not self._stopping:
            if not self.sio.connected:
                with self._lock:
                    self._ready = (
                        False  # before the next connection exists: nothing may go out on it unnumbered
                    )
                if self._connect_once():
                    delay = 0.05
                else:
                    time.sleep(delay * (0.5 + random.random()))
                    delay = min(delay * 2, 1.0)
                    continue
            self._wake.wait(0.5)
            self._wake.clear()
            if self._stopping or not self.sio.connected:
                continue
            try:
                if self._resync:
                    self._resume()
                elif self._has_gap():
                    self._fill()
            except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
                pass  # the connection went away meanwhile; the next connect resumes

    def _call(self, event: str, payload: dict[str, Any]) -> dict[str, Any]:
        ack: dict[str, Any] = self.sio.call(event, payload, namespace=self.namespace, timeout=10)
        if not ack.get("ok"):
            self.errors.append((event, ack))
        return ack

    def _resume(self) -> None:
        self.resumes += 1
        if self.namespace == "/livechat":
            hello = self._call("hello", {"last_seq": self.last_seq, "conversation_id": self.conversation_id})
            self._receive(hello["messages"])
        else:
            self._call("hello", {})
            if self.conversation_id is not None:
                self._receive(
                    self._call("join_conversation", {"conversation_id": self.conversation_id})["messages"]
                )
        if self.conversation_id is not None:
            self._fill()
        with self._lock:
            self._resync = False
            self._next_client_seq = 1
            for payload in list(self.outbox.values()):
                self._emit(payload)
            self._ready = True

    def _has_gap(self) -> bool:
        with self._lock:
            return bool(self._buffer)

    def _fill(self) -> None:
        while True:
            payload: dict[str, Any] = {"after_seq": self.last_seq}
            if self.conversation_id is not None:
                payload["conversation_id"] = self.conversation_id
            ack = self._call("fetch_messages", payload)
            if not ack.get("ok"):
                return
            self._receive(ack["messages"])
            if not ack["more"]:
                return

    def _receive(self, messages: list[dict[str, Any]]) -> None:
        with self._lock:
            for message in messages:
                if self.conversation_id is None:
                    self.conversation_id = message["conversation_id"]
                if message["seq"] > self.last_seq:
                    self._buffer[message["seq"]] = message
            while self.last_seq + 1 in self._buffer:
                self.delivered.append(self._buffer.pop(self.last_seq + 1))
            gap = bool(self._buffer)
        if gap:
            self._wake.set()

    # sending
    def send(self, client_id: str, body: str) -> None:
        while True:
            with self._lock:
                if len(self.outbox) < self.max_in_flight:
                    payload = {"client_id": client_id, "body": body}
                    if self.namespace != "/livechat":
                        payload["conversation_id"] = self.conversation_id
                    self.outbox[client_id] = payload
                    if self._ready:
                        self._emit(payload)
                    return
            time.sleep(0.005)

    def _emit(self, payload: dict[str, Any]) -> None:
        client_id = payload["client_id"]
        packet = {**payload, "client_seq": self._next_client_seq}
        self._next_client_seq += 1

        def on_ack(ack: dict[str, Any]) -> None:
            with self._lock:
                if not ack.get("ok"):
                    self.errors.append(("send_message", ack))
                    return
                if self.outbox.pop(client_id, None) is not None:
                    self.acked[client_id] = ack["message"]

        try:
            self.sio.emit("send_message", packet, namespace=self.namespace, callback=on_ack)
        except (socketio.exceptions.BadNamespaceError, OSError):
            pass  # resent after the reconnect

    def close(self) -> None:
        self._stopping = True
        self._wake.set()
        self._worker.join(timeout=10)
        try:
            self.sio.disconnect()
        except Exception:
            pass


class ServerProcess:
    """The tests' host app (tests/server_process.py) in a process of its own; ``kill()`` is ``kill -9``."""

    def __init__(self, instance: Path, mode: str = "eventlet", config: dict[str, Any] | None = None) -> None:
        self.instance = instance
        self.mode = mode
        self.config = config or {}
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = instance / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        self.instance.mkdir(parents=True, exist_ok=True)
        environment = {
            **os.environ,
            "PORT": str(self.port),
            "ASYNC_MODE": self.mode,
            "INSTANCE": str(self.instance),
            "LIVECHAT_TEST_CONFIG": json.dumps(self.config),
            "PYTHONUNBUFFERED": "1",
        }
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.server_process"],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until_serving(self.url + "/", f"the test server ({self.mode})", self.process.poll, self.log)
        except BaseException:
            self.stop()
            raise
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        stop_process(self.process)

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


class RedisProcess:
    """A redis-server of the test's own on a free port (never the machine's shared one), so it can be stopped
    and restarted on the same port."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = directory / f"redis-{self.port}.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> RedisProcess:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [
                    *("redis-server", "--bind", "127.0.0.1", "--port", str(self.port)),
                    *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process = self.process

        def pongs() -> bool:
            """Any socket error, or a reply that is not PONG yet (LOADING), means "not ready"."""
            if process.poll() is not None:
                raise ServerDidNotStart(f"redis-server exited with code {process.returncode}\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as probe:
                    probe.sendall(b"PING\r\n")
                    reply = probe.recv(64)
            except OSError as error:
                raise AssertionError(f"redis-server on {self.port}: {error!r}") from error
            assert reply.startswith(b"+PONG"), f"redis-server answered {reply!r}"
            return True

        try:
            eventually(pongs, timeout=30, interval=0.05)
        except AssertionError as error:
            self.stop()
            raise ServerDidNotStart(f"redis-server did not come up: {error}\n{self.log()}") from error
        except BaseException:
            self.stop()
            raise
        return self

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def converse(
    visitor_urls: list[str],
    agent_urls: list[str],
    cookies: tuple[str, str],
    count: int,
    cut: Callable[[int], None],
    pace: float = 0.0,
) -> tuple[ResumingPeer, ResumingPeer]:
    """A visitor and an agent each send ``count`` messages at once (one every ``pace`` seconds) while
    ``cut(acked)`` breaks things; returns when both have seen all ``2 * count``."""
    visitor = ResumingPeer(visitor_urls, VISITOR_NS, cookies[0])
    agent: ResumingPeer | None = None
    try:
        visitor.send("v-00000000", "v0")
        eventually(
            lambda: "v-00000000" in visitor.acked,
            timeout=30,
            message=lambda: f"the visitor's first message was not acked (errors: {visitor.errors[:3]})",
        )
        conversation_id = visitor.acked["v-00000000"]["conversation_id"]
        agent = ResumingPeer(agent_urls, AGENT_NS, cookies[1], conversation_id=conversation_id)

        def sender(peer: ResumingPeer, prefix: str, first: int) -> None:
            for n in range(first, count):
                peer.send(f"{prefix}-{n:08d}", f"{prefix}{n}")
                if pace:
                    time.sleep(pace)

        # daemons: a sender blocked on a full outbox must not keep the test run alive after a failure
        threads = [
            threading.Thread(target=sender, args=(visitor, "v", 1), daemon=True),
            threading.Thread(target=sender, args=(agent, "a", 0), daemon=True),
        ]
        for thread in threads:
            thread.start()
        peers = (visitor, agent)

        def all_sent_and_acked() -> bool:
            assert agent is not None
            cut(len(visitor.acked) + len(agent.acked))
            return not any(thread.is_alive() for thread in threads) and not any(p.outbox for p in peers)

        eventually(
            all_sent_and_acked,
            timeout=180,
            interval=0.01,
            message=lambda: f"still unacked: {[len(p.outbox) for p in peers]} (errors: {visitor.errors[:3]})",
        )

        def delivers_everything(peer: ResumingPeer) -> None:
            eventually(
                lambda: len(peer.delivered) >= 2 * count,
                timeout=90,
                message=lambda: (
                    f"{len(peer.delivered)} of {2 * count} delivered, {len(peer.outbox)} unacked, "
                    f"errors: {peer.errors[:3]}"
                ),
            )

        for peer in peers:
            delivers_everything(peer)
        return visitor, agent
    finally:
        visitor.close()
        if agent is not None:
            agent.close()


def assert_exactly_once_in_order(
    store: Store, visitor: ResumingPeer, agent: ResumingPeer, count: int
) -> None:
    conversation_id = visitor.conversation_id
    assert conversation_id is not None
    stored = store.conversations.messages_of(conversation_id, limit=10 * count)
    assert [m.seq for m in stored] == list(range(1, 2 * count + 1))  # one row per client_id: no duplicates
    bodies = [m.body for m in stored]
    assert [b for b in bodies if b.startswith("v")] == [f"v{n}" for n in range(count)]  # order sent
    assert [b for b in bodies if b.startswith("a")] == [f"a{n}" for n in range(count)]
    ids = [m.id for m in stored]
    for peer in (visitor, agent):
        assert [m["id"] for m in peer.delivered] == ids  # no loss, no duplicate, no reordering
        assert not peer.outbox and len(peer.acked) == count
        assert {peer.acked[m["client_id"]]["id"] for m in peer.delivered if m["client_id"] in peer.acked} == {
            m["id"] for m in peer.delivered if m["client_id"] in peer.acked
        }
