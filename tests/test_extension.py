"""The extension object: registration, config defaults and checks, SocketIO reuse, the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIO

from flask_livechat import LiveChat, current_livechat
from flask_livechat.config import DEFAULTS, ConfigError

DOCS = Path(__file__).parent.parent / "docs"


def make_app(tmp_path: Any, **config: Any) -> Flask:
    app = Flask("host", instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY="k", LIVECHAT_ASYNC_MODE="threading", **config)
    return app


def test_state_lives_in_app_extensions_not_on_the_object(tmp_path: Any) -> None:
    app = make_app(tmp_path)
    livechat = LiveChat()
    livechat.init_app(app)
    assert app.extensions["livechat"].livechat is livechat
    assert not hasattr(livechat, "app")
    with app.app_context():
        assert current_livechat.store is app.extensions["livechat"].store


def test_one_object_serves_two_apps(tmp_path: Any) -> None:
    livechat = LiveChat()
    first, second = make_app(tmp_path / "a"), make_app(tmp_path / "b")
    livechat.init_app(first)
    livechat.init_app(second)
    assert first.extensions["livechat"].store is not second.extensions["livechat"].store


def test_second_init_app_on_the_same_app_is_refused(tmp_path: Any) -> None:
    app = make_app(tmp_path)
    livechat = LiveChat(app)
    with pytest.raises(RuntimeError, match="already set up"):
        livechat.init_app(app)


def test_every_default_is_set(tmp_path: Any) -> None:
    app = make_app(tmp_path)
    LiveChat(app)
    for key, value in DEFAULTS.items():
        if key != "LIVECHAT_ASYNC_MODE":  # make_app sets it
            assert app.config[key] == value, key


def test_every_default_is_documented() -> None:
    with open(DOCS / "configuration.md", encoding="utf-8") as handle:
        documented = handle.read()
    missing = [key for key in DEFAULTS if f"`{key}`" not in documented]
    assert missing == []


def test_host_values_win_over_defaults(tmp_path: Any) -> None:
    app = make_app(tmp_path, LIVECHAT_MAX_MESSAGE_LENGTH=500)
    LiveChat(app)
    assert app.config["LIVECHAT_MAX_MESSAGE_LENGTH"] == 500


@pytest.mark.parametrize(
    ("key", "value", "complaint"),
    [
        ("LIVECHAT_MAX_MESSAGE_LENGTH", 0, "positive integer"),
        ("LIVECHAT_VISIT_TIMEOUT", "30", "positive integer"),
        ("LIVECHAT_URL_PREFIX", "chat/", "must start with"),
        ("LIVECHAT_INJECT_EXCLUDE_PREFIXES", "/admin", "list of path prefixes"),
        ("LIVECHAT_MAX_HTTP_BUFFER_SIZE", 1000, "must hold a message"),
        ("SECRET_KEY", None, "SECRET_KEY"),
        ("LIVECHAT_WEBHOOK_RETRY_SCHEDULE", "5,300", "seconds before each retry"),
        ("LIVECHAT_WEBHOOK_RETRY_SCHEDULE", (5, -1), "seconds before each retry"),
        ("LIVECHAT_WEBHOOK_READ_TIMEOUT", 0, "positive number of seconds"),
        ("LIVECHAT_WEBHOOK_LOG_DAYS", 0, "positive integer"),
    ],
)
def test_bad_config_fails_at_start_up(tmp_path: Any, key: str, value: Any, complaint: str) -> None:
    app = make_app(tmp_path)
    app.config[key] = value
    with pytest.raises(ConfigError, match=complaint):
        LiveChat(app)
    assert "livechat" not in app.extensions


def test_reuses_the_hosts_socketio(tmp_path: Any) -> None:
    app = make_app(tmp_path)
    socketio = SocketIO(app, async_mode="threading")
    LiveChat(app, socketio=socketio)
    assert app.extensions["livechat"].socketio is socketio
    assert "/livechat" in socketio.server.namespace_handlers


def test_host_socketio_too_small_for_a_message_is_refused(tmp_path: Any) -> None:
    app = make_app(tmp_path)
    socketio = SocketIO(app, async_mode="threading", max_http_buffer_size=1000)
    with pytest.raises(ConfigError, match="max_http_buffer_size"):
        LiveChat(app, socketio=socketio)


def test_finds_the_apps_registered_socketio(tmp_path: Any) -> None:
    app = make_app(tmp_path)
    socketio = SocketIO(app, async_mode="threading")
    LiveChat(app)
    assert app.extensions["livechat"].socketio is socketio


def test_host_socketio_initialised_later_gets_our_buffer_limit(tmp_path: Any) -> None:
    app = make_app(tmp_path)
    socketio = SocketIO()
    LiveChat(app, socketio=socketio)
    socketio.init_app(app, async_mode="threading")
    assert socketio.server.eio.max_http_buffer_size == DEFAULTS["LIVECHAT_MAX_HTTP_BUFFER_SIZE"]
    assert "/livechat-agent" in socketio.server.namespace_handlers


def test_creates_a_socketio_with_our_limits(tmp_path: Any) -> None:
    app = make_app(tmp_path, LIVECHAT_SOCKETIO_PATH="chat-io")
    LiveChat(app)
    state = app.extensions["livechat"]
    assert state.socketio.server.eio.max_http_buffer_size == DEFAULTS["LIVECHAT_MAX_HTTP_BUFFER_SIZE"]
    assert state.socketio_path == "/chat-io"


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path: Any) -> None:
    app = make_app(tmp_path)
    LiveChat(app)
    # Building the app writes nothing (a host's factory test, `flask routes`): the first use creates it.
    assert not (tmp_path / "instance" / "livechat.sqlite3").exists()
    assert app.extensions["livechat"].store.count_rows()["livechat_messages"] == 0  # a first use
    assert (tmp_path / "instance" / "livechat.sqlite3").exists()
    engine = app.extensions["livechat"].store.engine
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_init_db_command_creates_tables(tmp_path: Any) -> None:
    app = make_app(tmp_path, LIVECHAT_DATABASE_URL=f"sqlite:///{tmp_path}/other.db")
    LiveChat(app)
    result = app.test_cli_runner().invoke(args=["livechat", "init-db"])
    assert result.exit_code == 0, result.output
    assert "livechat_messages" in result.output
    assert (tmp_path / "other.db").exists()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite+pysqlite:///:memory:"])
def test_an_in_memory_sqlite_url_becomes_a_throwaway_file(tmp_path: Any, url: str) -> None:
    # A host sharing its test database (SQLALCHEMY_DATABASE_URI = "sqlite://") with the chat.
    app = make_app(tmp_path, LIVECHAT_DATABASE_URL=url)
    LiveChat(app)
    store = app.extensions["livechat"].store
    database = str(store.engine.url.database)
    assert database.endswith("livechat.sqlite3") and not database.startswith(str(tmp_path))
    assert store.count_rows()["livechat_messages"] == 0  # the same tables from every connection


def test_threads_that_use_a_new_store_at_once_all_wait_for_its_tables(tmp_path: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    app = make_app(tmp_path)
    LiveChat(app)
    store = app.extensions["livechat"].store
    with ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(lambda _: store.count_rows()["livechat_messages"], range(16)))
    assert counts == [0] * 16


def handshake(app: Flask) -> dict[str, Any]:
    """The engine.io open packet a client gets (the real WSGI handshake, not Flask-SocketIO's test client)."""
    reply = app.test_client().get("/socket.io/?EIO=4&transport=polling")
    assert reply.status_code == 200, reply.data
    text = reply.get_data(as_text=True)
    assert text.startswith("0"), text
    return json.loads(text[1:])


@pytest.mark.parametrize("host_first", [True, False])
def test_ping_settings_reach_a_hosts_own_socketio(tmp_path: Any, host_first: bool) -> None:
    app = make_app(tmp_path, LIVECHAT_PING_INTERVAL=90, LIVECHAT_PING_TIMEOUT=30)
    if host_first:
        socketio = SocketIO(app, async_mode="threading", ping_interval=25)
        LiveChat(app, socketio=socketio)
    else:
        socketio = SocketIO()
        LiveChat(app, socketio=socketio)
        socketio.init_app(app, async_mode="threading")
    opened = handshake(app)
    assert (opened["pingInterval"], opened["pingTimeout"]) == (90_000, 30_000)


def test_without_ping_settings_the_hosts_own_stay(tmp_path: Any) -> None:
    app = make_app(tmp_path)
    socketio = SocketIO(app, async_mode="threading", ping_interval=40, ping_timeout=15)
    LiveChat(app, socketio=socketio)
    opened = handshake(app)
    assert (opened["pingInterval"], opened["pingTimeout"]) == (40_000, 15_000)


@pytest.mark.parametrize("value", [0, -5, "60", True])
def test_a_ping_setting_that_is_no_number_of_seconds_is_refused(tmp_path: Any, value: object) -> None:
    with pytest.raises(ConfigError, match="LIVECHAT_PING_INTERVAL"):
        LiveChat(make_app(tmp_path, LIVECHAT_PING_INTERVAL=value))
