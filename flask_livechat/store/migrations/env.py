"""Alembic's entry point for the chat's own revisions, run by ``store/schema.py`` with a connection of ours.

Never run with the ``alembic`` command line or a host's Flask-Migrate: the chat keeps its own version table
(``livechat_alembic_version``) and looks only at its own tables, so it never touches the host's.
"""

from __future__ import annotations

from alembic import context

from flask_livechat.store.models import Base
from flask_livechat.store.schema import VERSION_TABLE, chat_names_only, render_item

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "The chat's migrations run through `flask livechat db ...`, with a connection of its own."
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    include_name=chat_names_only,
    render_item=render_item,
    # SQLite cannot alter most of a table in place: batch mode copies it into a new one.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
