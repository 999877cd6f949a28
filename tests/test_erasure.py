"""Account cancellation erases a subject completely: a scan of every table and column finds no trace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIO
from sqlalchemy import select

from flask_livechat.identity import unsign, visitor_id_from_token
from flask_livechat.services.mail import unsubscribe_url
from flask_livechat.signals import account_deleted, subject_erased
from flask_livechat.state import LiveChatState
from flask_livechat.store.models import Base
from tests.conftest import agent_client
from tests.helpers import (
    PNG,
    WebhookReceiver,
    agent_upload,
    api_token,
    eventually,
    session_of,
    sqlite_leftovers,
    upload,
)

PDF = b"%PDF-1.4\n"


def fill_as(app: Flask, socketio: SocketIO, user: str, ip: str, secret: str, block: bool = False) -> Any:
    """One subject's full footprint: consent, visits, page views, a conversation both ways, an opt-out."""
    http = app.test_client()
    http.environ_base["REMOTE_ADDR"] = ip
    http.get(f"/login-as/{user}")
    http.post("/livechat/api/consent", json={"choice": "accepted"})
    http.get(
        "/",
        environ_base={"REMOTE_ADDR": ip},
        headers={"User-Agent": f"Agent-{secret}", "Referer": f"https://{secret}.example/"},
    )
    visitor = socketio.test_client(app, namespace="/livechat", flask_test_client=http)
    ack = visitor.emit(
        "send_message",
        {"client_id": f"c-{secret}-0001", "body": f"my secret is {secret}"},
        namespace="/livechat",
        callback=True,
    )
    conversation_id = ack["message"]["conversation_id"]
    visitor.emit("mark_read", {"seq": 1}, namespace="/livechat", callback=True)
    uploaded = upload(
        http, session_of(visitor), PNG + secret.encode(), f"{secret}.png", client_id=f"u-{secret}-0001"
    )
    assert uploaded.status_code == 201, uploaded.json
    sent = agent_upload(
        app, conversation_id, PDF + secret.encode(), f"{secret}-agent.pdf", client_id=f"f-{secret}-1"
    )
    assert sent.status_code == 201, sent.json
    agent = agent_client(app, socketio)
    agent.emit(
        "join_conversation", {"conversation_id": conversation_id}, namespace="/livechat-agent", callback=True
    )
    for event, payload in (
        ("set_tags", {"conversation_id": conversation_id, "tags": [f"tag-{secret}"]}),
        (
            "add_note",
            {"conversation_id": conversation_id, "client_id": f"n-{secret}-0001", "body": f"note {secret}"},
        ),
        ("email_transcript", {"conversation_id": conversation_id}),  # no SMTP configured: logged as failed
    ):
        agent.emit(event, payload, namespace="/livechat-agent", callback=True)
    spam_ack = visitor.emit(
        "send_message",
        {"client_id": f"c-{secret}-spam", "body": f"spam {secret}"},
        namespace="/livechat",
        callback=True,
    )
    assert spam_ack["ok"], spam_ack
    spam = spam_ack["message"]
    admin = agent_client(app, socketio, "bob")
    moderation = [("delete_message", {"conversation_id": conversation_id, "message_id": spam["id"]})]
    if block:  # (a blocked visitor is disconnected, so only one subject is, and the other stays connected)
        moderation.append(
            (
                "block_visitor",
                {
                    "visitor_id": visitor_id_from_token(app, http.get_cookie("livechat_visitor").value),
                    "minutes": 5,
                    "reason": f"abuse by {secret}",
                },
            )
        )
    for event, payload in moderation:
        done = admin.emit(event, payload, namespace="/livechat-agent", callback=True)
        assert done["ok"], done
    agent.emit(
        "send_message",
        {"conversation_id": conversation_id, "client_id": f"a-{secret}-0001", "body": f"noted {secret}"},
        namespace="/livechat-agent",
        callback=True,
    )
    livechat: LiveChatState = app.extensions["livechat"]
    visitor_id = visitor_id_from_token(app, http.get_cookie("livechat_visitor").value)
    livechat.store.profiles.save_profile(
        visitor_id, {"name": f"Name {secret}", "email": f"{secret}@example.com", "company": secret}
    )
    livechat.privacy.opt_out(f"{secret}@example.com", "promotional")
    with app.test_request_context("/"):  # the link a mail to them carried
        link = unsubscribe_url(app, livechat.store, f"{secret}@example.com", "transactional")
    return {
        "link": link.rsplit("/", 1)[1],
        "visitor_id": visitor_id,
        "conversation_id": conversation_id,
        "message_id": ack["message"]["id"],
        "secret": secret,
        "ip": ip.rsplit(".", 1)[0] + ".0",
    }


