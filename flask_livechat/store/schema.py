"""The schema's version: the Alembic revisions shipped in ``migrations/versions/``, and the start-up check.

The chat keeps its own version table (``livechat_alembic_version``) and looks only at tables named
``livechat_*``, so it lives beside a host's own Alembic or Flask-Migrate on one database without either
touching the other's tables. A fresh database is built from the models and stamped at head (the way Alembic's
cookbook builds one from scratch); a database from before the migrations (our tables, no version table) is
taken as the baseline revision; one that is behind is refused with the command to run, unless
``LIVECHAT_AUTO_MIGRATE`` lets the first use upgrade it.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from ..errors import SchemaOutdated
from .database import Database, lock_schema
from .models import Base, UTCDateTime
from .records import RevisionRecord

logger = logging.getLogger("flask_livechat")

#: Every table, index and FTS shadow table of the chat starts with this.
TABLE_PREFIX = "livechat_"
#: Our own version table, never a host's ``alembic_version``.
VERSION_TABLE = "livechat_alembic_version"
#: The shipped revisions.
SCRIPTS = Path(__file__).with_name("migrations")
#: The first revision: the schema of the last release without migrations.
BASELINE = "0001"
#: The full-text objects are raw SQL in the revisions (``search.py`` keeps them in step); the model
#: comparison leaves them out.
_FTS_TABLE = "livechat_messages_fts"
_FTS_INDEX = "ix_livechat_messages_fts"
UPGRADE_COMMAND = "flask livechat db upgrade"


def chat_names_only(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic ``include_name`` of the chat's environment: its own tables only (never a host's, never the
    version tables), and neither the full-text index nor its shadow tables."""
    if type_ == "table":
        return (
            isinstance(name, str)
            and name.startswith(TABLE_PREFIX)
            and not name.startswith(_FTS_TABLE)
            and name != VERSION_TABLE
        )
    if type_ == "index":
        return name != _FTS_INDEX
    return True


def render_item(type_: str, object_: Any, autogen_context: Any) -> str | Literal[False]:
    """Revisions spell our UTC column type as the plain ``sa.DateTime()`` it stores, so they never import
    the models (a revision must stay as it was written when the models change)."""
    if type_ == "type" and isinstance(object_, UTCDateTime):
        return "sa.DateTime()"
    return False


@lru_cache(maxsize=4)
def _scripts(location: str) -> ScriptDirectory:
    """Parsed once per process: every store of the process reads the same files."""
    return ScriptDirectory.from_config(_config(location))


