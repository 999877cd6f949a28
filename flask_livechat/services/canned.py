"""Canned responses: the admin's saved replies that agents insert with ``/shortcut``."""

from __future__ import annotations

import re

from ..errors import ConflictError, InvalidPayload, NotFoundError
from ..i18n import N_
from ..store import Store
from ..store.records import CannedRecord
from .chat import Agent
from .permissions import require

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
MAX_BODY = 4000


def canned_problem(shortcut: str, body: str) -> tuple[str, str] | None:
    """What is wrong with a canned response (the field and why), or ``None``: the admin page and the API
    refuse the same things."""
    if not SHORTCUT.match(shortcut):
        return "shortcut", N_("A shortcut is 1 to 32 lower-case letters, digits, '-' or '_'.")
    if not body.strip() or len(body) > MAX_BODY:
        return "body", N_("The reply must have 1 to %(max)s characters.", max=MAX_BODY)
    return None


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

    # --- for the REST API: the role check and the errors its answers need --------------------------------

    def _by(self, field: str, value: object) -> CannedRecord | None:
        return next((r for r in self.responses() if getattr(r, field) == value), None)

    def _checked(self, agent: Agent, shortcut: str, body: str) -> tuple[str, str]:
        require(agent, "canned_edit")
        shortcut, body = shortcut.strip().lstrip("/").lower(), body.strip()
        problem = canned_problem(shortcut, body)
        if problem is not None:
            raise InvalidPayload(fields={problem[0]: [problem[1]]})
        return shortcut, body

    def create(self, agent: Agent, shortcut: str, body: str) -> CannedRecord:
        shortcut, body = self._checked(agent, shortcut, body)
        if not self.save(None, shortcut, body):
            raise ConflictError(f"/{shortcut} is already taken.")
        created = self._by("shortcut", shortcut)
        assert created is not None
        return created

    def update(self, agent: Agent, canned_id: int, shortcut: str, body: str) -> CannedRecord:
        shortcut, body = self._checked(agent, shortcut, body)
        if self._by("id", canned_id) is None:
            raise NotFoundError("No such canned response.")
        if not self.save(canned_id, shortcut, body):
            raise ConflictError(f"/{shortcut} is already taken.")
        return CannedRecord(canned_id, shortcut, body)

    def remove(self, agent: Agent, canned_id: int) -> None:
        require(agent, "canned_edit")
        if not self.delete(canned_id):
            raise NotFoundError("No such canned response.")
