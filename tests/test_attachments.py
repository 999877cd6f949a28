"""Attachments: type and size limits, storage, and signed, expiring links for the conversation only."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO, SocketIOTestClient

from flask_livechat.services import attachments
from flask_livechat.state import LiveChatState
from tests.conftest import agent_client
from tests.helpers import PNG, session_of, upload

PDF = b"%PDF-1.4\n%fake but starts right\n"


def test_an_image_becomes_a_message_with_a_preview_link(
    client: FlaskClient, visitor: SocketIOTestClient, livechat: LiveChatState
) -> None:
    response = upload(client, session_of(visitor), PNG, "../../etc/screen shot.png")
    assert response.status_code == 201, response.json
    message = response.json["message"]
    assert message["body"] == "screen shot.png"
    attachment = message["attachment"]
    assert attachment["image"] is True and attachment["content_type"] == "image/png"
    assert attachment["size"] == len(PNG) and attachment["name"] == "screen shot.png"
    assert [e["name"] for e in visitor.get_received("/livechat")] == ["new_message"]
    served = client.get(attachment["url"])
    assert served.status_code == 200 and served.data == PNG
    assert served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"].startswith("inline")
    # The thread shows it again after a reload, with a fresh link.
    history = visitor.emit("hello", {}, namespace="/livechat", callback=True)["messages"]
    assert history[0]["attachment"]["id"] == attachment["id"]


def test_other_files_are_downloads_with_nosniff(client: FlaskClient, visitor: SocketIOTestClient) -> None:
    response = upload(client, session_of(visitor), PDF, "invoice.pdf")
    assert response.status_code == 201
    attachment = response.json["message"]["attachment"]
    assert attachment["image"] is False
    served = client.get(attachment["url"])
    assert served.headers["Content-Disposition"].startswith("attachment;")
    assert "invoice.pdf" in served.headers["Content-Disposition"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_files_go_to_the_instance_folder_by_default(
    app: Flask, client: FlaskClient, visitor: SocketIOTestClient
) -> None:
    upload(client, session_of(visitor), PNG, "a.png")
    folder = app.instance_path + "/livechat-attachments"
    import os

    assert len(os.listdir(folder)) == 1


class MemoryStorage:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def save(self, key: str, data: bytes) -> None:
        self.files[key] = data

    def load(self, key: str) -> bytes | None:
        return self.files.get(key)

    def delete(self, key: str) -> None:
        self.files.pop(key, None)


STORAGE = MemoryStorage()


@pytest.mark.livechat_config(LIVECHAT_ATTACHMENT_STORAGE=STORAGE)
def test_a_host_storage_callback_is_used(client: FlaskClient, visitor: SocketIOTestClient) -> None:
    response = upload(client, session_of(visitor), PNG, "a.png")
    assert response.status_code == 201
    assert PNG in STORAGE.files.values()
    assert client.get(response.json["message"]["attachment"]["url"]).data == PNG


@pytest.mark.parametrize(
    ("data", "name", "complaint"),
    [
        (b"<script>alert(1)</script>", "evil.png", "does not match"),
        (b"<html><script>alert(1)</script>", "page.html", "cannot be sent"),
        (b"<svg onload=alert(1)>", "icon.svg", "cannot be sent"),
        (b"", "empty.txt", "empty"),
    ],
)
def test_refused_files_change_nothing(
    client: FlaskClient,
    visitor: SocketIOTestClient,
    livechat: LiveChatState,
    data: bytes,
    name: str,
    complaint: str,
) -> None:
    session = session_of(visitor)
    before = livechat.store.count_rows()
    response = upload(client, session, data, name)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid" and complaint in response.json["error"]["message"]
    assert livechat.store.count_rows() == before


@pytest.mark.livechat_config(LIVECHAT_ATTACHMENT_MAX_SIZE=1000)
def test_too_big_is_refused(
    client: FlaskClient, visitor: SocketIOTestClient, livechat: LiveChatState
) -> None:
    session = session_of(visitor)
    response = upload(client, session, PNG + b"\x00" * 2000, "big.png")
    assert response.status_code in (400, 413)
    assert response.json["error"]["code"] == "invalid"
    huge = upload(client, session, PNG + b"\x00" * 200_000, "huge.png")
    assert huge.status_code in (400, 413) and huge.json["error"]["code"] == "invalid"
    assert livechat.store.conversations.open_conversations() == []


@pytest.mark.livechat_config(LIVECHAT_ATTACHMENT_TYPES=["application/pdf"])
def test_types_are_configurable(client: FlaskClient, visitor: SocketIOTestClient) -> None:
    session = session_of(visitor)
    assert upload(client, session, PNG, "a.png").status_code == 400
    assert upload(client, session, PDF, "a.pdf", client_id="upload-0002").status_code == 201


def test_uploads_need_the_chat_session(client: FlaskClient, visitor: SocketIOTestClient) -> None:
    assert upload(client, None, PNG, "a.png").status_code == 403
    assert upload(client, "forged.token", PNG, "a.png").status_code == 403


def test_links_serve_only_the_conversations_participants(
    app: Flask, socketio: SocketIO, client: FlaskClient, visitor: SocketIOTestClient
) -> None:
    url = upload(client, session_of(visitor), PNG, "a.png").json["message"]["attachment"]["url"]
    stranger = app.test_client()
    stranger.get("/")  # another visitor, with their own cookie
    assert stranger.get(url).status_code == 403
    agent_http = app.test_client()
    agent_http.get("/login-as/ada")
    assert agent_http.get(url).status_code == 200
    customer = app.test_client()
    customer.get("/login-as/carol")
    assert customer.get(url).status_code == 403


def test_tampered_or_expired_links_are_refused(
    app: Flask, client: FlaskClient, visitor: SocketIOTestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = upload(client, session_of(visitor), PNG, "a.png").json["message"]
    attachment_id = message["attachment"]["id"]
    assert client.get(f"/livechat/attachments/{attachment_id}?t=forged").status_code == 403
    assert client.get(f"/livechat/attachments/{attachment_id}").status_code == 403
    two_hours_ago = time.time() - 2 * 60 * 60
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: two_hours_ago)
    old = attachments.link_token(app, attachment_id, message["conversation_id"])
    monkeypatch.undo()
    response = client.get(f"/livechat/attachments/{attachment_id}?t={old}")
    assert response.status_code == 403 and "expired" in response.json["error"]["message"]
    # A valid link for one attachment does not open another.
    other = upload(client, session_of(visitor), PDF, "b.pdf", client_id="upload-0002").json["message"]
    token = message["attachment"]["url"].split("t=")[1]
    assert client.get(f"/livechat/attachments/{other['attachment']['id']}?t={token}").status_code == 403


def test_cookieless_visitors_get_links_that_need_no_session_token(
    app: Flask, socketio: SocketIO, visitor: SocketIOTestClient
) -> None:
    """The page session token is a credential for the whole chat: it never rides in a URL. A visitor without
    the cookie gets links signed for them instead (this file of this conversation, for a short time)."""
    cookieless = socketio.test_client(app, namespace="/livechat")
    session = session_of(cookieless)
    http = app.test_client()  # no cookie at all
    url = upload(http, session, PNG, "a.png").json["message"]["attachment"]["url"]
    assert session not in url and set(parse_qs(urlsplit(url).query)) == {"t"}
    assert http.get(url).status_code == 200
    [pushed] = [e["args"][0] for e in cookieless.get_received("/livechat") if e["name"] == "new_message"]
    assert app.test_client().get(pushed["attachment"]["url"]).data == PNG
    assert http.get(url + "&s=" + session).status_code == 200  # an old widget's extra parameter is ignored
    cookieless.disconnect("/livechat")


@pytest.mark.livechat_config(LIVECHAT_ATTACHMENTS=False)
def test_attachments_can_be_turned_off(client: FlaskClient, visitor: SocketIOTestClient) -> None:
    assert upload(client, session_of(visitor), PNG, "a.png").status_code == 403


def test_agents_see_the_attachment_in_the_conversation(
    app: Flask, socketio: SocketIO, client: FlaskClient, visitor: SocketIOTestClient
) -> None:
    message = upload(client, session_of(visitor), PNG, "a.png").json["message"]
    agent = agent_client(app, socketio)
    joined = agent.emit(
        "join_conversation",
        {"conversation_id": message["conversation_id"]},
        namespace="/livechat-agent",
        callback=True,
    )
    assert joined["messages"][0]["attachment"]["name"] == "a.png"
    agent.disconnect("/livechat-agent")
