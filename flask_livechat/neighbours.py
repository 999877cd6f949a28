"""Living next to the extensions a Flask app already runs.

- Flask-WTF's ``CSRFProtect`` refuses every POST without its token, JSON included. Our blueprints have their
  own scheme (the same-origin check on every state change, a CSRF token in every form of ours, JSON only
  with its content type: ``csrf.py``), so they are exempted from the host's, in either init order.
- Flask-Talisman replaces the headers of our pages: ``csp.keep_own_headers`` puts them back.
- Flask-Migrate on a database the chat shares: ``host_tables_only`` keeps the chat's tables out of the
  host's ``flask db migrate`` (they have their own revisions and version table: ``flask livechat db``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from .host_request import own_hook
from .store.schema import TABLE_PREFIX

#: Our blueprints, each with its own CSRF and same-origin protection.
BLUEPRINTS = ("livechat", "livechat_privacy", "livechat_widget", "livechat_api")


def host_tables_only(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """Alembic ``include_name``: ``False`` for the chat's tables (and their columns and indexes), so a
    host's autogenerate neither drops nor alters them. ``Migrate(app, db, include_name=host_tables_only)``."""
    table = name if type_ == "table" else parent_names.get("table_name")
    return not (isinstance(table, str) and table.startswith(TABLE_PREFIX))


def host_objects_only(object_: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic ``include_object``, the same rule for setups that filter objects rather than names."""
    table = getattr(object_, "table", object_) if type_ != "table" else object_
    table_name = getattr(table, "name", name)
    return not (isinstance(table_name, str) and table_name.startswith(TABLE_PREFIX))


def _exempt_from_host_csrf(app: Flask) -> None:
    csrf = app.extensions.get("csrf")
    exempt = getattr(csrf, "exempt", None)
    if not callable(exempt):
        return
    for name in BLUEPRINTS:
        if name in app.blueprints:
            exempt(app.blueprints[name])


@own_hook
def exempt_from_host_csrf() -> None:
    """The app's first ``before_request``: a ``CSRFProtect`` set up after us is told before it checks."""
    _exempt_from_host_csrf(current_app._get_current_object())  # type: ignore[attr-defined]


def _filter_migrations(app: Flask) -> None:
    """A Flask-Migrate already on the app gets ``host_tables_only`` (kept with a filter of the host's own)."""
    config = app.extensions.get("migrate")
    arguments = getattr(config, "configure_args", None)
    if not isinstance(arguments, dict):
        return
    theirs = arguments.get("include_name")
    if theirs is None or theirs is host_tables_only:
        arguments["include_name"] = host_tables_only
        return

    def both(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
        return host_tables_only(name, type_, parent_names) and bool(theirs(name, type_, parent_names))

    arguments["include_name"] = both


def init_app(app: Flask) -> None:
    _exempt_from_host_csrf(app)
    app.before_request_funcs.setdefault(None, []).insert(0, exempt_from_host_csrf)
    _filter_migrations(app)
