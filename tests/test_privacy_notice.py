"""The privacy page follows the installation: flipping its config changes what the page says, every column
that can hold personal data is in a category, and each category's retention is what the purge really does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIO
from sqlalchemy import inspect, select, update

from flask_livechat.host import BillingSummary
from flask_livechat.identity import keyed_digest
from flask_livechat.services.privacy import Subject
from flask_livechat.services.privacy_notice import (
    AUDIT_RETENTION_KEY,
    NOT_PERSONAL,
    RETENTION_KEY,
    categories,
    privacy_notice,
    recipients,
    warn_without_controller,
)
from flask_livechat.state import LiveChatState
from flask_livechat.store.models import Base, UTCDateTime
from tests.conftest import build_app, stop_app
from tests.helpers import api_token
from tests.test_erasure import fill_as


def page_of(tmp_path: Any, name: str, billing: bool = False, **config: Any) -> str:
    app = build_app(str(tmp_path / name), **config)
    try:
        if billing:
            app.extensions["livechat"].livechat.billing_loader(lambda user: BillingSummary(plan="Pro"))
        response = app.test_client().get("/livechat/privacy")
        assert response.status_code == 200
        return str(response.get_data(as_text=True))
    finally:
        stop_app(app)


MAIL = {"LIVECHAT_MAIL_SERVER": "smtp.mailer.example", "LIVECHAT_MAIL_SENDER": "chat@shop.example"}


def test_the_page_follows_the_config(tmp_path: Any) -> None:
    plain = page_of(tmp_path, "plain")
    assert "smtp.mailer.example" not in plain and "This chat sends no email." in plain
    assert "Files you send" in plain and "Pages you view" in plain
    assert "Answers to the pre-chat form" not in plain  # no form configured
    assert "plan and billing state" not in plain
    assert "Deleted 365 days after their last activity" in plain
    assert "Deleted 730 days after the action" in plain  # the audit log's own retention
    assert "not configured" in plain  # no controller named

    mailing = page_of(tmp_path, "mail", **MAIL, LIVECHAT_MAIL_TO="team@shop.example")
    assert "The mail server smtp.mailer.example" in mailing
    assert "This chat sends no email." not in mailing and "unsubscribe link" in mailing
    assert "mailed to our team" in mailing

    fewer = page_of(
        tmp_path,
        "fewer",
        LIVECHAT_ATTACHMENTS=False,
        LIVECHAT_TRACK_PAGE_VIEWS=False,
        LIVECHAT_RETENTION_DAYS=30,
        LIVECHAT_REPORTS_MIN_COUNT=10,
        LIVECHAT_STORE_NETWORK_DATA=False,
    )
    assert "Files you send" not in fewer and "Pages you view" not in fewer
    assert (
        "Deleted 30 days after their last activity" in fewer and "365 days" not in fewer.split("Cookies")[0]
    )
    assert "fewer than 10 people" in fewer and "&lt; 10" in fewer
    assert "IP address" not in fewer

    asked = page_of(
        tmp_path,
        "prechat",
        LIVECHAT_PRECHAT_FIELDS=["name", {"name": "order", "label": {"en": "Order number", "de": "Nummer"}}],
        LIVECHAT_COMPANY_NAME="Acme GmbH",
        LIVECHAT_PRIVACY_CONTACT="privacy@acme.example",
        LIVECHAT_SUPERVISORY_AUTHORITY="Berlin's data protection commissioner",
    )
    assert "before your first message: Name, Order number" in asked  # the labels the form shows
    assert "The controller of the chat's data is <strong>Acme GmbH</strong>" in asked
    assert "not configured" not in asked and "ours is Berlin&#39;s data protection commissioner" in asked

    billed = page_of(tmp_path, "billing", billing=True)
    assert "plan and billing state (plan, status, renewal date, card brand and last four digits" in billed


@pytest.mark.parametrize(
    ("mode", "basis"), [("opt-in", "Consent (Art. 6(1)(a) GDPR)"), ("notice", "Legitimate interest")]
)
def test_recognition_rests_on_the_basis_of_the_consent_mode(tmp_path: Any, mode: str, basis: str) -> None:
    page = page_of(tmp_path, mode, LIVECHAT_CONSENT_MODE=mode)
    row = page.split('id="data-visits"')[1].split("</tr>")[0]
    assert basis in row
    assert ("only if you allow it" in page) == (mode == "opt-in")


def test_every_right_is_named_with_how_to_use_it(app: Flask) -> None:
    notice = privacy_notice(app.config, billing=False)
    assert [right.name for right in notice.rights] == [
        "Access and portability",
        "Rectification",
        "Erasure",
        "Objection",
        "Restriction",
        "Withdrawing consent",
        "Complaint",
    ]
    assert all(right.how for right in notice.rights)


def test_audit_retention_is_read_when_configured(app: Flask) -> None:
    audit = next(
        c for c in categories({**app.config, AUDIT_RETENTION_KEY: 400}, billing=False) if c.key == "audit"
    )
    assert audit.retention == "Deleted 400 days after the action" and audit.kept_by == AUDIT_RETENTION_KEY


def covered(table: str, column: str, claimed: set[str]) -> bool:
    if table.startswith("livechat_messages_fts"):
        table = "livechat_messages_fts"  # FTS5's shadow tables hold what its virtual table holds
    return f"{table}.*" in claimed or f"{table}.{column}" in claimed


def test_every_column_that_can_hold_personal_data_has_a_category(app: Flask, livechat: LiveChatState) -> None:
    livechat.store.count_rows()  # the tables are made on first use
    claimed = {column for category in categories(app.config, billing=True) for column in category.columns}
    claimed |= set(NOT_PERSONAL)
    inspector = inspect(livechat.store.engine)
    tables = [name for name in inspector.get_table_names() if name.startswith("livechat_")]
    assert "livechat_messages" in tables and "livechat_messages_fts_data" in tables
    missing = [
        f"{table}.{column['name']}"
        for table in tables
        for column in inspector.get_columns(table)
        if not covered(table, column["name"], claimed)
    ]
    assert missing == [], "add these columns to a category in services/privacy_notice.py: " + ", ".join(
        missing
    )
    known = {
        f"{table.name}.{column.name}" for table in Base.metadata.sorted_tables for column in table.columns
    }
    known |= {f"{table}.*" for table in tables}
    assert {c for c in claimed if not c.startswith("livechat_messages_fts")} <= known  # no stale names


def test_the_controller_warning(caplog: Any) -> None:
    assert warn_without_controller({}, debug=False, testing=False)
    assert "LIVECHAT_COMPANY_NAME and LIVECHAT_PRIVACY_CONTACT" in caplog.text
    assert not warn_without_controller({}, debug=True, testing=False)
    assert not warn_without_controller({}, debug=False, testing=True)
    named = {"LIVECHAT_COMPANY_NAME": "Acme", "LIVECHAT_PRIVACY_CONTACT": "privacy@acme.example"}
    assert not warn_without_controller(named, debug=False, testing=False)


def age_every_timestamp(livechat: LiveChatState, days: int) -> None:
    then = datetime.now(UTC) - timedelta(days=days)
    with livechat.store.database.writing() as connection:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, UTCDateTime):
                    connection.execute(update(table).where(column.is_not(None)).values({column.name: then}))


@pytest.fixture(params=["sqlite", "postgresql"])
def retained_app(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Flask]:
    """An app with 30 days' retention on each database: report facts go by foreign-key cascade."""
    url = request.getfixturevalue("database") if request.param == "postgresql" else None
    app = build_app(str(tmp_path / "instance"), LIVECHAT_RETENTION_DAYS=30, LIVECHAT_DATABASE_URL=url)
    yield app
    stop_app(app)


