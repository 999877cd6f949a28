"""What every server benchmark shares: start our example site or the bare relay pinned to one core, run the
Node load generator pinned to the other, read a process's CPU time and memory from /proc, and describe the
machine for the results table.

Not a benchmark itself; bench/throughput.py, bench/connections.py, bench/cpu_profile.py, bench/scaleout.py and
bench/reconnect.py use it.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
LOADGEN = ROOT / "bench" / "loadgen"
SERVER_CORE = "0"
LOADGEN_CORE = "1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

#: Limits raised for the test: 200 visitors all come from 127.0.0.1, and each sends more than a person would.
UNLIMITED = {
    "LIVECHAT_RATE_LIMITS": {
        "connect": "1000000/second",
        "message": "1000000/second",
        "message_per_ip": "1000000/second",
        "agent_message": "1000000/second",
    },
    "LIVECHAT_HANDSHAKE_LIMIT": None,
    "LIVECHAT_MAX_CONNECTIONS_PER_IP": None,
}

#: Where ``--postgres`` puts the chat's tables when no URL is given; the schema is emptied at every start.
POSTGRES_ENV = "LIVECHAT_BENCH_POSTGRES_URL"


def log(*parts: object) -> None:
    """A progress line on stderr (``#``-prefixed), so the results on stdout paste cleanly."""
    print("#", *parts, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def raise_file_limit() -> None:
    """For the children (preexec_fn): thousands of sockets need more than the usual 1,024 descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_bytes(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE


def reset_postgres(url: str) -> None:
    """An empty ``public`` schema, so every run starts from the same (empty) database."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sqlalchemy.text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(sqlalchemy.text("CREATE SCHEMA public"))
    engine.dispose()


@dataclass
class Server:
    """One server process pinned to ``core`` (SERVER_CORE): ``kind`` is ``ours`` (the example site) or
    ``bare``."""

    kind: str  # ours, bare, or host (the example site without the extension)
    async_mode: str = "eventlet"
    postgres_url: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    max_size: int | None = None  # eventlet's connection pool, when not its 1,024
    environment: dict[str, str] = field(default_factory=dict)  # more variables for the server process
    core: str = SERVER_CORE  # taskset's CPU list for it
    process: subprocess.Popen[bytes] | None = None
    directory: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The process that serves: under gunicorn its one worker, not the master."""
        assert self.process is not None
        if self.async_mode != "gevent":
            return self.process.pid
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return int(children[0]) if children else self.process.pid

    @property
    def label(self) -> str:
        return {"ours": "ours", "bare": "bare relay", "host": "site without chat"}[self.kind]

    def start(self) -> Server:
        """Starts the server and returns once it answers ``GET /``. Started again after ``kill()``, it keeps
        its port, instance folder and database (PostgreSQL is emptied at the first start only)."""
        if threading.current_thread() is threading.main_thread():
            # A benchmark stopped with SIGTERM (timeout, kill) still stops its servers (finally blocks run).
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        first = self.directory is None
        if self.directory is None:
            self.directory = Path(tempfile.mkdtemp(prefix=f"livechat-bench-{self.kind}-"))
        environment = {
            **os.environ,
            **self.environment,
            "PORT": str(self.port),
            "ASYNC_MODE": self.async_mode,
        }
        environment["PYTHONWARNINGS"] = "ignore"
        if self.max_size:
            environment["BENCH_MAX_SIZE"] = str(self.max_size)
        if self.kind == "host":
            environment["BENCH_WITHOUT_CHAT"] = "1"
        if self.kind in ("ours", "host"):
            config = {**UNLIMITED, **self.config}
            if self.postgres_url:
                if first:
                    reset_postgres(self.postgres_url)
                config["LIVECHAT_DATABASE_URL"] = self.postgres_url
            environment.update(
                EXAMPLE_INSTANCE_PATH=str(self.directory),
                EXAMPLE_CONFIG=json.dumps(config),
                SECRET_KEY="bench-" + "k" * 40,
            )
            command = [sys.executable, str(ROOT / "bench" / "site.py")]
        else:
            command = [sys.executable, str(ROOT / "bench" / "relay.py"), "--port", str(self.port)]
            command += ["--async-mode", self.async_mode]
            if self.max_size:
                command += ["--max-size", str(self.max_size)]
        if self.async_mode == "gevent":
            command = self.gunicorn_command()
        log = open(self.directory / "server.log", "ab")
        self.process = subprocess.Popen(
            ["taskset", "-c", self.core, *command],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=raise_file_limit,
        )
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.label} exited at start:\n{self.log()}")
            try:
                with urlopen(self.url + "/", timeout=2):
                    return self
            except (URLError, OSError):
                time.sleep(0.2)
        output = self.log()
        self.stop()
        raise RuntimeError(f"{self.label} did not answer within 60 s:\n{output}")

    def gunicorn_command(self) -> list[str]:
        """gevent is measured as docs/deployment.md recommends it: one gunicorn gevent worker."""
        assert self.directory is not None
        return [
            *(sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1"),
            *("--worker-connections", str(self.max_size or 10000), "-b", f"127.0.0.1:{self.port}"),
            # A restart's reconnect storm overflows gunicorn's default listen queue (2,048): the connects past
            # it are dropped and the client's SYN is retried after 1, 3, 7 s (docs/deployment.md).
            *("--backlog", "4096"),
            *("--pythonpath", f"{ROOT / 'bench'},{ROOT}", "--log-level", "warning", "--timeout", "120"),
            # gunicorn's control socket has one default path per user: each server its own.
            *("--control-socket", str(self.directory / "gunicorn.ctl")),
            "wsgi:relay()" if self.kind == "bare" else "wsgi:ours()",
        ]

    def log(self) -> str:
        assert self.directory is not None
        return (self.directory / "server.log").read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would: under gunicorn the worker and the master, so nothing
        closes its connections politely. The instance folder stays for the next ``start()``."""
        assert self.process is not None
        worker = self.pid
        if worker != self.process.pid:
            os.kill(worker, signal.SIGKILL)
        self.process.kill()
        self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while Path(f"/proc/{worker}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)  # the worker is gunicorn's child: gone once the master is reaped, or reparented

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None


def for_visitors(kind: str, async_mode: str, visitors: int) -> Server:
    """A server that holds ``visitors`` chats: its pool and our connection cap raised together, with a
    reserve of 100 places for pages (what docs/deployment.md tells a host to do)."""
    return Server(kind, async_mode, config={"LIVECHAT_MAX_CONNECTIONS": visitors}, max_size=visitors + 100)


@contextmanager
def running(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Sampler:
    """Samples a process's RSS every ``interval`` seconds in a thread, for peak and growth."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        self.pid = pid
        self.interval = interval
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.samples.append(rss_bytes(self.pid))
            except OSError:
                return
            self._stop.wait(self.interval)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def ensure_loadgen() -> None:
    """``npm ci`` in bench/loadgen once (node_modules is not committed)."""
    if not (LOADGEN / "node_modules" / "socket.io-client").exists():
        print("installing the load generator (npm ci in bench/loadgen) ...", file=sys.stderr, flush=True)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=LOADGEN, check=True)


def loadgen_command(server: Server, **options: Any) -> list[str]:
    command = ["taskset", "-c", LOADGEN_CORE, "node", str(LOADGEN / "loadgen.mjs"), "--url", server.url]
    for key, value in options.items():
        command += ["--" + key.replace("_", "-"), str(value)]
    return command


def loadgen(server: Server, on_mark: Callable[[str], None] | None = None, **options: Any) -> dict[str, Any]:
    """Runs the load generator against ``server`` and adds what the server spent meanwhile.

    ``marks`` maps each ``MARK`` line of the load generator (quiet, window, end; ready in idle mode) to
    the server's CPU seconds and the time when it was read (``on_mark`` is called then, in a thread).
    ``window_cpu_s`` is the CPU of the measured window (sending and draining) less the background CPU
    measured in the quiet period before it."""
    marks: dict[str, tuple[float, float]] = {}
    errors: list[str] = []
    with Sampler(server.pid) as sampler:
        began = time.monotonic()
        cpu_before = cpu_seconds(server.pid)
        process = subprocess.Popen(
            loadgen_command(server, **options),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=raise_file_limit,
        )

        def watch() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                if line.startswith("[loadgen] MARK "):
                    try:
                        marks[line.split()[2]] = (cpu_seconds(server.pid), time.monotonic())
                    except OSError:
                        pass  # the server is down (bench/reconnect.py kills it): a mark without its CPU
                    if on_mark is not None:
                        on_mark(line.split()[2])
                errors.append(line)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        assert process.stdout is not None
        try:
            stdout = process.stdout.read()  # one JSON line at the end; stderr is the watcher's
            process.wait(timeout=900)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        watcher.join(timeout=5)
    if process.returncode != 0:
        raise RuntimeError(f"load generator failed against {server.label}:\n{''.join(errors)[-3000:]}")
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    result["server_cpu_s"] = cpu_seconds(server.pid) - cpu_before
    result["wall_s"] = round(time.monotonic() - began, 1)
    result["server_rss_max"] = max(sampler.samples, default=0)
    result["server_rss_first"] = sampler.samples[0] if sampler.samples else 0
    result["marks"] = marks
    if {"quiet", "window", "end"} <= marks.keys():
        (quiet_cpu, quiet_at), (window_cpu, window_at), (end_cpu, end_at) = (
            marks["quiet"],
            marks["window"],
            marks["end"],
        )
        background = (window_cpu - quiet_cpu) / max(window_at - quiet_at, 1e-6)
        result["background_cpu_percent"] = round(background * 100, 2)
        result["window_cpu_s"] = (end_cpu - window_cpu) - background * (end_at - window_at)
    return result


def version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def machine() -> dict[str, str]:
    """What a results table must say about where it was measured."""
    model = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
        "?",
    )
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    socketio_client = "-"
    lock = LOADGEN / "node_modules" / "socket.io-client" / "package.json"
    if lock.exists():
        socketio_client = json.loads(lock.read_text())["version"]
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "load average at start": " ".join(f"{value:.2f}" for value in os.getloadavg()),
        "python": platform.python_version(),
        "versions": ", ".join(
            f"{name} {version(name)}"
            for name in (
                "flask-livechat",
                "Flask",
                "Flask-SocketIO",
                "python-socketio",
                "python-engineio",
                "eventlet",
                "gevent",
                "gunicorn",
                "SQLAlchemy",
            )
        )
        + f", node {node}, socket.io-client {socketio_client}",
        "command": " ".join(["python", os.path.relpath(sys.argv[0], ROOT), *sys.argv[1:]]),
    }


def print_machine(info: dict[str, str]) -> None:
    for key, value in info.items():
        print(f"{key:>22}: {value}")


def table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            str(cell).rjust(width) if i else str(cell).ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in [header, *rows]
    ]
    return "\n".join(lines)


def ratio(ours: float | None, bare: float | None, percent: bool = False) -> str:
    if not ours or not bare:
        return "-"
    value = ours / bare
    return f"{value * 100:.1f} %" if percent else f"{value:.2f}x"
