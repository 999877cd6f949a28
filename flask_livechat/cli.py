"""``flask livechat …`` commands: thin wrappers over the store and services."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from collections.abc import Callable
from typing import Any, TypeVar

import click
from flask.cli import AppGroup

from .errors import LiveChatError
from .services.privacy import Subject
from .state import current_livechat

livechat_group = AppGroup("livechat", help="Manage flask-livechat's data.")
CLI_ACTOR = "command line"

F = TypeVar("F", bound=Callable[..., Any])


def clear_errors(command: F) -> F:
    """A database that is down or behind is a one-line error naming what to do, not a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except LiveChatError as error:
            raise click.ClickException(error.message) from error

    return wrapper  # type: ignore[return-value]


@livechat_group.command("init-db")
@clear_errors
def init_db() -> None:
    """Create the chat tables at the newest revision (safe to run again: existing tables are kept)."""
    counts = current_livechat.maintenance.create_tables()
    click.echo(f"flask-livechat tables ready: {', '.join(sorted(counts))}")


db_group = AppGroup("db", help="The chat's schema revisions (its own, beside any migrations of yours).")
livechat_group.add_command(db_group)


@db_group.command("upgrade")
@clear_errors
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Bring the chat's tables to REVISION (default: the newest), in one transaction."""
    before, after = current_livechat.maintenance.upgrade(revision)
    if before == after:
        click.echo(f"chat schema already at {after}")
    else:
        click.echo(f"chat schema upgraded from {before or 'nothing'} to {after}")


@db_group.command("downgrade")
@clear_errors
@click.argument("revision", default="-1")
@click.option("--yes", is_flag=True, help="Do not ask before dropping every chat table (below the first).")
def db_downgrade(revision: str, yes: bool) -> None:
    """Undo revisions down to REVISION (default: one step)."""
    maintenance = current_livechat.maintenance
    current = maintenance.current()
    if current is None:
        raise click.UsageError("the chat schema has no revision yet: nothing to downgrade")
    first = maintenance.history()[-1].revision
    if not yes and (revision == "base" or (revision == "-1" and current == first)):
        click.confirm(
            f"Revision {first} is the first: going below it drops every chat table and its data", abort=True
        )
    before, after = maintenance.downgrade(revision)
    click.echo(f"chat schema downgraded from {before} to {after or 'nothing (no chat tables)'}")


@db_group.command("current")
@clear_errors
def db_current() -> None:
    """Show the chat schema's revision."""
    maintenance = current_livechat.maintenance
    current, head = maintenance.current(), maintenance.head()
    if current == head:
        click.echo(f"{current} (head)")
    else:
        click.echo(f"{current or 'no revision'} (head is {head}: run `flask livechat db upgrade`)")


@db_group.command("history")
@clear_errors
def db_history() -> None:
    """List the chat's revisions, newest first."""
    for entry in current_livechat.maintenance.history():
        marks = "".join((" (head)" if entry.head else "", " (current)" if entry.current else ""))
        click.echo(f"{entry.down_revision or '<base>'} -> {entry.revision}{marks}, {entry.message}")


@db_group.command("revision")
@clear_errors
@click.option("-m", "--message", required=True, help="What the revision changes (names its file).")
@click.option("--empty", is_flag=True, help="Write no operations (a data migration written by hand).")
def db_revision(message: str, empty: bool) -> None:
    """For contributors: write a new revision from the difference between the models and the newest
    revision (autogenerate against a scratch SQLite database). Review it before committing."""
    path = current_livechat.maintenance.write_revision(message, autogenerate=not empty)
    ruff = shutil.which("ruff")
    if ruff:  # the project's formatting, so `make lint` passes as written
        subprocess.run([ruff, "format", "--quiet", str(path)], check=False)
        subprocess.run([ruff, "check", "--fix", "--quiet", str(path)], check=False)
    click.echo(f"wrote {path}: review it (batch mode on SQLite, data to move, the full-text triggers)")


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
    """Delete what is older than LIVECHAT_RETENTION_DAYS (safe to run any number of times)."""
    counts = current_livechat.privacy.purge_expired()
    click.echo("purged " + ", ".join(f"{count} {name}" for name, count in sorted(counts.items())))
