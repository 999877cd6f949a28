"""Retention: old conversations, messages and page views go; recent ones stay; running twice is safe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from sqlalchemy import update

from flask_livechat.state import LiveChatState
from flask_livechat.store.models import Conversation, PageView, Visit, Visitor
from tests.helpers import eventually, sqlite_leftovers


def age_everything(livechat: LiveChatState, days: int) -> None:
    """Moves every timestamp back, as if the data were ``days`` old."""
    then = datetime.now(UTC) - timedelta(days=days)
    with livechat.store.database.writing() as connection:
        connection.execute(update(Conversation).values(updated_at=then, created_at=then))
        connection.execute(update(PageView).values(viewed_at=then))
        connection.execute(update(Visit).values(last_seen_at=then, started_at=then))
        connection.execute(update(Visitor).values(last_seen_at=then, first_seen_at=then))


def chat(visitor: SocketIOTestClient, client_id: str) -> None:
    visitor.emit(
        "send_message", {"client_id": client_id, "body": "hello"}, namespace="/livechat", callback=True
    )


@pytest.mark.livechat_config(LIVECHAT_RETENTION_DAYS=30)
def test_purge_removes_what_is_older_than_retention(
    app: Flask, client: FlaskClient, visitor: SocketIOTestClient, livechat: LiveChatState
) -> None:
    chat(visitor, "c-old-0001")
    age_everything(livechat, 31)
    fresh = app.test_client()
    fresh.get("/")
    fresh.get("/")  # the cookie came back: a visitor
    result = app.test_cli_runner().invoke(args=["livechat", "purge"])
    assert result.exit_code == 0, result.output
    assert "1 conversations" in result.output and "1 messages" in result.output
    counts = livechat.store.count_rows()
    assert counts["livechat_conversations"] == counts["livechat_messages"] == 0
    assert counts["livechat_page_views"] == 2 and counts["livechat_visitors"] == 1  # the fresh visitor stays
    again = app.test_cli_runner().invoke(args=["livechat", "purge"])
    assert again.exit_code == 0 and set(livechat.store.count_rows().items()) == set(counts.items())


@pytest.mark.livechat_config(LIVECHAT_RETENTION_DAYS=30)
def test_purged_words_leave_the_index_the_free_pages_and_the_wal(
    visitor: SocketIOTestClient, livechat: LiveChatState, app: Flask
) -> None:
    visitor.emit(
        "send_message",
        {"client_id": "c-old-0002", "body": "my quokka password"},
        namespace="/livechat",
        callback=True,
    )
    assert "livechat_messages_fts_data" in " ".join(sqlite_leftovers(livechat, ["quokka"]))
    age_everything(livechat, 31)
    assert app.test_cli_runner().invoke(args=["livechat", "purge"]).exit_code == 0
    assert sqlite_leftovers(livechat, ["quokka"]) == []


@pytest.mark.livechat_config(LIVECHAT_RETENTION_DAYS=30)
def test_recent_activity_keeps_a_conversation(visitor: SocketIOTestClient, livechat: LiveChatState) -> None:
    chat(visitor, "c-new-0001")
    age_everything(livechat, 29)
    counts = livechat.privacy.purge_expired()
    assert counts["messages"] == 0
    assert livechat.store.count_rows()["livechat_messages"] == 1


@pytest.mark.livechat_config(LIVECHAT_RETENTION_DAYS=30, LIVECHAT_PURGE_INTERVAL=1)
def test_the_running_server_purges_by_itself(
    app: Flask, client: FlaskClient, visitor: SocketIOTestClient, livechat: LiveChatState
) -> None:
    chat(visitor, "c-daily-001")
    age_everything(livechat, 31)
    client.get("/")  # the first request starts the daily purge
    eventually(
        lambda: livechat.store.count_rows()["livechat_messages"] == 0,
        message="the background purge did not delete the expired messages",
    )


@pytest.mark.livechat_config(LIVECHAT_RETENTION_DAYS=30)
def test_purge_deletes_attachment_bytes_too(
    app: Flask, client: FlaskClient, visitor: SocketIOTestClient, livechat: LiveChatState
) -> None:
    from pathlib import Path

    from tests.helpers import PNG, session_of, upload

    assert upload(client, session_of(visitor), PNG, "old.png").status_code == 201
    folder = Path(app.instance_path, "livechat-attachments")
    assert len(list(folder.iterdir())) == 1
    age_everything(livechat, 31)
    assert livechat.privacy.purge_expired()["attachments"] == 1
    assert list(folder.iterdir()) == []
