"""The app-factory host (microblog-like): Flask-Login, Flask-SQLAlchemy, Flask-Migrate, blueprints, a user
model with an email and no name, one database shared with the chat.

Its chat lines are those in ``microblog/__init__.py`` between the markers, plus its ``role_loader``."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_livechat.testing import agent_socket, visitor_socket
from tests.conftest import serve, stop_app
from tests.hosts.conftest import TEST_CHAT_CONFIG, chat_end_to_end
from tests.hosts.microblog import create_app, db
from tests.hosts.microblog.models import User

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    url = f"sqlite:///{tmp_path / 'microblog.sqlite3'}"
    app = create_app({**TEST_CHAT_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        for email, support in (("agent@example.com", True), ("reader@example.com", False)):
            user = User(email=email, is_support=support)
            user.set_password(email.split("@")[0])
            db.session.add(user)
        db.session.commit()
    yield app
    stop_app(app)


def log_in(client: FlaskClient, email: str) -> None:
    response = client.post("/auth/login", data={"email": email, "password": email.split("@")[0]})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_the_chat_shares_the_host_database(app: Flask) -> None:
    assert str(app.extensions["livechat"].store.engine.url) == app.config["SQLALCHEMY_DATABASE_URI"]


def test_visitors_never_see_a_staff_email(app: Flask) -> None:
    staff = app.test_client()
    log_in(staff, "agent@example.com")
    agent = agent_socket(app, staff)
    assert agent.call("hello")["agent"]["name"] == "Support"
    http = app.test_client()
    visitor = visitor_socket(app, http)
    conversation = visitor.send("Who am I talking to?")["conversation_id"]
    agent.call("join_conversation", {"conversation_id": conversation})
    agent.call("typing", {"conversation_id": conversation, "typing": True})
    agent.send("Hello from the team.", conversation_id=conversation)
    seen = [item for item in visitor.connection.get_received("/livechat")]
    hello_again = visitor.call("hello", {})
    page = http.get("/").get_data(as_text=True)
    settings = http.get("/livechat/widget/settings.json").get_data(as_text=True)
    transcript = http.get("/livechat/api/my-data").get_data(as_text=True)  # the visitor's own download
    assert "Hello from the team." in transcript
    everything = json.dumps([seen, hello_again]) + page + settings + transcript
    assert "Hello from the team." in everything  # the visitor did get the reply…
    assert "@" not in everything.replace("@media", "")  # …and no staff address with it
    authors = [m.get("author") for m in hello_again.get("messages", []) if m["sender"] == "agent"]
    assert authors == ["Support"]
    agent.close()
    visitor.close()


def _flask(tmp_path: Path, *args: str, plain: bool) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "MICROBLOG_DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "MICROBLOG_PLAIN_MIGRATE": "1" if plain else "0",
        "FLASK_APP": "tests.hosts.microblog:create_app",
    }
    command = [sys.executable, "-m", "flask", *args]
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("plain", [False, True], ids=["include_name-given", "migrate-before-livechat"])
def test_flask_db_migrate_leaves_the_chat_tables_alone(tmp_path: Path, plain: bool) -> None:
    """Real ``flask db init`` and ``flask db migrate`` (autogenerate) against a database the chat created
    its tables in: the host's revision creates the host's table and never drops or alters a chat table
    (nor the chat's version table); and the chat's own revisions, up and down, never touch the host's."""
    directory = str(tmp_path / "migrations")
    chat = _flask(tmp_path, "livechat", "db", "upgrade", plain=plain)  # the chat's tables first
    assert chat.returncode == 0, chat.stderr
    assert _flask(tmp_path, "db", "init", "--directory", directory, plain=plain).returncode == 0
    migrated = _flask(tmp_path, "db", "migrate", "-m", "users", "--directory", directory, plain=plain)
    assert migrated.returncode == 0, migrated.stderr
    (revision,) = (tmp_path / "migrations" / "versions").glob("*.py")
    script = revision.read_text()
    assert "op.create_table('user'" in script
    assert "livechat_" not in script
    assert [line.strip() for line in script.splitlines() if "drop_" in line] == ["op.drop_table('user')"]
    assert "livechat_messages" in _tables(tmp_path)  # the chat's tables were there for autogenerate to see
    if plain:
        return
    host = _flask(tmp_path, "db", "upgrade", "--directory", directory, plain=plain)
    assert host.returncode == 0, host.stderr
    host_revision = _versions(tmp_path)["alembic_version"]
    for step in (("downgrade", "--yes"), ("upgrade",)):
        moved = _flask(tmp_path, "livechat", "db", *step, plain=plain)
        assert moved.returncode == 0, moved.stderr
        assert {"user", "alembic_version"} <= _tables(tmp_path)  # the host's table and version, untouched
        assert _versions(tmp_path)["alembic_version"] == host_revision
    assert "livechat_messages" in _tables(tmp_path)
    assert _versions(tmp_path)["livechat_alembic_version"] is not None


def _tables(tmp_path: Path) -> set[str]:
    with sqlite3.connect(tmp_path / "shared.sqlite3") as connection:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _versions(tmp_path: Path) -> dict[str, str | None]:
    """The host's and the chat's version tables, side by side in the one database."""
    with sqlite3.connect(tmp_path / "shared.sqlite3") as connection:
        return {
            table: (connection.execute(f"SELECT version_num FROM {table}").fetchone() or [None])[0]
            for table in ("alembic_version", "livechat_alembic_version")
        }


@pytest.mark.browser
def test_chat_end_to_end_in_chromium(app: Flask, chromium: Any) -> None:
    with serve(app) as server:

        def log_in_form(page: Any) -> None:
            page.goto(server.url + "/auth/login")
            page.get_by_label("Email").fill("agent@example.com")
            page.get_by_label("Password").fill("agent")
            page.get_by_role("button", name="Sign In").click()
            page.wait_for_url(server.url + "/")

        assert chat_end_to_end(chromium, server.url, log_in_form, "Is there an RSS feed?") == []
