"""Data rights: find a subject, export everything held about them, erase them, and log who did it."""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Request
from werkzeug.wrappers import Response

from ..errors import NotFoundError
from ..signals import subject_erased
from ..store import Store, VisitorRecord
from . import consent
from .attachments import storage_for
from .chat import Agent
from .consent import ConsentState
from .contact import normalize_address
from .permissions import require
from .redact import clean_optional, mask_card_numbers

logger = logging.getLogger("flask_livechat")


@dataclass(frozen=True)
class Subject:
    """The person a request is about, named by any of the keys we can look them up by."""

    visitor_id: str | None = None
    email: str | None = None
    host_user_id: str | None = None

    def __post_init__(self) -> None:
        if not (self.visitor_id or self.email or self.host_user_id):
            raise ValueError("name the subject by visitor id, email or host user id")

    def describe(self) -> str:
        return ", ".join(f"{key}={value}" for key, value in self.__dict__.items() if value)


def _masked(value: Any) -> Any:
    """The host's export with every card number masked, however deep it sits."""
    if isinstance(value, str):
        return mask_card_numbers(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    return value


class PrivacyService:
    def __init__(self, app: Flask, store: Store) -> None:
        self._app = app
        self._store = store

    def digest(self, subject: Subject) -> str:
        """A keyed digest that lines audit entries up per subject without keeping who they were."""
        key = str(self._app.config["SECRET_KEY"]).encode()
        return hmac.new(key, subject.describe().encode(), hashlib.sha256).hexdigest()

    def visitor_ids(self, subject: Subject) -> list[str]:
        return self._store.privacy.find_visitor_ids(
            visitor_id=subject.visitor_id, email=subject.email, host_user_id=subject.host_user_id
        )

    def _host_user_ids(self, subject: Subject, exported: list[dict[str, Any]]) -> list[str]:
        ids = {entry["visitor"]["host_user_id"] for entry in exported if entry["visitor"].get("host_user_id")}
        if subject.host_user_id:
            ids.add(subject.host_user_id)
        return sorted(ids)

    def export(self, subject: Subject, *, actor: str, include_host: bool = True) -> dict[str, Any]:
        exported = self._store.privacy.export_visitors(self.visitor_ids(subject))
        document: dict[str, Any] = {
            "generated_at": datetime.now(UTC).isoformat(),
            "policy_version": str(self._app.config["LIVECHAT_POLICY_VERSION"]),
            "visitors": exported,
        }
        hook = self._app.extensions["livechat"].livechat.export_host_user
        if include_host and hook is not None:
            document["host"] = {
                user_id: _masked(hook(user_id)) for user_id in self._host_user_ids(subject, exported)
            }
        self._store.privacy.audit(actor, "export", self.digest(subject), f"{len(exported)} visitor record(s)")
        return document

    def erase(self, subject: Subject, *, actor: str, include_host: bool = True) -> int:
        """Erases the subject now. ``include_host`` also calls the host's erase hook for their account."""
        visitor_ids = self.visitor_ids(subject)
        exported = self._store.privacy.export_visitors(visitor_ids) if include_host else []
        stored = self._store.privacy.emails_of(visitor_ids)
        # Opt-outs are kept under the normalised address; older rows may hold it as typed.
        emails = sorted({*stored, *(normalize_address(email) for email in stored)})
        erased, keys = self._store.privacy.erase_visitors(visitor_ids, emails)
        self._delete_files(keys)
        hook = self._app.extensions["livechat"].livechat.erase_host_user
        if include_host and hook is not None:
            for user_id in self._host_user_ids(subject, exported):
                hook(user_id)
        self._store.privacy.audit(actor, "erase", self.digest(subject), f"{erased} visitor record(s)")
        self._scrub()
        subject_erased.send(self._app, visitors=erased)
        return erased

    def erase_visitor(self, agent: Agent, visitor_id: str) -> int:
        """An admin erases one visitor (the REST API's twin of the admin page's erasure, audited alike)."""
        require(agent, "privacy")
        if self._store.visitors.get_visitor(visitor_id) is None:
            raise NotFoundError("No such visitor.")
        return self.erase(Subject(visitor_id=visitor_id), actor=agent.label)

    def visitor(self, visitor_id: str) -> VisitorRecord | None:
        return self._store.visitors.get_visitor(visitor_id)

    def exported_visitors(self, subject: Subject) -> list[dict[str, Any]]:
        """The subject's visitor records with their conversations, as the export holds them (no audit entry:
        for the person's own page and the admin's search, which log their own)."""
        return self._store.privacy.export_visitors(self.visitor_ids(subject))

    def correct_profile(self, subject: Subject, *, name: str | None, email: str | None) -> None:
        self._store.privacy.set_profile(
            self.visitor_ids(subject), name=clean_optional(name), email=clean_optional(email)
        )

    def opt_out(self, email: str, kind: str) -> None:
        self._store.privacy.opt_out(email, kind)

    def is_opted_out(self, email: str, kind: str) -> bool:
        return self._store.privacy.is_opted_out(email, kind)

    def audit_entries(self, limit: int) -> list[dict[str, Any]]:
        return self._store.privacy.audit_entries(limit)

    def record_choice(
        self, request: Request, response: Response, choice: str, visitor_id: str | None
    ) -> ConsentState:
        """A visitor's consent choice (see ``consent.record_choice``).

        Withdrawing (a decline from a browser we recognised) erases what recognition collected: the visitor
        record with its visits, page views, conversations and consents. Once the cookie is gone nobody could
        reach that data any more, so keeping it would only hold what the person can neither see nor delete.
        A record linked to the person's host account stays, reachable through the account."""
        withdrawn = None
        if choice != "accepted" and visitor_id is not None:
            visitor = self._store.visitors.get_visitor(visitor_id)
            if visitor is not None and visitor.persistent and visitor.host_user_id is None:
                withdrawn = visitor_id
        state = consent.record_choice(self._app, self._store, request, response, choice, visitor_id)
        if withdrawn is not None and state.choice == "declined":
            self.erase(Subject(visitor_id=withdrawn), actor="the visitor (withdrawal)", include_host=False)
        return state

    def record_view(self, subject: Subject, *, actor: str, what: str) -> None:
        self._store.privacy.audit(actor, "view", self.digest(subject), what[:500])

    def purge_expired(self) -> dict[str, int]:
        cutoff = datetime.now(UTC) - timedelta(days=self._app.config["LIVECHAT_RETENTION_DAYS"])
        counts, keys = self._store.privacy.purge_before(cutoff)
        self._delete_files(keys)
        if any(counts.values()):
            self._scrub()
        return counts

    def _scrub(self) -> None:
        if not self._store.scrub():
            logger.warning("flask-livechat: a reader kept the WAL from being truncated after an erasure")

    def _delete_files(self, keys: list[str]) -> None:
        """Attachment bytes go after the rows that pointed at them are gone for good."""
        storage = storage_for(self._app)
        for key in keys:
            storage.delete(key)
