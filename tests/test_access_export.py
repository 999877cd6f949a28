"""Download my data holds every stored row about the person: a person with every kind of data is exported,
and a full dump of every table is compared with the download, row by row. Attachments come as files in the
zip, beside data.json. A visitor without the cookie downloads what "Delete my data" would delete."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO
from sqlalchemy import select

from flask_livechat.state import LiveChatState
from flask_livechat.store.models import Base
from tests.conftest import agent_client, say, visitor_client
from tests.helpers import PNG, agent_upload, free_port, session_of, upload

AGENT_NS = "/livechat-agent"
VISITOR_NS = "/livechat"
#: Our own keys and handles, not data about the person (the export names rows by their public ids).
INTERNAL = {"id", "storage_key", "sid", "client_id", "author_id", "subject_digest", "visit_id"}
INTERNAL |= {
    "page_view_id",
    "message_id",
    "subject_ref",
    "recipient_digest",
}  # references, not the person's data
#: A mail server nobody listens on: every mail attempt fails fast and is logged as failed.
MAIL = {
    "LIVECHAT_MAIL_SERVER": "127.0.0.1",
    "LIVECHAT_MAIL_PORT": free_port(),
    "LIVECHAT_MAIL_SENDER": "chat@example.com",
    "LIVECHAT_MAIL_TO": "support@example.com",
}


def table_dump(livechat: LiveChatState) -> dict[str, list[dict[str, Any]]]:
    with livechat.store.engine.connect() as connection:
        return {
            table.name: [dict(row._mapping) for row in connection.execute(select(table))]
            for table in Base.metadata.sorted_tables
        }


def about(row: dict[str, Any], keys: set[str]) -> bool:
    return any(isinstance(value, str) and value.lower() in keys for value in row.values())


def values_of(row: dict[str, Any]) -> list[str]:
    """The row's values as the export writes them (strings and times; numbers are too easy to find)."""
    found: list[str] = []
    for column, value in row.items():
        if column in INTERNAL or value is None or isinstance(value, bool | int):
            continue
        if isinstance(value, dict):
            found += [str(item) for item in value.values()]
        elif isinstance(value, datetime | str):
            found.append(json.dumps(str(value), ensure_ascii=False)[1:-1])
    return found


def zip_of(response: Any) -> tuple[dict[str, Any], dict[str, bytes]]:
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files.pop("data.json")), files


