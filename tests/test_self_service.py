"""A visitor downloads and deletes their own data, from the widget's API and from the privacy page."""

from __future__ import annotations

import json
import re

import pytest
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from flask_livechat.state import LiveChatState


def chat(visitor: SocketIOTestClient, body: str, client_id: str) -> str:
    ack = visitor.emit(
        "send_message", {"client_id": client_id, "body": body}, namespace="/livechat", callback=True
    )
    return str(ack["message"]["conversation_id"])


def test_download_my_data_holds_visits_pages_conversations_and_consents(
    client: FlaskClient, visitor: SocketIOTestClient
) -> None:
    client.post("/livechat/api/consent", json={"choice": "accepted"})
    client.get("/?from=newsletter", headers={"Referer": "https://mail.example/"})
    chat(visitor, "Where is my invoice?", "c-export-1")
    response = client.get("/livechat/api/my-data?format=json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="my-chat-data.json"'
    assert response.headers["Cache-Control"] == "no-store"
    document = json.loads(response.data)
    [mine] = document["visitors"]
    assert set(mine) >= {"visitor", "visits", "page_views", "conversations", "consents"}
    assert [page["url"] for page in mine["page_views"]][-1] == "http://localhost/"  # the query is not kept
    assert mine["conversations"][0]["messages"][0]["body"] == "Where is my invoice?"
    assert [c["choice"] for c in mine["consents"]] == ["accepted"]
    assert "host" not in document


def test_someone_without_a_cookie_downloads_nothing(client: FlaskClient) -> None:
    assert json.loads(client.get("/livechat/api/my-data?format=json").data)["visitors"] == []


def test_delete_my_data_is_confirmed_and_immediate(
    client: FlaskClient, visitor: SocketIOTestClient, livechat: LiveChatState
) -> None:
    chat(visitor, "forget me", "c-forget-1")
    unconfirmed = client.post("/livechat/api/my-data/delete", json={"confirm": False})
    assert unconfirmed.status_code == 400
    assert livechat.store.count_rows()["livechat_messages"] == 1
    confirmed = client.post("/livechat/api/my-data/delete", json={"confirm": True})
    assert confirmed.status_code == 200 and confirmed.json == {"ok": True}
    counts = livechat.store.count_rows()
    assert counts["livechat_messages"] == counts["livechat_visitors"] == counts["livechat_page_views"] == 0
    assert client.get_cookie("livechat_visitor") is None


@pytest.mark.livechat_config(LIVECHAT_CONSENT_MODE="opt-in")
def test_delete_from_the_widget_covers_a_chat_without_the_cookie(
    client: FlaskClient, visitor: SocketIOTestClient, livechat: LiveChatState
) -> None:
    session = visitor.emit("hello", {}, namespace="/livechat", callback=True)["session"]
    chat(visitor, "no cookie, still mine", "c-page-only")
    assert client.get_cookie("livechat_visitor") is None
    deleted = client.post(
        "/livechat/api/my-data/delete", json={"confirm": True}, headers={"X-LiveChat-Session": session}
    )
    assert deleted.status_code == 200
    counts = livechat.store.count_rows()
    assert counts["livechat_messages"] == counts["livechat_visitors"] == 0


def test_deletion_spares_other_visitors(
    client: FlaskClient, visitor: SocketIOTestClient, livechat: LiveChatState, app: object
) -> None:
    other = app.test_client()  # type: ignore[attr-defined]
    other.get("/")
    other.get("/")  # the cookie came back: a visitor of their own
    chat(visitor, "mine", "c-mine-001")
    client.post("/livechat/api/my-data/delete", json={"confirm": True})
    assert livechat.store.count_rows()["livechat_visitors"] == 1


def form_token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has a CSRF token"
    return match.group(1)


def test_privacy_page_delete_form_needs_its_csrf_token(
    client: FlaskClient, visitor: SocketIOTestClient, livechat: LiveChatState
) -> None:
    chat(visitor, "forget me too", "c-forget-2")
    forged = client.post("/livechat/privacy/delete", data={"confirm": "yes", "csrf_token": "forged"})
    assert forged.status_code == 400
    assert livechat.store.count_rows()["livechat_messages"] == 1
    token = form_token(client.get("/livechat/privacy").get_data(as_text=True))
    unconfirmed = client.post("/livechat/privacy/delete", data={"csrf_token": token})
    assert unconfirmed.status_code == 400
    done = client.post("/livechat/privacy/delete", data={"confirm": "yes", "csrf_token": token})
    assert done.status_code == 302 and done.headers["Location"].endswith("/livechat/privacy?done=deleted")
    assert livechat.store.count_rows()["livechat_messages"] == 0


@pytest.mark.parametrize("body", [None, "yes", {"confirm": "true", "all": True}, {}])
def test_bad_delete_requests_change_nothing(
    client: FlaskClient, visitor: SocketIOTestClient, livechat: LiveChatState, body: object
) -> None:
    chat(visitor, "keep me", "c-keep-001")
    response = client.post("/livechat/api/my-data/delete", json=body)
    assert 400 <= response.status_code < 500
    assert livechat.store.count_rows()["livechat_messages"] == 1


def test_privacy_page_consent_form_records_the_choice(client: FlaskClient) -> None:
    client.get("/")
    token = form_token(client.get("/livechat/privacy").get_data(as_text=True))
    response = client.post("/livechat/privacy/consent", data={"choice": "declined", "csrf_token": token})
    assert response.status_code == 302
    assert client.get_cookie("livechat_visitor") is None
    assert "we do not recognise you" in client.get("/livechat/privacy").get_data(as_text=True)


def test_download_lists_attachments(client: FlaskClient, visitor: SocketIOTestClient) -> None:
    from tests.helpers import PNG, session_of, upload

    upload(client, session_of(visitor), PNG, "receipt.png")
    [mine] = json.loads(client.get("/livechat/api/my-data?format=json").data)["visitors"]
    [attachment] = mine["conversations"][0]["attachments"]
    assert attachment["filename"] == "receipt.png" and attachment["content_type"] == "image/png"
