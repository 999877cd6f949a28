"""The schema's revisions on real SQLite files and the real PostgreSQL: rows of the first revision survive the
upgrade, head matches the models, a step down and up again, a database from before the migrations is
adopted, one that is behind is refused with the command to run, and the ``flask livechat db`` commands."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Connection, MetaData, Table, select, text

from flask_livechat.errors import SchemaOutdated
from flask_livechat.store import Store
from flask_livechat.store.schema import BASELINE, SCRIPTS, VERSION_TABLE, chat_names_only, write_revision
from flask_livechat.testing import agent_socket, visitor_socket
from tests.conftest import build_app, stop_app

#: Values that make the generic rows of the first revision a conversation the app can open and add to
#: (columns of the baseline, which never changes).
USABLE = {
    ("livechat_visitors", "persistent"): True,
    ("livechat_visitors", "staff"): False,
    ("livechat_visitors", "department"): None,
    ("livechat_visitors", "timezone"): "UTC",
    ("livechat_conversations", "status"): "open",
    ("livechat_conversations", "last_seq"): 1,
    ("livechat_conversations", "department"): None,
    ("livechat_conversations", "assigned_agent_id"): None,
    ("livechat_conversations", "rating"): 5,
    ("livechat_messages", "seq"): 1,
    ("livechat_messages", "sender"): "visitor",
    ("livechat_messages", "attachment_id"): None,
    ("livechat_messages", "deleted_at"): None,
}


@pytest.fixture
def store(empty_database: str) -> Iterator[Store]:
    store = Store(empty_database)
    yield store
    store.dispose()


def chat_tables(connection: Connection) -> MetaData:
    """The chat's tables as the database has them (not as the models say)."""
    metadata = MetaData()
    metadata.reflect(connection, only=lambda name, _: chat_names_only(name, "table", None))
    return metadata


def value_for(table: Table, column: Any, parents: dict[str, dict[str, Any]]) -> Any:
    if (table.name, column.name) in USABLE:
        return USABLE[(table.name, column.name)]
    for key in column.foreign_keys:
        return parents[key.column.table.name][key.column.name]
    if isinstance(column.type, JSON):
        return {"kept": "yes"}
    kind = column.type.python_type
    if kind is bool:
        return True
    if kind is int:
        return 2
    if kind is float:
        return 1.5
    if kind is datetime:
        return datetime(2026, 1, 2, 3, 4, 5)
    if kind is str:
        length = getattr(column.type, "length", None) or 200
        return f"{column.name}-{table.name.removeprefix('livechat_')}"[:length]
    raise AssertionError(f"no test value for {table.name}.{column.name} ({column.type})")


def fill_every_table(connection: Connection) -> dict[str, dict[str, Any]]:
    """One row in every chat table the database has, parents first; returns each row as stored."""
    rows: dict[str, dict[str, Any]] = {}
    for table in chat_tables(connection).sorted_tables:
        values = {
            column.name: value_for(table, column, rows)
            for column in table.columns
            # A serial key is the database's to give (PostgreSQL's sequence would hand out 1 again).
            if not (
                list(table.primary_key) == [column]
                and column.type.python_type is int
                and not column.foreign_keys
            )
        }
        key = connection.execute(table.insert().values(values).returning(*table.primary_key.columns)).one()
        stored = connection.execute(
            select(table).where(
                *(column == value for column, value in zip(table.primary_key, key, strict=True))
            )
        ).one()
        rows[table.name] = dict(stored._mapping)
    return rows


def test_every_row_of_the_first_revision_survives_the_upgrade_and_the_app_uses_them(
    store: Store, empty_database: str, tmp_path: Path
) -> None:
    store.schema.upgrade(BASELINE)
    with store.database.engine.begin() as connection:
        rows = fill_every_table(connection)
    assert "livechat_report_chats" in rows and "livechat_audit_log" in rows  # every table, the facts too

    store.schema.upgrade()
    with store.database.engine.connect() as connection:
        tables = chat_tables(connection).tables
        for name, row in rows.items():
            table = tables[name]
            (after,) = connection.execute(select(table)).mappings().all()
            kept = {column: value for column, value in row.items() if column in table.columns}
            assert {column: after[column] for column in kept} == kept, name
    assert store.schema.current() == store.schema.head()

    app = build_app(str(tmp_path / "instance"), LIVECHAT_DATABASE_URL=empty_database)
    try:
        staff = app.test_client()
        staff.get("/login-as/ada")
        agent = agent_socket(app, staff)
        conversation = rows["livechat_conversations"]["id"]
        opened = agent.call("join_conversation", {"conversation_id": conversation})
        assert opened["ok"], opened
        assert rows["livechat_messages"]["body"] in str(opened)
        reply = agent.send("Still here after the upgrade", conversation)
        assert reply["seq"] == 2
        visitor = visitor_socket(app)
        assert visitor.send("A new conversation on the upgraded schema")["seq"] == 1
    finally:
        stop_app(app)