def _config(location: str, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", location)
    # Sequential ids ("0002") name the files too, so the history reads in order.
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


class SchemaQueries:
    """Which revision the database is at, and moving it (``flask livechat db …``)."""

    def __init__(self, database: Database, scripts: Path = SCRIPTS) -> None:
        self._db = database
        #: Another folder of revisions (the tests add one on top of ours to make a database "behind").
        self.scripts = scripts

    @property
    def _directory(self) -> ScriptDirectory:
        return _scripts(str(self.scripts))

    def head(self) -> str:
        head = self._directory.get_current_head()
        if head is None:
            raise RuntimeError(f"no revisions in {self.scripts}")
        return head

    def current(self) -> str | None:
        with self._db.guard(), self._db.engine.connect() as connection:
            return self._current(connection)

    def _current(self, connection: Connection) -> str | None:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()

    def history(self) -> list[RevisionRecord]:
        """Every revision, newest first."""
        current = self.current()
        return [
            RevisionRecord(
                revision=script.revision,
                down_revision=script.down_revision if isinstance(script.down_revision, str) else None,
                message=(script.doc or "").strip(),
                current=script.revision == current,
                head=script.is_head,
            )
            for script in self._directory.walk_revisions()
        ]

    def prepare(self, *, auto_upgrade: bool) -> None:
        """The start-up check (first use): adopt the database (``adopt``), then refuse it if it is behind,
        or upgrade it with ``auto_upgrade``."""
        head = self.head()
        with self._db.guard(), self._migrating() as connection:
            current = self._adopt(connection, head)
            if current == head:
                return
            if not self._knows(current):
                raise SchemaOutdated(
                    f"The chat database is at revision {current}, which this version of flask-livechat does "
                    f"not know (its newest is {head}): install the flask-livechat that upgraded it."
                )
            if not auto_upgrade:
                message = (
                    f"The chat database is at revision {current}, this flask-livechat needs {head}: run "
                    f"`{UPGRADE_COMMAND}` (or set LIVECHAT_AUTO_MIGRATE = True), see docs/deployment.md."
                )
                logger.error("flask-livechat: %s", message)
                raise SchemaOutdated(message)
            logger.warning("flask-livechat: upgrading the chat database from %s to %s", current, head)
            command.upgrade(_config(str(self.scripts), connection), head)

    def adopt(self) -> str:
        """A database without our version table: a fresh one is built from the models and stamped at head,
        one from before the migrations (our tables are there) is stamped at the baseline. Returns the
        revision the database is at."""
        with self._db.guard(), self._migrating() as connection:
            return self._adopt(connection, self.head())

    def _adopt(self, connection: Connection, head: str) -> str:
        current = self._current(connection)
        if current is not None:
            return current
        if not self._chat_tables(connection):
            Base.metadata.create_all(connection)
            self._stamp(connection, head)
            return head
        logger.info("flask-livechat: tables from before the migrations, taken as revision %s", BASELINE)
        self._stamp(connection, BASELINE)
        return BASELINE

    def upgrade(self, revision: str = "head") -> tuple[str | None, str | None]:
        """Runs the revisions up to ``revision`` in one transaction; returns (before, after)."""
        return self._run(command.upgrade, revision)

    def downgrade(self, revision: str = "-1") -> tuple[str | None, str | None]:
        """Undoes revisions down to ``revision`` (one step by default); returns (before, after)."""
        return self._run(command.downgrade, revision)

    def pending_changes(self) -> list[Any]:
        """What autogenerate would write: the difference between the models and the database."""
        with self._db.guard(), self._db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "version_table": VERSION_TABLE,
                    "include_name": chat_names_only,
                    "compare_type": True,
                },
            )
            return list(compare_metadata(context, Base.metadata))

    def write_revision(self, message: str, *, autogenerate: bool = True) -> Path:
        """A new revision file on top of head, its operations written from the models' difference with
        this database (which must be at head: ``flask livechat db revision`` uses a scratch SQLite file)."""
        if self.current() != self.head():
            raise RuntimeError("autogenerate needs a database at head")
        rev_id = f"{len(list(self._directory.walk_revisions())) + 1:04d}"
        with self._db.guard(), self._migrating() as connection:
            script = command.revision(
                _config(str(self.scripts), connection), message, autogenerate=autogenerate, rev_id=rev_id
            )
        _scripts.cache_clear()
        assert script is not None and not isinstance(script, list)
        return Path(script.path)

    def _run(self, step: Any, revision: str) -> tuple[str | None, str | None]:
        with self._db.guard(), self._migrating() as connection:
            before = self._current(connection)
            step(_config(str(self.scripts), connection), revision)
            return before, self._current(connection)

    def _knows(self, revision: str) -> bool:
        try:
            return self._directory.get_revision(revision) is not None
        except Exception:  # alembic raises its own CommandError/ResolutionError for unknown ids
            return False

    def _chat_tables(self, connection: Connection) -> list[str]:
        return [
            name
            for name in inspect(connection).get_table_names()
            if name.startswith(TABLE_PREFIX) and name != VERSION_TABLE
        ]

    def _stamp(self, connection: Connection, revision: str) -> None:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        context.stamp(self._directory, revision)

    @contextmanager
    def _migrating(self) -> Iterator[Connection]:
        """One write transaction for a whole schema change, serialised against other processes.

        SQLite: foreign keys off while batch mode copies a table (dropping the old copy would cascade to
        every row that refers to it), checked before the commit. PostgreSQL: no statement timeout (the
        store's 5 s would stop an index build on a big table); the lock timeout stays, so a revision that
        waits behind running transactions fails instead of stalling every request."""
        with self._db.engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                _pragma(connection, "PRAGMA foreign_keys=OFF")
            try:
                with connection.execution_options(**self._db.write_options).begin():
                    lock_schema(connection)
                    if connection.dialect.name == "postgresql":  # a revision may rewrite a big table
                        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
                    yield connection
                    if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                        raise RuntimeError("the migration left rows whose foreign key points nowhere")
            finally:
                if sqlite:
                    _pragma(connection, "PRAGMA foreign_keys=ON")


def _pragma(connection: Connection, statement: str) -> None:
    """Outside any transaction (SQLite ignores ``foreign_keys`` inside one): on the driver's connection."""
    cursor = connection.connection.cursor()
    cursor.execute(statement)
    cursor.close()


def write_revision(message: str, *, autogenerate: bool = True, scripts: Path = SCRIPTS) -> Path:
    """A new revision of the shipped ones, its operations written from the difference between the models
    and a scratch SQLite database brought to head by the existing revisions (so no real database is
    needed, and what it writes is what every installation will run)."""
    with tempfile.TemporaryDirectory(prefix="livechat-revision-") as folder:
        database = Database("sqlite:///" + os.path.join(folder, "scratch.sqlite3"))
        try:
            queries = SchemaQueries(database, scripts)
            queries.upgrade()
            return queries.write_revision(message, autogenerate=autogenerate)
        finally:
            database.dispose()
