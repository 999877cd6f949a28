"""Opt-outs survive erasure as a keyed digest and nothing else (issue 12, point 4), checked on a real SMTP
server on loopback and on the stored rows."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO
from sqlalchemy import text

from flask_livechat.identity import keyed_digest
from flask_livechat.state import LiveChatState
from tests.conftest import SmtpServer, build_app, mail_config, stop_app
from tests.helpers import leftovers

ADDRESS = "carol@example.com"  # the host's user "carol" (user id 3)


@pytest.fixture
def mail_app(tmp_path: Any, smtp_server: SmtpServer, store_config: dict[str, Any]) -> Iterator[Flask]:
    app = build_app(str(tmp_path / "instance"), **mail_config(smtp_server), **store_config)
    yield app
    stop_app(app)


def carol_chats(app: Flask) -> FlaskClient:
    """Carol, logged in (so the chat knows her address), sends a message."""
    http = app.test_client()
    http.get("/login-as/carol")
    http.post("/livechat/api/consent", json={"choice": "accepted"})
    http.get("/")
    socketio: SocketIO = app.extensions["socketio"]
    visitor = socketio.test_client(app, namespace="/livechat", flask_test_client=http)
    ack = visitor.emit(
        "send_message", {"client_id": "c-carol-0001", "body": "Hello"}, namespace="/livechat", callback=True
    )
    assert ack["ok"], ack
    visitor.disconnect(namespace="/livechat")
    return http


def host_mail(app: Flask, to: str, kind: str = "promotional") -> bool:
    with app.test_request_context("/"):
        livechat = app.extensions["livechat"].livechat
        sent: bool = livechat.send_mail(to, "Our spring sale", "20% off.", kind=kind)
        return sent


def unsubscribe_path(raw: bytes) -> str:
    match = re.search(rb"^List-Unsubscribe: <http://localhost(/livechat/unsubscribe/[^>]+)>\r$", raw, re.M)
    assert match, raw
    return match.group(1).decode()


def erase_by_cli(app: Flask, http: FlaskClient) -> None:
    result = app.test_cli_runner().invoke(args=["livechat", "erase", "--email", ADDRESS, "--yes"])
    assert result.exit_code == 0 and "erased 1 visitor record(s)" in result.output, result.output


def erase_as_admin(app: Flask, http: FlaskClient) -> None:
    admin = app.test_client()
    admin.get("/login-as/bob")
    page = admin.get("/livechat/admin/privacy").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    response = admin.post(
        "/livechat/admin/privacy/erase", data={"email": ADDRESS, "confirm": "yes", "csrf_token": token[1]}
    )
    assert response.status_code == 200, response.data


def erase_herself(app: Flask, http: FlaskClient) -> None:
    response = http.post("/livechat/api/my-data/delete", json={"confirm": True})
    assert response.status_code == 200, response.data


@pytest.mark.parametrize("erase", [erase_by_cli, erase_as_admin, erase_herself])
def test_an_opt_out_outlives_erasure_as_a_digest_only(
    mail_app: Flask, smtp_server: SmtpServer, erase: Callable[[Flask, FlaskClient], None]
) -> None:
    livechat: LiveChatState = mail_app.extensions["livechat"]
    http = carol_chats(mail_app)
    assert host_mail(mail_app, ADDRESS) is True
    # She unsubscribes with the mail client's one-click POST: no cookie, no token.
    path = unsubscribe_path(smtp_server.raw[0])
    one_click = mail_app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200

    erase(mail_app, http)

    assert livechat.store.count_rows()["livechat_visitors"] == 0
    assert host_mail(mail_app, ADDRESS) is False
    assert host_mail(mail_app, f"  {ADDRESS.upper()} ") is False  # normalised: trimmed, lower-cased
    assert len(smtp_server.raw) == 1, "no promotional mail after erasure"
    assert host_mail(mail_app, ADDRESS, kind="transactional") is True  # she refused promotional mail only
    assert host_mail(mail_app, "carol+news@example.com") is True  # plus-addresses are addresses of their own
    assert len(smtp_server.raw) == 3

    # The suppression is the keyed digest and the kind, nothing else, and no table holds her address.
    with livechat.store.engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM livechat_mail_suppressions")).mappings().all()
    assert [(set(row), row["kind"]) for row in rows] == [({"id", "digest", "kind"}, "promotional")]
    digest = rows[0]["digest"]
    assert digest == keyed_digest(mail_app, "mail-suppression", ADDRESS)
    assert digest != hashlib.sha256(ADDRESS.encode()).hexdigest()  # keyed: not a plain hash anyone can build
    needles = [ADDRESS, "carol@", base64.b64encode(ADDRESS.encode()).decode().rstrip("=")]
    assert leftovers(livechat, needles) == []