def test_head_built_by_the_revisions_matches_the_models(store: Store) -> None:
    store.schema.upgrade()
    assert store.schema.pending_changes() == []


def test_a_fresh_database_is_built_at_head_and_matches_the_revisions(store: Store, tmp_path: Path) -> None:
    """First use builds a fresh database from the models, stamped at head: the same schema as the revisions
    build (the full-text index included)."""
    store.create_all()
    assert store.schema.current() == store.schema.head()
    assert store.schema.pending_changes() == []
    by_revisions = Store(f"sqlite:///{tmp_path / 'revisions.sqlite3'}")
    try:
        by_revisions.schema.upgrade()
        if store.database.engine.dialect.name == "sqlite":
            assert schema_objects(store) == schema_objects(by_revisions)
    finally:
        by_revisions.dispose()


def schema_objects(store: Store) -> set[tuple[str, str]]:
    with store.database.engine.connect() as connection:
        return {
            (row.type, row.name)
            for row in connection.execute(
                text("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
            )
        }


def test_one_step_down_and_up_again(store: Store) -> None:
    store.schema.upgrade()
    head = store.schema.head()
    (newest,) = [entry for entry in store.schema.history() if entry.revision == head]
    assert store.schema.downgrade() == (head, newest.down_revision)
    assert store.schema.current() == newest.down_revision
    assert store.schema.upgrade() == (newest.down_revision, head)
    assert store.schema.pending_changes() == []


def test_a_database_from_before_the_migrations_is_taken_as_the_first_revision(store: Store) -> None:
    store.schema.upgrade(BASELINE)
    with store.database.engine.begin() as connection:
        connection.execute(
            text(f"DROP TABLE {VERSION_TABLE}")
        )  # as the release before the migrations left it
        rows = fill_every_table(connection)
    store.auto_migrate = True
    store.create_all()
    assert store.schema.current() == store.schema.head()
    counts = store.count_rows()
    assert [name for name in rows if counts.get(name, 1) != 1] == []  # every row kept, none added


@pytest.fixture
def newer_scripts(tmp_path: Path) -> Path:
    """Our revisions and one more on top: a database at our head is behind these."""
    scripts = tmp_path / "scripts"
    shutil.copytree(SCRIPTS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    head = Store("sqlite://").schema.head()
    (scripts / "versions" / "9999_test_extra.py").write_text(
        f'''"""A table only this test has"""

import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("livechat_test_extra", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("livechat_test_extra")
'''
    )
    return scripts


def test_a_database_that_is_behind_is_refused_with_the_command_to_run(
    store: Store, newer_scripts: Path
) -> None:
    store.create_all()
    behind = Store(str(store.database.engine.url.render_as_string(hide_password=False)))
    behind.schema.scripts = newer_scripts
    try:
        with pytest.raises(SchemaOutdated, match="run `flask livechat db upgrade`"):
            behind.conversations.open_conversation_of("nobody")
        with pytest.raises(SchemaOutdated):  # still refused, still not a SQL error
            behind.count_rows()
        assert behind.schema.current() == store.schema.head()
        behind.schema.upgrade()
        assert behind.schema.current() == "9999"
        assert "livechat_test_extra" not in behind.count_rows()  # not a model: only the revision made it
        # Our head is behind the database now: refused too, saying which flask-livechat to install.
        with pytest.raises(SchemaOutdated, match="does not know"):
            Store(str(store.database.engine.url.render_as_string(hide_password=False))).count_rows()
    finally:
        behind.dispose()


def test_the_app_answers_503_with_the_command_and_auto_migrate_upgrades(
    tmp_path: Path, newer_scripts: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'chat.sqlite3'}"
    Store(url).create_all()
    for auto in (False, True):
        app = build_app(str(tmp_path / "instance"), LIVECHAT_DATABASE_URL=url, LIVECHAT_AUTO_MIGRATE=auto)
        app.extensions["livechat"].store.schema.scripts = newer_scripts
        try:
            client = app.test_client()
            client.get("/login-as/bob")
            response = client.get("/livechat/admin/reports")
            if auto:
                assert response.status_code == 200
                assert app.extensions["livechat"].store.schema.current() == "9999"
            else:
                assert response.status_code == 503
                assert "flask livechat db upgrade" in response.get_data(as_text=True)
                assert "flask livechat db upgrade" in caplog.text
        finally:
            stop_app(app)


def test_the_db_commands(tmp_path: Path) -> None:
    app = build_app(str(tmp_path / "instance"), LIVECHAT_DATABASE_URL=f"sqlite:///{tmp_path / 'c.sqlite3'}")
    try:
        cli = app.test_cli_runner()
        head = app.extensions["livechat"].store.schema.head()
        assert "head is" in cli.invoke(args=["livechat", "db", "current"]).output
        upgraded = cli.invoke(args=["livechat", "db", "upgrade"])
        assert upgraded.exit_code == 0 and f"to {head}" in upgraded.output, upgraded.output
        assert cli.invoke(args=["livechat", "db", "current"]).output.strip() == f"{head} (head)"
        assert f"-> {head} (head) (current)" in cli.invoke(args=["livechat", "db", "history"]).output
        down = cli.invoke(args=["livechat", "db", "downgrade"], input="n\n")
        if head == BASELINE:  # below the first revision: asks first, and keeps the tables when told no
            assert down.exit_code == 1 and "drops every chat table" in down.output
            assert cli.invoke(args=["livechat", "db", "current"]).output.strip() == f"{head} (head)"
            down = cli.invoke(args=["livechat", "db", "downgrade", "--yes"])
        assert down.exit_code == 0 and f"from {head}" in down.output, down.output
        assert "head is" in cli.invoke(args=["livechat", "db", "current"]).output
        assert cli.invoke(args=["livechat", "db", "upgrade"]).exit_code == 0
        assert cli.invoke(args=["livechat", "db", "current"]).output.strip() == f"{head} (head)"
    finally:
        stop_app(app)


def test_a_new_revision_is_written_on_top_of_head_and_is_empty_when_nothing_changed(tmp_path: Path) -> None:
    """What ``flask livechat db revision -m …`` does (into a copy of the revisions, not the package)."""
    scripts = tmp_path / "scripts"
    shutil.copytree(SCRIPTS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    head = Store("sqlite://").schema.head()
    path = write_revision("Nothing changed", scripts=scripts)
    text_ = path.read_text()
    assert path.parent == scripts / "versions" and path.name.endswith("_nothing_changed.py")
    assert f"down_revision = '{head}'" in text_ or f'down_revision = "{head}"' in text_
    body = text_.split("def upgrade() -> None:", 1)[1].split("def downgrade", 1)[0]
    assert "op." not in body  # the models match head: autogenerate found nothing to do


def test_one_head_and_every_revision_reaches_the_baseline() -> None:
    """Two branches that each added a revision on the same parent leave two heads: renumber the later one
    (docs/development.md)."""
    store = Store("sqlite://")
    history = store.schema.history()
    assert history[-1].revision == BASELINE and history[-1].down_revision is None
    assert [entry.revision for entry in history if entry.head] == [store.schema.head()]
    assert len({entry.revision for entry in history}) == len(history)


def test_processes_starting_together_on_a_fresh_database_build_it_once(empty_database: str) -> None:
    stores = [Store(empty_database) for _ in range(3)]
    errors: list[BaseException] = []

    def first_use(store: Store) -> None:
        try:
            store.count_rows()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=first_use, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        with stores[0].database.engine.connect() as connection:
            versions = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
        assert versions == [stores[0].schema.head()]
    finally:
        for store in stores:
            store.dispose()


def test_init_db_on_a_database_that_is_behind_is_one_clear_line(tmp_path: Path, newer_scripts: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chat.sqlite3'}"
    Store(url).create_all()
    app = build_app(str(tmp_path / "instance"), LIVECHAT_DATABASE_URL=url)
    app.extensions["livechat"].store.schema.scripts = newer_scripts
    try:
        refused = app.test_cli_runner().invoke(args=["livechat", "init-db"])
        assert refused.exit_code == 1
        assert "Error: The chat database is at revision" in refused.output
        assert "run `flask livechat db upgrade`" in refused.output and "Traceback" not in refused.output
        upgraded = app.test_cli_runner().invoke(args=["livechat", "db", "upgrade"])
        assert upgraded.exit_code == 0 and "to 9999" in upgraded.output, upgraded.output
    finally:
        stop_app(app)
