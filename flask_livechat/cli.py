"""``flask livechat …`` commands: thin wrappers over the store and services."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .state import current_livechat

livechat_group = AppGroup("livechat", help="Manage flask-livechat's data.")


@livechat_group.command("init-db")
def init_db() -> None:
    """Create the chat tables (safe to run again: existing tables are kept)."""
    current_livechat.store.create_all()
    counts = current_livechat.store.count_rows()
    click.echo(f"flask-livechat tables ready: {', '.join(sorted(counts))}")
