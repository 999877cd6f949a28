"""Looking after the chat's own tables: create them, count what they hold, move their schema between revisions
(``flask livechat init-db`` and ``flask livechat db …``)."""

from __future__ import annotations

from pathlib import Path

from ..store import Store
from ..store.records import RevisionRecord
from ..store.schema import write_revision


class MaintenanceService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def create_tables(self) -> dict[str, int]:
        """Brings the schema to head on a fresh database (refuses one that is behind) and returns the rows of
        each table."""
        self._store.create_all()
        return self._store.count_rows()

    def upgrade(self, revision: str = "head") -> tuple[str | None, str | None]:
        """Runs the revisions up to ``revision``; (before, after). A database from before the migrations is
        first taken as the baseline, a fresh one is built at head."""
        before = self._store.schema.current()
        self._store.schema.adopt()
        _, after = self._store.schema.upgrade(revision)
        if after == self._store.schema.head():
            self._store.create_all()  # the full-text index and the report facts in step with the schema
        return before, after

    def downgrade(self, revision: str = "-1") -> tuple[str | None, str | None]:
        return self._store.schema.downgrade(revision)

    def current(self) -> str | None:
        return self._store.schema.current()

    def head(self) -> str:
        return self._store.schema.head()

    def history(self) -> list[RevisionRecord]:
        return self._store.schema.history()

    def write_revision(self, message: str, *, autogenerate: bool = True) -> Path:
        return write_revision(message, autogenerate=autogenerate)
