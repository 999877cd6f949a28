"""Looking after the chat's own tables: create them, count what they hold (``flask livechat init-db``)."""

from __future__ import annotations

from ..store import Store


class MaintenanceService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def create_tables(self) -> dict[str, int]:
        """Creates missing tables (existing ones are kept) and returns the rows of each."""
        self._store.create_all()
        return self._store.count_rows()