def test_each_category_is_kept_as_long_as_the_page_says(retained_app: Flask) -> None:
    app = retained_app
    socketio: SocketIO = app.extensions["socketio"]
    livechat: LiveChatState = app.extensions["livechat"]
    fill_as(app, socketio, "carol", "198.51.100.77", "zebra", block=True)
    fill_as(app, socketio, "ada", "203.0.113.9", "otter")  # not blocked: still connected
    api_token(app)  # a REST API token acting as a staff member
    app.test_client().post("/livechat/api/consent", json={"choice": "declined"})  # a decline, without an id
    livechat.privacy.export(Subject(host_user_id="3"), actor="an admin", include_host=False)  # an audit entry
    before = livechat.store.count_rows()
    listed = [category for category in categories(app.config, billing=True) if category.collected]
    tables = {column.split(".")[0] for category in listed for column in category.columns}
    tables -= {"livechat_messages_fts"}
    assert not [name for name in tables if not before.get(name)], before  # each category has rows to purge

    longest = max(app.config[RETENTION_KEY], app.config[AUDIT_RETENTION_KEY])
    age_every_timestamp(livechat, longest + 1)
    livechat.privacy.purge_expired()
    # What the sweeper does for connections nobody refreshed within LIVECHAT_PRESENCE_TIMEOUT.
    livechat.store.presence.refresh_and_sweep([], [], cutoff=datetime.now(UTC) - timedelta(seconds=1))
    after = livechat.store.count_rows()

    for name in sorted(tables):
        owners = [c for c in listed if any(column.startswith(name + ".") for column in c.columns)]
        if all(owner.kept_by is not None for owner in owners):
            assert after[name] == 0, f"{name}: the page says {[o.retention for o in owners]}"
        else:
            assert after[name] == before[name], f"{name} is kept until erasure, the page says"
    with livechat.store.engine.connect() as connection:
        leftovers = connection.execute(select(Base.metadata.tables["livechat_mail_suppressions"])).all()
    digests = [keyed_digest(app, "mail-suppression", f"{name}@example.com") for name in ("otter", "zebra")]
    assert sorted(row.digest for row in leftovers) == sorted(digests)


