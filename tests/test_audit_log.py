"""The audit log (issue 12, point 6): history searches and transcript views are logged without the search
text, the log has its own retention, and an erased subject's entries cannot be linked back to them. Checked
on the stored rows."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIO
from sqlalchemy import text

from flask_livechat.identity import keyed_digest
from flask_livechat.services.privacy import Subject
from flask_livechat.state import LiveChatState
from flask_livechat.store.models import utcnow
from tests.conftest import agent_client, build_app, stop_app
from tests.helpers import leftovers

AGENT_NS = "/livechat-agent"
ADDRESS = "carol@example.com"  # the host's user "carol" (user id 3)


@pytest.fixture
def chat_app(store_config: dict[str, Any], tmp_path: Path) -> Iterator[Flask]:
    app = build_app(str(tmp_path / "instance"), **store_config)
    yield app
    stop_app(app)


def audit_rows(livechat: LiveChatState, table: str = "livechat_audit_log") -> list[dict[str, Any]]:
    with livechat.store.engine.connect() as connection:
        return [dict(row) for row in connection.execute(text(f"SELECT * FROM {table}")).mappings()]


def carol_chats(app: Flask, socketio: SocketIO) -> str:
    http = app.test_client()
    http.get("/login-as/carol")
    http.get("/")
    visitor = socketio.test_client(app, namespace="/livechat", flask_test_client=http)
    ack = visitor.emit(
        "send_message",
        {"client_id": "c-audit-0001", "body": "Lovelace ordered the blue kettle"},
        namespace="/livechat",
        callback=True,
    )
    assert ack["ok"], ack
    visitor.disconnect(namespace="/livechat")
    return str(ack["message"]["conversation_id"])


def old_digest(app: Flask, key: str) -> str:
    """How entries were linked before: anyone with SECRET_KEY could recompute this for any address."""
    return hmac.new(str(app.config["SECRET_KEY"]).encode(), key.encode(), hashlib.sha256).hexdigest()


def test_history_searches_and_transcripts_are_logged_and_erasure_unlinks_them(chat_app: Flask) -> None:
    app = chat_app
    livechat: LiveChatState = app.extensions["livechat"]
    socketio: SocketIO = app.extensions["socketio"]
    conversation_id = carol_chats(app, socketio)
    [visitor_id] = livechat.store.privacy.find_visitor_ids(host_user_id="3")
    ada = agent_client(app, socketio)
    search = {"query": "Lovelace kettle", "status": "open"}
    found = ada.emit("search_history", search, namespace=AGENT_NS, callback=True)
    assert [c["id"] for c in found["conversations"]] == [conversation_id]
    opened = ada.emit("transcript", {"conversation_id": conversation_id}, namespace=AGENT_NS, callback=True)
    assert opened["ok"], opened
    result = app.test_cli_runner().invoke(args=["livechat", "export", "--email", ADDRESS])
    assert result.exit_code == 0, result.output

    search, view, export = sorted(audit_rows(livechat), key=lambda row: row["id"])
    assert (search["actor"], search["action"], search["subject_ref"]) == (
        "Ada Agent (user 1)",
        "history_search",
        None,
    )
    # The text itself is never stored.
    assert search["detail"] == "text (15 characters), status open; 1 result(s)"
    assert (view["actor"], view["action"]) == ("Ada Agent (user 1)", "view")
    assert view["detail"] == "history transcript" and view["subject_ref"]
    assert export["action"] == "export" and search["at"] <= view["at"] <= export["at"]
    searched = leftovers(livechat, ["Lovelace", "kettle"])
    assert not [hit for hit in searched if hit.startswith("livechat_audit")]
    # While Carol exists, her entries line up: the key digests map to their references.
    subjects = audit_rows(livechat, "livechat_audit_subjects")
    assert {row["ref"] for row in subjects} == {view["subject_ref"], export["subject_ref"]}
    assert keyed_digest(app, "audit-subject", f"email={ADDRESS}") in {row["key_digest"] for row in subjects}

    result = app.test_cli_runner().invoke(args=["livechat", "erase", "--email", ADDRESS, "--yes"])
    assert result.exit_code == 0, result.output

    rows = sorted(audit_rows(livechat), key=lambda row: row["id"])
    assert [row["action"] for row in rows] == ["history_search", "view", "export", "erase"]
    assert rows[3]["subject_ref"] == export["subject_ref"]  # the erasure's own entry stays
    assert audit_rows(livechat, "livechat_audit_subjects") == []  # ... and nothing maps it to her
    for key in (f"email={ADDRESS}", f"visitor_id={visitor_id}", "host_user_id=3"):
        needles = [old_digest(app, key), keyed_digest(app, "audit-subject", key)]
        assert leftovers(livechat, needles) == [], key
    assert leftovers(livechat, [ADDRESS, visitor_id, "Lovelace"]) == []


def test_the_audit_log_has_its_own_retention(tmp_path: Any) -> None:
    app = build_app(str(tmp_path), LIVECHAT_AUDIT_RETENTION_DAYS=30, LIVECHAT_RETENTION_DAYS=365)
    livechat: LiveChatState = app.extensions["livechat"]
    with app.app_context():
        for subject in ("old@example.com", "new@example.com"):
            livechat.privacy.record_view(Subject(email=subject), actor="Ada (user 1)", what="privacy search")
    old_ref = next(row["subject_ref"] for row in audit_rows(livechat))
    with livechat.store.engine.begin() as connection:
        connection.execute(
            text("UPDATE livechat_audit_log SET at = :at WHERE subject_ref = :ref"),
            {"at": utcnow() - timedelta(days=31), "ref": old_ref},
        )
    result = app.test_cli_runner().invoke(args=["livechat", "purge"])
    assert result.exit_code == 0, result.output
    [kept] = audit_rows(livechat)
    assert kept["subject_ref"] != old_ref
    assert [row["ref"] for row in audit_rows(livechat, "livechat_audit_subjects")] == [kept["subject_ref"]]
    again = app.test_cli_runner().invoke(args=["livechat", "purge"])
    assert again.exit_code == 0 and len(audit_rows(livechat)) == 1
    livechat.store.dispose()
