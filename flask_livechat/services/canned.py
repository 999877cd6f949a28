"""Canned responses: the admin's saved replies that agents insert with ``/shortcut``."""

from __future__ import annotations

from ..store import Store
from ..store.records import CannedRecord


class CannedService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def responses(self) -> list[CannedRecord]:
        return self._store.canned.canned_responses()

    def save(self, canned_id: int | None, shortcut: str, body: str) -> bool:
        """Creates (``canned_id`` None) or edits one; ``False`` when the shortcut is taken or it is gone."""
        return self._store.canned.save_canned(canned_id, shortcut, body)

    def delete(self, canned_id: int) -> bool:
        return self._store.canned.delete_canned(canned_id)