def test_erasure_leaves_only_what_the_page_says_it_keeps(app: Flask, socketio: SocketIO) -> None:
    livechat: LiveChatState = app.extensions["livechat"]
    fill_as(app, socketio, "carol", "198.51.100.77", "zebra", block=True)
    with app.app_context():
        assert livechat.livechat.erase_account("3") == 1
    after = livechat.store.count_rows()
    staff = {"staff", "api_tokens"}  # staff's data: not the subject's
    listed = [c for c in categories(app.config, billing=True) if c.key not in staff]
    kept = {column.split(".")[0] for c in listed if c.after_erasure for column in c.columns}
    erased = {column.split(".")[0] for c in listed for column in c.columns} - kept - {"livechat_messages_fts"}
    assert {name: after[name] for name in erased if after[name]} == {}
    assert after["livechat_audit_log"] and after["livechat_moderation_log"]  # as the page says


def test_the_message_queue_is_named_by_host_only(app: Flask) -> None:
    queue = {**app.config, "LIVECHAT_MESSAGE_QUEUE": "redis://:s3cret@queue.internal:6379/0"}
    named = " ".join(recipient.who for recipient in recipients(queue))
    assert "The message queue at queue.internal" in named and "s3cret" not in named


def test_webhook_receivers_are_named_once_registered(app: Flask, livechat: LiveChatState) -> None:
    """The page names each enabled receiver by its site (never the URL, whose path may hold a token) with
    the events it gets, and lists what the outbox keeps; nothing of the kind before one is registered."""
    client = app.test_client()
    before = client.get("/livechat/privacy").get_data(as_text=True)
    assert "webhook receiver" not in before and "Events sent to other services" not in before
    with app.app_context():
        endpoint, _ = livechat.webhooks.create("https://hooks.example/T0K3N/path", ["message.created"])
    page = client.get("/livechat/privacy").get_data(as_text=True)
    assert "The webhook receiver at https://hooks.example" in page and "message.created" in page
    assert "Events sent to other services" in page and "T0K3N" not in page
    with app.app_context():
        livechat.webhooks.set_enabled(endpoint.id, False)
    assert "webhook receiver" not in client.get("/livechat/privacy").get_data(as_text=True)