def store_state(app: Flask) -> LiveChatState:
    state: LiveChatState = app.extensions["livechat"]
    return state


def every_value(app: Flask) -> dict[str, list[str]]:
    livechat: LiveChatState = app.extensions["livechat"]
    found: dict[str, list[str]] = {}
    with livechat.store.database.reading() as connection:
        for table in Base.metadata.sorted_tables:
            rows = connection.execute(select(table)).all()
            found[table.name] = [str(value) for row in rows for value in row if value is not None]
    return found


@pytest.mark.livechat_config(LIVECHAT_WEBHOOK_POLL_INTERVAL=0.1)
def test_account_deletion_leaves_no_trace_and_spares_others(
    app: Flask, socketio: SocketIO, webhook_receiver: WebhookReceiver
) -> None:
    store = app.extensions["livechat"].store
    # A receiver that keeps failing: both subjects' messages wait in the webhook outbox, with attempts.
    webhook_receiver.statuses = [500] * 100
    store.webhooks.create_endpoint(webhook_receiver.url, ["message.created"], "whsec_" + "A" * 44)
    gone = fill_as(app, socketio, "carol", "198.51.100.77", "zebra", block=True)
    kept = fill_as(app, socketio, "ada", "203.0.113.9", "otter")
    eventually(lambda: store.count_rows()["livechat_webhook_attempts"] >= 2, message="webhook attempts")
    store.privacy.audit("tester", "view", "digest")  # the audit log has a row too
    # not personal data, but a table all the same
    store.canned.save_canned(None, "hello", "Hello! How can I help?")
    api_token(app)  # an agent's REST API token: staff data, not the subject's
    before = every_value(app)
    empty = [name for name, values in before.items() if not values]
    assert empty == [], f"the test must fill every table, these are empty: {empty}"
    erased: list[int] = []
    subject_erased.connect(lambda sender, visitors: erased.append(visitors), weak=False)

    account_deleted.send(app, user_id="3")

    assert erased == [1]
    after = every_value(app)
    traces = [
        (table, value)
        for table, values in after.items()
        for value in values
        for needle in (
            gone["visitor_id"],
            gone["conversation_id"],
            gone["message_id"],
            gone["secret"],
            gone["ip"],
            unsign(app, "unsubscribe", gone["link"], None),
        )
        if needle in value
    ]
    assert traces == []
    # Nor in the full-text index's shadow tables, the free pages of the database file, or the WAL.
    assert sqlite_leftovers(store_state(app), [gone["secret"], gone["visitor_id"], gone["message_id"]]) == []
    assert kept["secret"] in " ".join(sqlite_leftovers(store_state(app), [kept["secret"]]))
    files = Path(app.instance_path, "livechat-attachments")
    on_disk = [path.read_bytes() for path in files.iterdir()]
    assert not [data for data in on_disk if gone["secret"].encode() in data], (
        "the attachment's bytes are gone"
    )
    assert [data for data in on_disk if kept["secret"].encode() in data], "the other subject's file stays"
    assert [data for data in on_disk if data.startswith(PDF) and kept["secret"].encode() in data], (
        "the file an agent sent the other subject stays too"
    )
    survivors = " ".join(value for values in after.values() for value in values)
    for needle in (
        kept["visitor_id"],
        kept["conversation_id"],
        kept["message_id"],
        kept["secret"],
        kept["ip"],
        unsign(app, "unsubscribe", kept["link"], None),
    ):
        assert needle in survivors, needle


def test_erase_account_call_is_the_same(app: Flask, socketio: SocketIO) -> None:
    fill_as(app, socketio, "carol", "198.51.100.77", "zebra")
    livechat = app.extensions["livechat"]
    with app.app_context():
        assert livechat.livechat.erase_account("3") == 1
        assert livechat.livechat.erase_account("3") == 0
    assert livechat.store.count_rows()["livechat_messages"] == 0
