"""Which files may be uploaded, over a real server: allow-listed extensions whose content matches, never an
active type (not even behind a second extension), and downloads that a browser will not run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from flask_livechat.config import ConfigError
from flask_livechat.schemas import message_schema
from flask_livechat.services.attachments import FolderStorage
from flask_livechat.state import LiveChatState
from flask_livechat.visitor_session import visitor_id_from_session
from tests.conftest import LiveServer, build_app, real_socket, serve, server_cookie

UPLOAD = "/livechat/api/attachments"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n%fake but starts right\n"
EXE = b"MZ\x90\x00" + b"\x00" * 64
HTML = b"<html><script>alert(document.cookie)</script></html>"
LIMITS = {"upload": "1000/minute", "connect": "1000/minute"}


@pytest.fixture
def server(tmp_path: Any) -> Iterator[LiveServer]:
    app = build_app(str(tmp_path / "instance"), LIVECHAT_RATE_LIMITS=LIMITS)
    with serve(app) as live:
        yield live
    app.extensions["livechat"].sweeper.stop()
    app.extensions["livechat"].store.dispose()


@pytest.fixture
def session(server: LiveServer) -> Iterator[str]:
    """The page session token of a visitor connected over a real socket (what the widget uploads with)."""
    with real_socket(server, "/livechat", server_cookie(server)) as visitor:
        yield visitor.call("hello", {}, namespace="/livechat", timeout=5)["session"]


def upload(server: LiveServer, session: str, data: bytes, name: str, declared: str, client_id: str) -> Any:
    return requests.post(
        server.url + UPLOAD,
        headers={"X-LiveChat-Session": session},
        data={"client_id": client_id},
        files={"file": (name, data, declared)},
        timeout=5,
    )


def stored_files(server: LiveServer) -> list[str]:
    folder = os.path.join(server.app.instance_path, "livechat-attachments")
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def state_of(server: LiveServer) -> LiveChatState:
    state: LiveChatState = server.app.extensions["livechat"]
    return state


REFUSED = [
    (HTML, "statement.html", "text/plain"),
    (PDF, "invoice.pdf.bat", "application/pdf"),
    (b"<script>x</script>", "update.hta", "text/plain"),
    (EXE, "setup.exe", "text/plain"),
    (PNG, "photo.png.exe", "image/png"),
    (PDF, "report.exe.pdf", "application/pdf"),
    (PDF, "statement.html.pdf", "application/pdf"),
    (b"<svg onload=alert(1)>", "icon.svg", "image/svg+xml"),
    (b"alert(1)", "app.js", "text/plain"),
    (b"alert(1)", "app.mjs", "text/plain"),
    (b"Get-Item", "run.ps1", "text/plain"),
    (b"echo hi", "run.sh", "text/plain"),
    (b"plain text", "README", "text/plain"),
    (b"plain text", "notes.docx", "text/plain"),
    (PNG, "notes.txt", "text/plain"),  # the content is an image
    (PDF, "table.csv", "text/csv"),
    (b"text\x00with nul", "notes.txt", "text/plain"),
    (b"\xff\xfe not utf-8", "table.csv", "text/csv"),
    (HTML, "photo.png", "image/png"),
    (PNG, "photo.jpg", "image/jpeg"),
    (JPEG, "doc.pdf", "application/pdf"),
    (PDF, "setup.exe.", "application/pdf"),
]


def test_active_or_mismatched_files_are_refused_and_leave_nothing(server: LiveServer, session: str) -> None:
    state = state_of(server)
    before = state.store.count_rows()
    for number, (data, name, declared) in enumerate(REFUSED):
        response = upload(server, session, data, name, declared, f"refused-{number:04d}")
        assert response.status_code == 400, (name, response.status_code, response.text)
        error = response.json()["error"]
        assert error["code"] == "invalid" and "file" in error["fields"], (name, error)
    assert state.store.count_rows() == before
    assert stored_files(server) == []


ACCEPTED = [
    (PNG, "screen.PNG", "application/octet-stream", "image/png", "inline"),
    (JPEG, "photo.jpeg", "image/jpeg", "image/jpeg", "inline"),
    (PDF, "invoice.pdf", "text/plain", "application/pdf", "attachment"),
    ("Grüße\n".encode(), "notes.txt", "application/octet-stream", "text/plain", "attachment"),
    (b"a,b\n1,2\n", "table.v2.csv", "text/csv", "text/csv", "attachment"),
]


def test_allowed_files_are_stored_and_served_safely(server: LiveServer, session: str) -> None:
    for number, (data, name, declared, content_type, disposition) in enumerate(ACCEPTED):
        response = upload(server, session, data, name, declared, f"accepted-{number:04d}")
        assert response.status_code == 201, (name, response.text)
        attachment = response.json()["message"]["attachment"]
        assert attachment["content_type"] == content_type and attachment["name"] == name
        session_header = {"X-LiveChat-Session": session}
        served = requests.get(server.url + attachment["url"], headers=session_header, timeout=5)
        assert served.status_code == 200 and served.content == data
        assert served.headers["Content-Type"].split(";")[0] == content_type
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert served.headers["Content-Disposition"].startswith(f"{disposition};")
        assert f'filename="{name}"' in served.headers["Content-Disposition"] or not name.isascii()
    assert len(stored_files(server)) == len(ACCEPTED)


def test_a_retried_upload_leaves_one_file(server: LiveServer, session: str) -> None:
    first = upload(server, session, PNG, "screen.png", "image/png", "retry-0001")
    again = upload(server, session, PNG, "screen.png", "image/png", "retry-0001")
    assert first.status_code == 201 and again.status_code == 201
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    assert len(stored_files(server)) == 1
    assert state_of(server).store.count_rows()["livechat_attachments"] == 1


def test_a_file_stored_under_an_active_name_is_downloaded_under_a_safe_one(
    server: LiveServer, session: str
) -> None:
    """Files stored before these rules keep their bytes but never reach a disk as ``.html``."""
    state = state_of(server)
    visitor_id = visitor_id_from_session(server.app, session)
    assert visitor_id is not None
    stored = state.store.attachments.add_visitor_attachment(
        visitor_id,
        client_id="legacy-0001",
        filename="statement.html",
        content_type="text/plain",
        size=len(HTML),
        storage_key="legacy-key-000000000001",
    )
    FolderStorage(os.path.join(server.app.instance_path, "livechat-attachments")).save(
        "legacy-key-000000000001", HTML
    )
    with server.app.test_request_context():
        link = message_schema.dump(stored.message)["attachment"]
    assert link is not None
    served = requests.get(server.url + link["url"], headers={"X-LiveChat-Session": session}, timeout=5)
    assert served.status_code == 200
    assert served.headers["Content-Disposition"].startswith('attachment; filename="statement_html.txt"')
    assert served.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("extensions", [["html"], ["png", "svg"], ["docx"], "png"])
def test_unsafe_or_uncheckable_extensions_fail_at_start_up(tmp_path: Any, extensions: Any) -> None:
    with pytest.raises(ConfigError, match="LIVECHAT_ATTACHMENT_EXTENSIONS"):
        build_app(str(tmp_path), LIVECHAT_ATTACHMENT_EXTENSIONS=extensions)
