"""gunicorn and nginx as docs/deployment.md runs them, each in a process of its own that the test stops.

nginx runs as the test's own user: its pid file, logs and temporary folders are in the test's folder.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.faults import ROOT
from tests.helpers import free_port, stop_process, wait_until_serving

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _has_control_socket() -> bool:
    import gunicorn

    return tuple(gunicorn.version_info) >= (25, 1)


class GunicornProcess:
    """``gunicorn <options> tests.gunicorn_app:app`` on a free port; ``options`` are the documented ones."""

    def __init__(self, instance: Path, options: str, config: dict[str, Any] | None = None) -> None:
        self.instance = instance
        self.options = shlex.split(options)
        self.config = config or {}
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = instance / f"gunicorn-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> GunicornProcess:
        self.instance.mkdir(parents=True, exist_ok=True)
        environment = {
            **os.environ,
            "INSTANCE": str(self.instance),
            "LIVECHAT_TEST_CONFIG": json.dumps(self.config),
            "PYTHONUNBUFFERED": "1",
        }
        # gunicorn 25.1+ opens a control socket at one default path per user: one of its own for each process
        control = ["--control-socket", str(self.instance / "gunicorn.ctl")] if _has_control_socket() else []
        command = [sys.executable, "-m", "gunicorn", *self.options, *control, "-b", self.address]
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [*command, "tests.gunicorn_app:app"],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until_serving(
                self.url + "/", f"gunicorn {' '.join(self.options)}", self.process.poll, self.log
            )
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        stop_process(self.process, timeout=15)  # gunicorn's graceful stop; its workers go with it

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


class NginxProcess:
    """nginx in the foreground with a config of the test's own: ``upstream_block`` and ``location_block``
    are pasted in as docs/deployment.md shows them (the test fills in the upstream servers)."""

    def __init__(self, directory: Path, upstream_block: str, location_block: str) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.upstream_block = upstream_block
        self.location_block = location_block

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def config(self) -> str:
        temp = self.directory / "temp"
        return f"""
daemon off;
master_process on;
worker_processes 1;
pid {self.directory}/nginx.pid;
error_log {self.directory}/error.log info;
events {{ worker_connections 1024; }}
http {{
    access_log {self.directory}/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
{self.upstream_block}
    server {{
        listen 127.0.0.1:{self.port};
        server_name localhost;
{self.location_block}
    }}
}}
"""

    def start(self) -> NginxProcess:
        (self.directory / "temp").mkdir(parents=True, exist_ok=True)
        config = self.directory / "nginx.conf"
        config.write_text(self.config())
        with open(self.directory / "stdout.log", "a") as log:
            self.process = subprocess.Popen(
                [NGINX, "-p", str(self.directory), "-c", str(config)], stdout=log, stderr=subprocess.STDOUT
            )
        try:
            wait_until_serving(self.url + "/", "nginx", self.process.poll, self.log)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        stop_process(self.process)

    def log(self) -> str:
        parts = []
        for name in ("stdout.log", "error.log"):
            path = self.directory / name
            if path.exists():
                parts.append(path.read_text())
        return "\n".join(parts)
