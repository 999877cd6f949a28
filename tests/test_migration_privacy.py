"""Revision 0003 on real SQLite and PostgreSQL: opt-outs become keyed digests (and still stop mail), the mail
log loses subjects and addresses, audit entries get random references in place of recomputable digests."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import inspect, text

from flask_livechat.identity import keyed_digest
from flask_livechat.services.mail import is_suppressed
from flask_livechat.store import Store
from flask_livechat.store.schema import BASELINE

SECRET = "the app's secret"


@pytest.fixture
def store(empty_database: str) -> Iterator[Store]:
    store = Store(empty_database)
    yield store
    store.dispose()


def old_digest(value: str) -> str:
    return hmac.new(SECRET.encode(), value.encode(), hashlib.sha256).hexdigest()


def fill_baseline(store: Store) -> None:
    store.schema.upgrade(BASELINE)
    at = datetime(2026, 11, 30, 12, 0, 0)
    with store.database.engine.begin() as connection:
        for kind in ("promotional", "transactional"):
            connection.execute(
                text("INSERT INTO livechat_mail_opt_outs (email, kind, opted_out_at) VALUES (:e, :k, :at)"),
                {"e": " Ada@Example.com", "k": kind, "at": at},
            )
        for digest in (old_digest("email=ada@example.com"),) * 2 + (old_digest("visitor_id=v1"),):
            connection.execute(
                text(
                    "INSERT INTO livechat_audit_log (actor, action, subject_digest, detail, at) "
                    "VALUES ('Ada Agent (user 1)', 'view', :d, 'privacy search', :at)"
                ),
                {"d": digest, "at": at},
            )
        connection.execute(
            text(
                "INSERT INTO livechat_mail_log "
                "(kind, conversation_id, recipient, subject, status, created_at) VALUES "
                "('transcript', 'c1', 'carol@example.com', 'Transcript of Carol Jones', 'sent', :at)"
            ),
            {"at": at},
        )


def every_value(store: Store) -> str:
    with store.database.engine.connect() as connection:
        names = [
            name
            for name in inspect(connection).get_table_names()
            if name.startswith("livechat_") and not name.startswith("livechat_messages_fts")
        ]
        return " ".join(
            str(value)
            for name in names
            for row in connection.execute(text(f"SELECT * FROM {name}"))
            for value in row
        )


def test_0003_moves_opt_outs_to_digests_and_unlinks_the_audit_log(store: Store) -> None:
    fill_baseline(store)
    app = Flask("upgrade")
    app.config["SECRET_KEY"] = SECRET
    with app.app_context():
        store.schema.upgrade()
    assert store.schema.current() == store.schema.head()
    with store.database.engine.connect() as connection:
        suppressions = connection.execute(text("SELECT digest, kind FROM livechat_mail_suppressions")).all()
        audit = connection.execute(text("SELECT subject_ref FROM livechat_audit_log ORDER BY id")).scalars()
        refs = list(audit)
        [logged] = connection.execute(text("SELECT * FROM livechat_mail_log")).mappings().all()
    digest = keyed_digest(app, "mail-suppression", "ada@example.com")
    assert sorted(suppressions) == [(digest, "promotional"), (digest, "transactional")]
    with app.app_context():
        assert is_suppressed(app, store, "ada@example.com", "promotional")
    assert refs[0] == refs[1] != refs[2] and all(len(ref) == 32 for ref in refs)  # still lined up
    assert (logged["recipient"], logged["category"], logged["status"]) == (
        "c•••@example.com",
        "transactional",
        "sent",
    )
    assert logged["recipient_digest"] == keyed_digest(app, "mail-suppression", "carol@example.com")
    assert "subject" not in logged
    stored = every_value(store)
    for gone in ("ada@example.com", "Ada@Example.com", "carol@example.com", "Carol Jones"):
        assert gone.lower() not in stored.lower(), gone
    for gone in (old_digest("email=ada@example.com"), old_digest("visitor_id=v1")):
        assert gone not in stored

    head = store.schema.head()  # later revisions come down and go up with it
    assert store.schema.downgrade("0002") == (head, "0002")  # lossy, but it runs
    assert store.schema.upgrade() == ("0002", head)


def test_0003_without_the_key_refuses_and_changes_nothing(store: Store) -> None:
    fill_baseline(store)
    with pytest.raises(RuntimeError, match="flask livechat db upgrade"):
        store.schema.upgrade()
    assert store.schema.current() == BASELINE
    with store.database.engine.connect() as connection:
        count = connection.execute(text("SELECT COUNT(*) FROM livechat_mail_opt_outs")).scalar()
    assert count == 2
