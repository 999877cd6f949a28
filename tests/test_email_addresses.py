"""Email addresses and names people type in, over a real server and a real SMTP server (aiosmtpd).

The attack: a pre-chat address such as ``=?utf-8?q?victim=40third.example?=,mallory@x.example`` passed a
loose check and became two recipients once the ``To:`` header was parsed, and it never matched the victim's
opt-out. Now every address field takes exactly one plain, normalised address; names with control or
line-separator characters are refused before anything is stored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from flask_livechat.services.contact import check_address, line_problem
from flask_livechat.state import LiveChatState
from tests.conftest import LiveServer, SmtpServer, build_app, mail_config, real_socket, serve, server_cookie

VISITOR_NS = "/livechat"
AGENT_NS = "/livechat-agent"
INJECTED = "=?utf-8?q?victim=40third.example?=,mallory@x.example"
BAD_ADDRESSES = [
    INJECTED,
    "victim@third.example,mallory@x.example",
    "Victim <victim@third.example>",
    "victim@third.example\r\nBcc: mallory@x.example",
    "victim@third.example\x0bmallory@x.example",
    "victim@third.example\u2028",
    '"victim"@third.example',
    "victim@third",
    "not-an-address",
]
BAD_NAMES = [
    "Ada\x0bLovelace",
    "Ada\x0cLovelace",
    "Ada\x85Lovelace",
    "Ada\u2028Lovelace",
    "Ada\u2029Lovelace",
    "Ada\r\nBcc: mallory@x.example",
    "Ada\x1bLovelace",
    "Ada\u202eLovelace",
]


@pytest.fixture
def mail_server(tmp_path: Any, smtp_server: SmtpServer) -> Iterator[LiveServer]:
    app = build_app(
        str(tmp_path / "instance"),
        **mail_config(smtp_server),
        LIVECHAT_PRECHAT_FIELDS=["name", {"name": "email", "required": True}],
    )
    with serve(app) as server:
        yield server
    app.extensions["livechat"].sweeper.stop()
    app.extensions["livechat"].store.dispose()


def state_of(server: LiveServer) -> LiveChatState:
    state: LiveChatState = server.app.extensions["livechat"]
    return state


def clean_headers(message: Any) -> None:
    """No header value holds a control or line-separator character, and there is no hidden recipient."""
    for name, value in message.items():
        assert not any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in str(value)), (name, value)
    assert message["Cc"] is None and message["Bcc"] is None


def test_an_encoded_word_address_is_refused_and_a_transcript_reaches_one_mailbox(
    mail_server: LiveServer, smtp_server: SmtpServer
) -> None:
    state = state_of(mail_server)
    with (
        real_socket(mail_server, VISITOR_NS, server_cookie(mail_server)) as visitor,
        real_socket(mail_server, AGENT_NS, server_cookie(mail_server, "/login-as/ada")) as agent,
    ):
        assert visitor.call("hello", {}, namespace=VISITOR_NS, timeout=5)["ok"]
        before = state.store.count_rows()
        for bad in BAD_ADDRESSES:
            ack = visitor.call(
                "submit_prechat", {"fields": {"name": "Vic", "email": bad}}, namespace=VISITOR_NS, timeout=5
            )
            assert ack["ok"] is False and list(ack["error"]["fields"]) == ["email"], (bad, ack)
        for bad in BAD_NAMES:
            ack = visitor.call(
                "submit_prechat",
                {"fields": {"name": bad, "email": "victim@third.example"}},
                namespace=VISITOR_NS,
                timeout=5,
            )
            assert ack["ok"] is False and list(ack["error"]["fields"]) == ["name"], (bad, ack)
        assert state.store.count_rows() == before  # nothing stored

        ack = visitor.call(
            "submit_prechat",
            {"fields": {"name": "Vic", "email": "  Victim@Third.Example "}},
            namespace=VISITOR_NS,
            timeout=5,
        )
        assert ack["ok"], ack
        sent = visitor.call(
            "send_message",
            {"client_id": "c-addr-0001", "body": "Hello", "client_seq": 1},
            namespace=VISITOR_NS,
            timeout=5,
        )
        conversation_id = sent["message"]["conversation_id"]
        assert agent.call("hello", {}, namespace=AGENT_NS, timeout=5)["ok"]
        joined = agent.call(
            "join_conversation", {"conversation_id": conversation_id}, namespace=AGENT_NS, timeout=5
        )
        visitor_id = joined["conversation"]["visitor"]["id"]
        assert joined["conversation"]["visitor"]["email"] == "victim@third.example"  # normalised

        ack = agent.call(
            "email_transcript", {"conversation_id": conversation_id}, namespace=AGENT_NS, timeout=5
        )
        assert ack["ok"], ack
        assert smtp_server.recipients == [["victim@third.example"]]
        [mail] = smtp_server.messages
        assert mail["To"] == "victim@third.example" and len(mail["To"].addresses) == 1
        clean_headers(mail)

        # The victim opts out through the link in that mail (typed differently elsewhere, same person).
        link = re.search(r"(http://\S+/livechat/unsubscribe/\S+)", mail.get_body(("plain",)).get_content())
        assert link is not None
        assert requests.post(link.group(1), timeout=5).status_code == 200
        ack = agent.call(
            "email_transcript", {"conversation_id": conversation_id}, namespace=AGENT_NS, timeout=5
        )
        assert ack["ok"] is False and ack["error"]["code"] == "conflict"
        assert len(smtp_server.messages) == 1

        # An address stored before this check (the attack as it was) is never sent to anyone.
        state.store.privacy.set_profile([visitor_id], name="Vic", email=INJECTED)
        ack = agent.call(
            "email_transcript", {"conversation_id": conversation_id}, namespace=AGENT_NS, timeout=5
        )
        assert ack["ok"] is False and ack["error"]["code"] == "mail_failed", ack
        assert len(smtp_server.messages) == 1 and smtp_server.recipients == [["victim@third.example"]]


OFFLINE = "/livechat/api/offline-messages"
FORM = {"name": "Ada Lovelace", "email": "ada@example.org", "message": "Do you ship to Vienna?"}


def test_the_offline_form_refuses_bad_names_and_addresses_before_storing(
    mail_server: LiveServer, smtp_server: SmtpServer
) -> None:
    state = state_of(mail_server)
    session = requests.Session()
    session.get(mail_server.url + "/", timeout=5)
    before = state.store.count_rows()
    for name in BAD_NAMES:
        response = session.post(mail_server.url + OFFLINE, json={**FORM, "name": name}, timeout=5)
        assert response.status_code == 400, (name, response.text)
        assert response.json()["error"]["code"] == "invalid" and "name" in response.json()["error"]["fields"]
    for address in BAD_ADDRESSES:
        response = session.post(mail_server.url + OFFLINE, json={**FORM, "email": address}, timeout=5)
        assert response.status_code == 400, (address, response.text)
        assert "email" in response.json()["error"]["fields"]
    assert state.store.count_rows() == before and smtp_server.messages == []

    response = session.post(mail_server.url + OFFLINE, json={**FORM, "email": " ADA@Example.org"}, timeout=5)
    assert response.status_code == 201, response.text
    assert smtp_server.recipients == [["support@example.com"]]
    [mail] = smtp_server.messages
    assert mail["Reply-To"] == "ada@example.org" and len(mail["Reply-To"].addresses) == 1
    clean_headers(mail)


def test_profile_and_admin_search_take_one_plain_address(mail_server: LiveServer) -> None:
    state = state_of(mail_server)
    carol, admin = requests.Session(), requests.Session()
    carol.get(mail_server.url + "/login-as/carol", timeout=5)
    admin.get(mail_server.url + "/login-as/bob", timeout=5)
    before = state.store.count_rows()
    for address in BAD_ADDRESSES:
        response = carol.post(mail_server.url + "/livechat/api/profile", json={"email": address}, timeout=5)
        assert response.status_code == 400 and "email" in response.json()["error"]["fields"], response.text
        page = admin.get(mail_server.url + "/livechat/admin/privacy", timeout=5).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, page
        found = admin.post(
            mail_server.url + "/livechat/admin/privacy",
            data={"email": address, "csrf_token": token.group(1)},
            headers={"Origin": mail_server.url},
            timeout=5,
        )
        assert found.status_code == 400, (address, found.status_code)
    for name in BAD_NAMES:
        response = carol.post(mail_server.url + "/livechat/api/profile", json={"name": name}, timeout=5)
        assert response.status_code == 400 and "name" in response.json()["error"]["fields"], response.text
    assert state.store.count_rows() == before


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("a@b.example", "a@b.example"),
        (" Ada.L+chat@Example.ORG ", "ada.l+chat@example.org"),
        ("x@xn--bcher-kva.example", "x@xn--bcher-kva.example"),
    ],
)
def test_plain_addresses_are_normalised(typed: str, stored: str) -> None:
    assert check_address(typed) == stored


@pytest.mark.parametrize(
    "address", [*BAD_ADDRESSES, "a@b.example\n", "a..b@c.example", "a@-b.example", "", 5]
)
def test_anything_else_is_refused(address: Any) -> None:
    with pytest.raises(ValueError):
        check_address(address)


def test_names_keep_joiners_but_not_control_characters() -> None:
    assert line_problem("Ada \U0001f469\u200d\U0001f4bb Lovelace") is None
    assert all(line_problem(name) for name in BAD_NAMES)


def test_bad_mail_addresses_in_config_fail_at_start_up(tmp_path: Any) -> None:
    from flask_livechat.config import ConfigError

    with pytest.raises(ConfigError, match="LIVECHAT_MAIL_TO"):
        build_app(str(tmp_path), LIVECHAT_MAIL_TO="a@example.com, b@example.com")
