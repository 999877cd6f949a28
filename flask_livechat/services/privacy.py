"""Data rights: find a subject, export everything held about them, erase them, and log who did it."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Request
from werkzeug.wrappers import Response

from ..errors import NotFoundError
from ..identity import visitor_id_from_request
from ..signals import subject_erased
from ..store import Store, VisitorRecord
from . import consent, mail
from .attachments import download_name, storage_for
from .audit import AuditLog, subject_keys
from .chat import Agent
from .consent import ConsentState
from .contact import normalize_address
from .permissions import require
from .prechat import contact_keys
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

    def keys(self) -> list[str]:
        """The audit log's keys for this subject (services/audit.py)."""
        return subject_keys(
            visitor_ids=[self.visitor_id] if self.visitor_id else [],
            emails=[self.email] if self.email else [],
            host_user_ids=[self.host_user_id] if self.host_user_id else [],
        )


def _attachment_files(exported: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Takes the storage keys out of the document (they are ours, not the person's data) and names each
    attachment's place in the archive in its ``file``."""
    files = []
    for entry in exported:
        for conversation in entry["conversations"]:
            for attachment in conversation["attachments"]:
                key = attachment.pop("storage_key")
                name = download_name(attachment["filename"], attachment["content_type"]).replace("/", "_")
                attachment["file"] = f"attachments/{attachment['id']}/{name}"
                files.append((attachment["file"], key))
    return files


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
    def __init__(self, app: Flask, store: Store, audit: AuditLog) -> None:
        self._app = app
        self._store = store
        self._audit = audit

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
        """Everything stored about the subject, as one JSON-ready document (attachments as their details;
        ``export_archive`` adds their bytes)."""
        return self.export_all([subject], actor=actor, include_host=include_host)[0]

    def export_archive(self, subjects: list[Subject], *, actor: str, include_host: bool = False) -> bytes:
        """The export as a zip: ``data.json`` and every attachment under ``attachments/<id>/<name>``, which
        the document's attachment entries name in ``file``."""
        document, files = self.export_all(subjects, actor=actor, include_host=include_host)
        storage = storage_for(self._app)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("data.json", json.dumps(document, default=str, indent=2, ensure_ascii=False))
            for path, key in files:
                data = storage.load(key)
                if data is not None:
                    archive.writestr(path, data)
        return buffer.getvalue()

    def export_all(
        self, subjects: list[Subject], *, actor: str, include_host: bool = True
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """The document for these subjects (one person, named more than one way: say their cookie and the
        widget's page session) and the attachments to add, as (path in the archive, storage key)."""
        visitor_ids = sorted({visitor_id for subject in subjects for visitor_id in self.visitor_ids(subject)})
        exported = self._store.privacy.export_visitors(visitor_ids)
        files = _attachment_files(exported)
        stored = self._store.privacy.emails_of(visitor_ids)
        emails = sorted(
            {normalize_address(email) for email in [*stored, *(s.email for s in subjects if s.email)]}
        )
        conversation_ids = [c["id"] for entry in exported for c in entry["conversations"]]
        document: dict[str, Any] = {
            "generated_at": datetime.now(UTC).isoformat(),
            "policy_version": str(self._app.config["LIVECHAT_POLICY_VERSION"]),
            "visitors": exported,
            **self._store.privacy.mail_of(
                conversation_ids,
                [digest for email in emails for digest in mail.recipient_digests(self._app, email)],
            ),
            "audit_log": self._audit.entries_of(self._audit_keys(subjects, exported, emails)),
        }
        hook = self._app.extensions["livechat"].livechat.export_host_user
        if include_host and hook is not None:
            document["host"] = {
                user_id: _masked(hook(user_id))
                for subject in subjects
                for user_id in self._host_user_ids(subject, exported)
            }
        for subject in subjects:
            self._audit.record(actor, "export", subject.keys(), f"{len(exported)} visitor record(s)")
        return document, files

    def _audit_keys(
        self, subjects: list[Subject], exported: list[dict[str, Any]], emails: list[str]
    ) -> list[str]:
        """Every key the audit log may file this person's entries under: each way of naming them."""
        keys = [key for subject in subjects for key in subject.keys()]
        for entry in exported:
            visitor = entry["visitor"]
            host_user = visitor.get("host_user_id")
            keys += subject_keys(visitor_ids=[visitor["id"]], host_user_ids=[host_user] if host_user else [])
        keys += subject_keys(emails=emails)
        return sorted(set(keys))

    def erase(self, subject: Subject, *, actor: str, include_host: bool = True) -> int:
        """Erases the subject now. ``include_host`` also calls the host's erase hook for their account."""
        visitor_ids = self.visitor_ids(subject)
        exported = self._store.privacy.export_visitors(visitor_ids)
        emails = [*self._store.privacy.emails_of(visitor_ids), *([subject.email] if subject.email else [])]
        host_user_ids = self._host_user_ids(subject, exported)
        ref = self._audit.ref(subject.keys())
        erased, keys = self._store.privacy.erase_visitors(visitor_ids)
        batch = self._app.extensions["livechat"].visitors.page_views
        if batch is not None:  # page views of theirs still queued in this process, and what it knew of them
            batch.forget(visitor_ids)
        # Their mail log rows and unsubscribe links go; their opt-outs stay, as digests only.
        self._store.mail.forget_recipients(
            [digest for email in emails for digest in mail.recipient_digests(self._app, email)]
        )
        self._delete_files(keys)
        hook = self._app.extensions["livechat"].livechat.erase_host_user
        if include_host and hook is not None:
            for user_id in host_user_ids:
                hook(user_id)
        self._audit.forget(
            [
                *subject.keys(),
                *subject_keys(visitor_ids=visitor_ids, emails=emails, host_user_ids=host_user_ids),
            ]
        )
        # The erasure's own entry stays, under a reference nothing maps to them any more.
        self._audit.write(actor, "erase", ref, f"{erased} visitor record(s)")
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
        exported = self._store.privacy.export_visitors(self.visitor_ids(subject))
        _attachment_files(exported)
        return exported

    def correct_profile(self, subject: Subject, changes: dict[str, str | None]) -> None:
        """Rectification of the name and/or email (only the keys in ``changes``; ``None`` clears): every
        copy changes, on the visitor record and in the pre-chat and leave-a-message answers."""
        cleaned = {key: clean_optional(value) for key, value in changes.items() if key in ("name", "email")}
        self._store.privacy.correct_contact(
            self.visitor_ids(subject), cleaned, profile_keys=contact_keys(self._app)
        )
        self._scrub()  # the old values leave the WAL too

    def opt_out(self, email: str, kind: str) -> None:
        mail.suppress(self._app, self._store, email, kind)

    def is_opted_out(self, email: str, kind: str) -> bool:
        return mail.is_suppressed(self._app, self._store, email, kind)

    def unsubscribe_kind(self, link_id: str) -> str | None:
        """The kind of mail an unsubscribe link id is for, or ``None`` for an unknown (or erased) link."""
        found = self._store.mail.link(link_id)
        return found[1] if found else None

    def unsubscribe(self, link_id: str) -> str | None:
        """Records the opt-out behind a link id (idempotent); its kind, or ``None`` for an unknown link."""
        found = self._store.mail.link(link_id)
        if found is None:
            return None
        digest, kind = found
        self._store.mail.suppress(digest, kind)
        return kind

    def audit_entries(self, limit: int) -> list[dict[str, Any]]:
        return self._store.privacy.audit_entries(limit)

    def record_choice(
        self, request: Request, response: Response, choice: str, visitor_id: str | None
    ) -> ConsentState:
        """A visitor's consent choice (see ``consent.record_choice``); ``visitor_id`` is this page's visitor
        (the widget's page session, else the cookie's).

        Withdrawing (a decline from a browser we recognised) erases what recognition collected: the visitor
        record with its visits, page views, conversations and consents. Once the cookie is gone nobody could
        reach that data any more, so keeping it would only hold what the person can neither see nor delete.
        A record linked to the person's host account stays, reachable through the account.

        The browser's cookie counts even while recognition waits for a choice (opt-in after a new policy
        version, notice mode before the notice): accepting (or the notice shown) continues that record, and
        what this page held moves into it; declining erases it, as a withdrawal."""
        recognised = self._cookie_visitor(request)
        starts = consent.starts_recognition(consent.consent_state(self._app, request), choice)
        if starts and recognised is not None:
            page_visitor = self._store.visitors.get_visitor(visitor_id) if visitor_id else None
            if page_visitor is not None and page_visitor.id != recognised.id and not page_visitor.persistent:
                self._store.visitors.merge_into(page_visitor.id, recognised.id)
            visitor_id = recognised.id
        state = consent.record_choice(self._app, self._store, request, response, choice, visitor_id)
        if recognised is not None and state.choice == "declined" and recognised.host_user_id is None:
            self.erase(
                Subject(visitor_id=recognised.id), actor="the visitor (withdrawal)", include_host=False
            )
        return state

    def _cookie_visitor(self, request: Request) -> VisitorRecord | None:
        visitor_id = visitor_id_from_request(self._app, request)
        visitor = self._store.visitors.get_visitor(visitor_id) if visitor_id else None
        return visitor if visitor is not None and visitor.persistent else None

    def record_view(self, subject: Subject, *, actor: str, what: str) -> None:
        self._audit.record(actor, "view", subject.keys(), what[:500])

    def purge_expired(self) -> dict[str, int]:
        """Retention: everything past ``LIVECHAT_RETENTION_DAYS``, the audit log past its own
        ``LIVECHAT_AUDIT_RETENTION_DAYS``. Suppressions are never purged: they are what keeps mail away."""
        cutoff = datetime.now(UTC) - timedelta(days=self._app.config["LIVECHAT_RETENTION_DAYS"])
        counts, keys = self._store.privacy.purge_before(cutoff)
        counts.update(self._store.mail.purge_before(cutoff))
        counts["audit_log"] = self._audit.purge_expired()
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
