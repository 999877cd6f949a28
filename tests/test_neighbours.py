"""The Alembic filters for a database shared with the chat (the real ``flask db migrate`` run is in
``tests/hosts/test_microblog_host.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from flask_livechat import LiveChat, host_objects_only, host_tables_only
from tests.conftest import stop_app


def test_host_tables_only_keeps_out_every_chat_table_and_its_parts() -> None:
    assert not host_tables_only("livechat_messages", "table", {})
    assert not host_tables_only("ix_livechat_messages_seq", "index", {"table_name": "livechat_messages"})
    assert not host_tables_only("livechat_messages_fts_data", "table", {})
    assert host_tables_only("user", "table", {})
    assert host_tables_only("ix_user_email", "index", {"table_name": "user"})
    metadata = sa.MetaData()
    ours = sa.Table("livechat_notes", metadata, sa.Column("id", sa.Integer, primary_key=True))
    theirs = sa.Table("post", metadata, sa.Column("id", sa.Integer, primary_key=True))
    assert not host_objects_only(ours, ours.name, "table", True, None)
    assert not host_objects_only(ours.c.id, "id", "column", True, None)
    assert host_objects_only(theirs.c.id, "id", "column", True, None)


def test_a_migrate_set_up_first_gets_the_filter_next_to_its_own(tmp_path: Path) -> None:
    app = Flask("migrating", instance_path=str(tmp_path))
    app.config.update(
        SECRET_KEY="s",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        LIVECHAT_PURGE_INTERVAL=0,
        LIVECHAT_ASYNC_MODE="threading",
    )
    db = SQLAlchemy(app)

    def no_audit(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
        return name != "audit"

    Migrate(app, db, include_name=no_audit)
    LiveChat(app)
    include = app.extensions["migrate"].configure_args["include_name"]
    assert include("user", "table", {}) and not include("audit", "table", {})
    assert not include("livechat_visitors", "table", {})
    stop_app(app)
