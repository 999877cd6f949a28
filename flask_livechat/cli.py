"""``flask livechat …`` commands: thin wrappers over the store and services."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click
from flask.cli import AppGroup

from .services.privacy import Subject
from .state import current_livechat

livechat_group = AppGroup("livechat", help="Manage flask-livechat's data.")
CLI_ACTOR = "command line"

F = TypeVar("F", bound=Callable[..., Any])


@livechat_group.command("init-db")
def init_db() -> None:
    """Create the chat tables (safe to run again: existing tables are kept)."""
    counts = current_livechat.maintenance.create_tables()
    click.echo(f"flask-livechat tables ready: {', '.join(sorted(counts))}")


def subject_options(command: F) -> F:
    """The three ways to name a data subject, shared by export and erase."""
    for option in (
        click.option("--user-id", help="The host's user id."),
        click.option("--email", help="An email address the visitor gave."),
        click.option("--visitor-id", help="The visitor id (from the console or the visitor cookie)."),
    ):
        command = option(command)
    return command


def _subject(visitor_id: str | None, email: str | None, user_id: str | None) -> Subject:
    try:
        return Subject(
            visitor_id=visitor_id, email=email.strip().lower() if email else None, host_user_id=user_id
        )
    except ValueError as error:
        raise click.UsageError(f"{error} (--visitor-id, --email or --user-id)") from None


@livechat_group.command("export")
@subject_options
@click.option(
    "--output", "-o", type=click.File("w"), default="-", help="Where to write the JSON (default stdout)."
)
def export(visitor_id: str | None, email: str | None, user_id: str | None, output: Any) -> None:
    """Export everything held about a subject as JSON, including the host's rows (export hook)."""
    document = current_livechat.privacy.export(_subject(visitor_id, email, user_id), actor=CLI_ACTOR)
    json.dump(document, output, default=str, indent=2, ensure_ascii=False)
    output.write("\n")
    found = len(document["visitors"])
    click.echo(f"exported {found} visitor record(s)", err=True)


@livechat_group.command("erase")
@subject_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase(visitor_id: str | None, email: str | None, user_id: str | None, yes: bool) -> None:
    """Erase a subject now: chat data, and the host's rows through its erase hook."""
    subject = _subject(visitor_id, email, user_id)
    found = len(current_livechat.privacy.visitor_ids(subject))
    if not yes:
        click.confirm(
            f"Erase {found} visitor record(s) for {subject.describe()}? This cannot be undone", abort=True
        )
    erased = current_livechat.privacy.erase(subject, actor=CLI_ACTOR)
    click.echo(f"erased {erased} visitor record(s)")


@livechat_group.command("purge")
def purge() -> None:
    """Delete what is older than LIVECHAT_RETENTION_DAYS, and audit entries older than
    LIVECHAT_AUDIT_RETENTION_DAYS (safe to run any number of times)."""
    counts = current_livechat.privacy.purge_expired()
    click.echo("purged " + ", ".join(f"{count} {name}" for name, count in sorted(counts.items())))
