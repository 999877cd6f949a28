"""The architecture rules that import-linter cannot see (it checks imports, not attribute access)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from flask_livechat.store import Store

PACKAGE = Path(__file__).resolve().parent.parent / "flask_livechat"
ADAPTERS = [
    "views",
    "realtime",
    "cli.py",
    "capture.py",
    "inject.py",
    "caller.py",
    "page_views.py",
    "schemas.py",
]


def modules(*names: str) -> list[Path]:
    found: list[Path] = []
    for name in names:
        path = PACKAGE / name
        found.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return found


def attribute_uses(path: Path, attribute: str) -> list[int]:
    tree = ast.parse(path.read_text(), str(path))
    return [
        node.lineno for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == attribute
    ]


@pytest.mark.parametrize("path", modules(*ADAPTERS), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_adapters_reach_the_store_only_through_services(path: Path) -> None:
    assert attribute_uses(path, "store") == [], f"{path.name} uses .store: call a service instead"


def test_only_the_push_module_emits() -> None:
    emitting = {
        str(path.relative_to(PACKAGE))
        for path in modules(".")
        # testing.py is the client side (hosts' tests emit as a widget or console would).
        if attribute_uses(path, "emit") and path.name not in ("push.py", "testing.py")
    }
    assert emitting == set(), "emit domain events from realtime/push.py (services publish changes)"


def test_no_service_imports_realtime_or_state() -> None:
    for path in modules("services"):
        tree = ast.parse(path.read_text())
        imported = [
            node.module or ""
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level >= 2
        ]
        assert not [m for m in imported if m.split(".")[0] in ("realtime", "state", "views")], path.name


def test_store_tables_are_in_models_and_its_records_in_records() -> None:
    """One module of tables (none registered by importing some other module) and one of records."""
    for path in modules("store"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            bases = {base.id for base in node.bases if isinstance(base, ast.Name)}
            decorators = {ast.unparse(d).split("(")[0] for d in node.decorator_list}
            if "Base" in bases:
                assert path.name == "models.py", f"table {node.name} in store/{path.name}"
            if "dataclass" in decorators:
                assert path.name == "records.py", f"record {node.name} in store/{path.name}"


def test_store_is_composed_of_aggregates_that_inherit_nothing() -> None:
    """No mixins: each aggregate is its own class on the shared Database, reached as ``store.<aggregate>``."""
    store = Store("sqlite://")
    try:
        aggregates = {
            name: value for name, value in vars(store).items() if type(value).__name__.endswith("Queries")
        }
        assert set(aggregates) == {
            "visitors",
            "conversations",
            "workflow",
            "attachments",
            "reads",
            "profiles",
            "presence",
            "mail",
            "moderation",
            "canned",
            "search",
            "privacy",
            "reports",
            "webhooks",
            "tokens",
            "schema",
        }
        assert Store.__bases__ == (object,)
        for name, aggregate in aggregates.items():
            assert type(aggregate).__bases__ == (object,), f"store.{name} inherits from another class"
            assert aggregate._db is store.database, name
    finally:
        store.dispose()
