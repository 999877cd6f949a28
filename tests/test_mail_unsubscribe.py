"""Every mail carries a signed unsubscribe link; transactional and promotional opt-outs are kept apart."""

from __future__ import annotations

import base64
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_livechat.services.mail import MailNotConfigured, send_mail
from flask_livechat.state import LiveChatState
from tests.conftest import SmtpServer
from tests.helpers import sqlite_leftovers


@pytest.fixture
def mail_app(app: Flask, smtp_server: SmtpServer) -> Flask:
    app.config.update(
        LIVECHAT_MAIL_SERVER="127.0.0.1",
        LIVECHAT_MAIL_PORT=smtp_server.port,
        LIVECHAT_MAIL_SENDER="support@acme.example",
    )
    return app


def send(app: Flask, livechat: LiveChatState, to: str, kind: str) -> bool:
    with app.test_request_context("/"):
        return send_mail(
            app,
            livechat.store,
            to,
            f"A {kind} message",
            "Hello from Acme.",
            kind=kind,
            html="<p>Hello from Acme.</p>",
        )


def unsubscribe_link(mail: object) -> str:
    text = mail.get_body(("plain",)).get_content()  # type: ignore[attr-defined]
    match = re.search(r"(http://localhost/livechat/unsubscribe/\S+)", text)
    assert match, text
    return match.group(1)


def test_every_mail_carries_a_working_unsubscribe_link(
    mail_app: Flask, livechat: LiveChatState, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    assert send(mail_app, livechat, "Customer@Example.com", "promotional") is True
    [mail] = smtp_server.messages
    assert mail["To"] == "customer@example.com" and "support@acme.example" in mail["From"]
    link = unsubscribe_link(mail)
    assert mail["List-Unsubscribe"] == f"<{link}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in mail.get_body(("html",)).get_content()

    path = link.removeprefix("http://localhost")
    confirm_page = client.get(path)
    assert confirm_page.status_code == 200 and b"Unsubscribe" in confirm_page.data
    assert (
        livechat.privacy.is_opted_out("customer@example.com", "promotional") is False
    )  # a GET changes nothing
    assert client.post(path).status_code == 200
    assert livechat.privacy.is_opted_out("customer@example.com", "promotional") is True

    assert send(mail_app, livechat, "customer@example.com", "promotional") is False
    assert len(smtp_server.messages) == 1
    assert send(mail_app, livechat, "customer@example.com", "transactional") is True  # kinds are apart
    assert len(smtp_server.messages) == 2


def test_unsubscribing_twice_is_fine(
    mail_app: Flask, livechat: LiveChatState, smtp_server: SmtpServer, client: FlaskClient
) -> None:
    send(mail_app, livechat, "a@example.com", "transactional")
    path = unsubscribe_link(smtp_server.messages[0]).removeprefix("http://localhost")
    assert client.post(path).status_code == 200
    assert client.post(path).status_code == 200
    assert livechat.privacy.is_opted_out("a@example.com", "transactional")


@pytest.mark.parametrize("token", ["garbage", "a" * 3000])
def test_forged_unsubscribe_links_are_refused(
    client: FlaskClient, livechat: LiveChatState, token: str
) -> None:
    assert client.post(f"/livechat/unsubscribe/{token}").status_code == 404
    assert livechat.store.count_rows()["livechat_mail_suppressions"] == 0


def test_visitor_cookie_is_no_unsubscribe_token(
    app: Flask, client: FlaskClient, livechat: LiveChatState
) -> None:
    client.get("/")
    token = client.get_cookie("livechat_visitor").value
    assert client.post(f"/livechat/unsubscribe/{token}").status_code == 404


def test_mail_needs_a_sender(app: Flask, livechat: LiveChatState) -> None:
    with app.test_request_context("/"), pytest.raises(MailNotConfigured):
        send_mail(app, livechat.store, "a@example.com", "s", "t")


def test_list_unsubscribe_goes_out_as_a_plain_header_with_an_opaque_id(
    mail_app: Flask, livechat: LiveChatState, smtp_server: SmtpServer
) -> None:
    address = "customer.with.a.rather.long.name@example.com"
    send(mail_app, livechat, address, "promotional")
    [raw] = smtp_server.raw
    headers = raw.split(b"\r\n\r\n", 1)[0]
    # One unfolded line each, as RFC 2369 and RFC 8058 want them: no RFC 2047 encoded word, no fold.
    line = rb"^List-Unsubscribe: <(http://localhost/livechat/unsubscribe/[^>\s]+)>\r$"
    match = re.search(line, headers, re.M)
    assert match, headers
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in headers
    assert b"=?" not in headers
    # The token's readable part is a random id: neither the address nor its base64 is in it.
    token = match.group(1).rsplit(b"/", 1)[1].decode()
    payload = token.split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert b"@" not in decoded and b"customer" not in decoded
    assert address.encode() not in raw.replace(f"To: {address}".encode(), b"")
    # The id stands for the recipient by digest only; the log masks it: no table holds the address.
    assert sqlite_leftovers(livechat, [address, "customer.with"]) == []


def test_one_click_unsubscribe_needs_no_cookie_or_token_and_is_idempotent(
    mail_app: Flask, livechat: LiveChatState, smtp_server: SmtpServer
) -> None:
    send(mail_app, livechat, "b@example.com", "promotional")
    path = unsubscribe_link(smtp_server.messages[0]).removeprefix("http://localhost")
    for _ in range(2):  # a mail client may retry; each answer is a 2xx
        client = mail_app.test_client()  # no cookie at all
        response = client.post(
            path,
            data={"List-Unsubscribe": "One-Click"},
            headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://webmail.example"},
        )
        assert response.status_code == 200, response.data
    assert livechat.store.count_rows()["livechat_mail_suppressions"] == 1
    assert send(mail_app, livechat, "b@example.com", "promotional") is False
    assert len(smtp_server.raw) == 1
    # Other forms of ours still refuse a cross-site post.
    refused = mail_app.test_client().post(
        "/livechat/privacy/consent", data={"choice": "accepted"}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert refused.status_code == 403
