"""The audit log: who looked at, searched, exported or erased whose data, and when.

A subject is written as a random reference, looked up through ``livechat_audit_subjects`` by a keyed digest of
each key that names them (``email=ada@example.com``, ``visitor_id=…``, ``host_user_id=…``). While the subject
exists their entries line up under one reference; erasure deletes the lookup rows, after which nothing (not
even someone holding ``SECRET_KEY`` and the address) can tell which entries were theirs. Entries go after
``LIVECHAT_AUDIT_RETENTION_DAYS``, purged with everything else (services/retention.py).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from flask import Flask

from ..identity import keyed_digests
from ..store import Store
from ..store.records import HistoryFilters


def subject_keys(
    *,
    visitor_ids: list[str] | tuple[str, ...] = (),
    emails: list[str] | tuple[str, ...] = (),
    host_user_ids: list[str] | tuple[str, ...] = (),
) -> list[str]:
    """The keys a subject can be named by, in the one form they are digested in."""
    return [
        *(f"visitor_id={value}" for value in visitor_ids),
        *(f"email={value.strip().lower()}" for value in emails),
        *(f"host_user_id={value}" for value in host_user_ids),
    ]


def describe_search(filters: HistoryFilters, found: int) -> str:
    """What a history search asked for, without its text: the text may be a name, an address or a phone
    number, so only its length is kept; a tag is a staff label, kept as given."""
    parts = [f"text ({len(filters.query)} characters)"] if filters.query else []
    for name, value in (("since", filters.since), ("until", filters.until)):
        if value is not None:
            parts.append(f"{name} {value.date().isoformat()}")
    for name, given in (("status", filters.status), ("tag", filters.tag), ("agent", filters.agent_id)):
        if given:
            parts.append(f"{name} {given}")
    return f"{', '.join(parts) or 'no filters'}; {found} result(s)"


class AuditLog:
    def __init__(self, app: Flask, store: Store) -> None:
        self._app = app
        self._store = store

    def _digests(self, keys: list[str]) -> list[str]:
        return [digest for key in keys for digest in keyed_digests(self._app, "audit-subject", key)]

    def ref(self, keys: list[str]) -> str | None:
        """The subject's reference (made on first use); ``None`` for no subject."""
        if not keys:
            return None
        current = [keyed_digests(self._app, "audit-subject", key)[0] for key in keys]
        return self._store.privacy.audit_ref(current, secrets.token_hex(16))

    def record(self, actor: str, action: str, keys: list[str], detail: str | None = None) -> None:
        self.write(actor, action, self.ref(keys), detail)

    def write(self, actor: str, action: str, ref: str | None, detail: str | None = None) -> None:
        self._store.privacy.audit(actor, action, ref, detail)

    def forget(self, keys: list[str]) -> None:
        """Erasure: the subject's entries can no longer be linked to any of these keys."""
        if keys:
            self._store.privacy.forget_audit_subjects(self._digests(keys))

    def purge_expired(self) -> int:
        days = self._app.config["LIVECHAT_AUDIT_RETENTION_DAYS"]
        return self._store.privacy.purge_audit_before(datetime.now(UTC) - timedelta(days=days))

    def entries_of(self, keys: list[str]) -> list[dict[str, object]]:
        """The entries filed under the subject these keys name (their export shows them)."""
        return self._store.privacy.audit_entries_of(self._digests(keys)) if keys else []

    def entries(self, limit: int) -> list[dict[str, object]]:
        return self._store.privacy.audit_entries(limit)