@pytest.mark.livechat_config(
    LIVECHAT_PRECHAT_FIELDS=["name", "email", {"name": "company", "label": "Company"}], **MAIL
)
def test_the_download_holds_every_stored_row_about_the_person(
    app: Flask, socketio: SocketIO, client: FlaskClient, livechat: LiveChatState
) -> None:
    client.post("/livechat/api/consent", json={"choice": "accepted"})
    widget = visitor_client(app, socketio, "/page/pricing", http=client, Referer="https://search.example/")
    client.get("/page/checkout")
    widget.emit("hello", {"timezone": "Europe/Vienna"}, namespace=VISITOR_NS, callback=True)
    answers = {"name": "Ines Example", "email": "ines@example.org", "company": "Zebra Works"}
    assert widget.emit("submit_prechat", {"fields": answers}, namespace=VISITOR_NS, callback=True)["ok"]
    conversation = say(widget, "my parcel never came", "c-export-0001")["conversation_id"]
    assert upload(client, session_of(widget), PNG, "proof-of-loss.png").status_code == 201
    ada = agent_client(app, socketio, "ada")
    reply = {"conversation_id": conversation, "client_id": "c-export-0002", "body": "sorry to hear that"}
    ada.emit("send_message", reply, namespace=AGENT_NS, callback=True)
    sent = agent_upload(
        app, conversation, b"%PDF-1.4 refund form", "refund form.pdf", client_id="c-export-file"
    )
    assert sent.status_code == 201, sent.json
    assert widget.emit("mark_read", {"seq": 4}, namespace=VISITOR_NS, callback=True)["ok"]
    for event, payload in (
        ("add_note", {"client_id": "note-export-1", "body": "suspected courier fraud"}),
        ("set_tags", {"tags": ["shipping", "escalated"]}),
        ("close_conversation", {}),
        ("email_transcript", {}),
    ):
        ada.emit(event, {"conversation_id": conversation, **payload}, namespace=AGENT_NS, callback=True)
    rated = widget.emit(
        "rate_conversation",
        {"conversation_id": conversation, "rating": 2, "comment": "slow answer"},
        namespace=VISITOR_NS,
        callback=True,
    )
    assert rated["ok"], rated
    livechat.privacy.opt_out("ines@example.org", "promotional")
    assert client.get("/livechat/api/my-data").status_code == 200  # an earlier request of theirs: audited
    [visitor_id] = [
        v["id"] for v in table_dump(livechat)["livechat_visitors"] if v["email"] == answers["email"]
    ]
    blocked = ada.emit(
        "block_visitor",
        {"visitor_id": visitor_id, "minutes": 60, "reason": "abusive language"},
        namespace=AGENT_NS,
        callback=True,
    )
    assert blocked["ok"], blocked
    other = visitor_client(app, socketio, "/page/other")
    say(other, "someone else's secret", "c-export-0003")

    dump = table_dump(livechat)
    mail = dump["livechat_mail_log"]
    assert mail and all(row["recipient"] == "i•••@example.org" for row in mail), mail  # masked as stored
    keys = {visitor_id.lower(), conversation.lower(), "ines@example.org"}
    response = client.get("/livechat/api/my-data")
    assert response.headers["Content-Disposition"] == 'attachment; filename="my-chat-data.zip"'
    document, files = zip_of(response)
    exported = json.dumps(document, default=str, ensure_ascii=False)

    missing = []
    checked: dict[str, int] = {}
    for table, rows in dump.items():
        for row in rows:
            if table == "livechat_audit_log" or about(row, keys):
                checked[table] = checked.get(table, 0) + 1
                missing += [f"{table}.{value}" for value in values_of(row) if value not in exported]
    assert missing == []
    for table in (
        "livechat_visitors",
        "livechat_visits",
        "livechat_page_views",
        "livechat_conversations",
        "livechat_messages",
        "livechat_attachments",
        "livechat_notes",
        "livechat_conversation_tags",
        "livechat_visitor_profiles",
        "livechat_consents",
        "livechat_mail_log",
        "livechat_blocks",
        "livechat_moderation_log",
        "livechat_audit_log",
        "livechat_read_marks",
    ):
        assert checked.get(table), f"the person has no row in {table}: the test does not cover it"
    assert len(document["audit_log"]) == len(dump["livechat_audit_log"])
    assert document["mail_opt_outs"] == [{"kind": "promotional"}]  # a suppression holds a digest and the kind
    assert "someone else" not in exported
    theirs, agents = document["visitors"][0]["conversations"][0]["attachments"]
    assert files == {theirs["file"]: PNG, agents["file"]: b"%PDF-1.4 refund form"}  # the agent's file too
    assert theirs["file"].endswith("/proof-of-loss.png") and agents["file"].endswith("/refund form.pdf")
    assert "storage_key" not in exported

    only_json = client.get("/livechat/api/my-data?format=json")
    assert only_json.mimetype == "application/json"
    assert json.loads(only_json.data)["visitors"][0]["visitor"]["id"] == visitor_id
    assert client.get("/livechat/api/my-data?format=xml").status_code == 400


@pytest.mark.livechat_config(LIVECHAT_CONSENT_MODE="opt-in")
def test_a_visitor_without_the_cookie_downloads_what_the_delete_would_delete(
    app: Flask, socketio: SocketIO, client: FlaskClient, livechat: LiveChatState
) -> None:
    client.post("/livechat/api/consent", json={"choice": "declined"})
    widget = socketio.test_client(app, namespace=VISITOR_NS, flask_test_client=client)
    session = session_of(widget)
    say(widget, "no cookies for me", "c-export-0004")
    assert upload(client, session, PNG, "declined.png").status_code == 201

    nothing, _ = zip_of(client.get("/livechat/api/my-data"))
    assert nothing["visitors"] == []  # the browser alone names nobody
    document, files = zip_of(client.get("/livechat/api/my-data", headers={"X-LiveChat-Session": session}))
    [mine] = document["visitors"]
    assert mine["conversations"][0]["messages"][0]["body"] == "no cookies for me"
    assert list(files.values()) == [PNG]
    client.post(
        "/livechat/api/my-data/delete", json={"confirm": True}, headers={"X-LiveChat-Session": session}
    )
    assert livechat.store.count_rows()["livechat_messages"] == 0
