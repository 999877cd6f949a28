"""Files agents send to visitors: the visitor upload's checks, department rights, who may download them."""

from __future__ import annotations

import io
import os
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO, SocketIOTestClient

from flask_livechat.state import LiveChatState
from tests.helpers import PNG

PDF = b"%PDF-1.4\n%an agent's invoice\n"
pytestmark = pytest.mark.livechat_config(
    LIVECHAT_DEPARTMENTS={"sales": ["/page/pricing"], "support": ["/"]}, LIVECHAT_ATTACHMENT_MAX_SIZE=4096
)


def staff(app: Flask, name: str) -> tuple[FlaskClient, str]:
    """A staff browser on the console, with the upload token the console page carries."""
    http = app.test_client()
    http.get(f"/login-as/{name}")
    page = http.get("/livechat/agent/").get_data(as_text=True)
    found = re.search(r'data-upload-token="([^"]+)"', page)
    assert found, "the console page carries the upload token"
    return http, found.group(1)


def send_file(http: FlaskClient, token: str | None, conversation_id: str, data: bytes, name: str) -> Any:
    return http.post(
        "/livechat/agent/attachments",
        data={
            "conversation_id": conversation_id,
            "client_id": "agent-file-1",
            "file": (io.BytesIO(data), name),
        },
        headers={"X-CSRF-Token": token} if token else {},
        content_type="multipart/form-data",
    )


def conversation_of(visitor: SocketIOTestClient) -> str:
    ack = visitor.emit(
        "send_message",
        {"client_id": "c-visitor-01", "body": "I need my invoice"},
        namespace="/livechat",
        callback=True,
    )
    cid: str = ack["message"]["conversation_id"]
    visitor.get_received("/livechat")
    return cid


def test_an_agents_pdf_reaches_the_visitor_who_may_download_it(
    app: Flask, socketio: SocketIO, client: FlaskClient, visitor: SocketIOTestClient, livechat: LiveChatState
) -> None:
    cid = conversation_of(visitor)
    http, token = staff(app, "bob")
    response = send_file(http, token, cid, PDF, "../invoice 4111 1111 1111 1111.pdf")
    assert response.status_code == 201, response.json
    message = response.json["message"]
    assert message["sender"] == "agent" and message["author"] == "Bob Admin"
    assert message["attachment"]["name"] == message["body"]
    assert "4111 1111 1111 1111" not in message["body"] and "/" not in message["body"]  # masked, no path
    [pushed] = [e["args"][0] for e in visitor.get_received("/livechat") if e["name"] == "new_message"]
    assert pushed["attachment"]["content_type"] == "application/pdf"
    served = client.get(pushed["attachment"]["url"])  # the visitor, by their cookie
    assert served.status_code == 200 and served.data == PDF
    assert served.headers["Content-Disposition"].startswith("attachment;")
    # Another visitor, with or without the link, gets nothing; so does a customer who is not staff.
    stranger = app.test_client()
    stranger.get("/")
    assert stranger.get(pushed["attachment"]["url"]).status_code == 403
    customer = app.test_client()
    customer.get("/login-as/carol")
    assert customer.get(pushed["attachment"]["url"]).status_code == 403
    # After a reload the thread still shows it.
    hello = visitor.emit("hello", {}, namespace="/livechat", callback=True)
    assert [m["attachment"]["name"] for m in hello["messages"] if m["attachment"]] == [message["body"]]


def test_bad_files_are_refused_with_the_visitor_uploads_words_and_leave_nothing(
    app: Flask, visitor: SocketIOTestClient, livechat: LiveChatState
) -> None:
    cid = conversation_of(visitor)
    http, token = staff(app, "bob")
    folder = os.path.join(app.instance_path, "livechat-attachments")
    refused = send_file(http, token, cid, b"MZ\x90\x00 not a pdf", "invoice.pdf")
    assert refused.status_code == 400
    assert refused.json["error"]["fields"]["file"] == ["The file's content does not match its type."]
    active = send_file(http, token, cid, PDF, "invoice.pdf.exe")
    assert active.status_code == 400 and "cannot be sent here" in active.json["error"]["message"]
    empty = send_file(http, token, cid, b"", "empty.png")
    assert empty.json["error"]["message"] == "The file is empty."
    with app.app_context():
        big = b"%PDF-" + b"0" * app.config["LIVECHAT_ATTACHMENT_MAX_SIZE"]
    too_big = send_file(http, token, cid, big, "big.pdf")
    assert too_big.status_code in (400, 413) and "too big" in too_big.json["error"]["message"]
    assert not os.path.isdir(folder) or os.listdir(folder) == []
    assert [e for e in visitor.get_received("/livechat") if e["name"] == "new_message"] == []


def test_only_staff_who_may_see_the_conversation_can_send_files_into_it(
    app: Flask, visitor: SocketIOTestClient
) -> None:
    cid = conversation_of(visitor)  # on "/": the support department
    sales, sales_token = staff(app, "dan")
    assert send_file(sales, sales_token, cid, PNG, "shot.png").status_code == 404
    support, support_token = staff(app, "eve")
    sent = send_file(support, support_token, cid, PNG, "shot.png")
    assert sent.status_code == 201 and sent.json["message"]["attachment"]["image"] is True
    url = sent.json["message"]["attachment"]["url"]
    assert support.get(url).status_code == 200
    assert sales.get(url).status_code == 404  # out of dan's departments: as if it did not exist
    # No token (a forged form), another agent's token, or a customer: refused, nothing stored.
    assert send_file(support, None, cid, PNG, "x.png").status_code == 403
    assert send_file(support, sales_token, cid, PNG, "x.png").status_code == 403
    admin_page = support.get("/livechat/privacy").get_data(as_text=True)  # a token for another form
    foreign = re.search(r'name="csrf_token" value="([^"]+)"', admin_page)
    assert foreign and send_file(support, foreign.group(1), cid, PNG, "x.png").status_code == 403
    customer = app.test_client()
    customer.get("/login-as/carol")
    assert send_file(customer, support_token, cid, PNG, "x.png").status_code == 403


def test_a_stale_console_gets_a_fresh_token(app: Flask, visitor: SocketIOTestClient) -> None:
    cid = conversation_of(visitor)
    http, _ = staff(app, "bob")
    fresh = http.get("/livechat/agent/attachments").json["csrf_token"]
    assert send_file(http, fresh, cid, PNG, "shot.png").status_code == 201


@pytest.mark.livechat_config(LIVECHAT_ATTACHMENTS=False)
def test_no_attach_button_when_attachments_are_off(app: Flask, visitor: SocketIOTestClient) -> None:
    http = app.test_client()
    http.get("/login-as/ada")
    assert 'id="lc-attach"' not in http.get("/livechat/agent/").get_data(as_text=True)
    cid = conversation_of(visitor)
    token = http.get("/livechat/agent/attachments").json["csrf_token"]
    assert send_file(http, token, cid, PNG, "shot.png").status_code == 403
