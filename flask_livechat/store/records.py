"""Frozen records the store hands out: plain values, never ORM objects, so nothing outside can lazy-load."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Row


@dataclass(frozen=True)
class MessageRecord:
    id: str
    conversation_id: str
    seq: int
    client_id: str
    sender: str
    author: str | None
    body: str
    created_at: datetime
    attachment_id: str | None


@dataclass(frozen=True)
class VisitorRecord:
    id: str
    first_seen_at: datetime
    last_seen_at: datetime
    visit_count: int
    persistent: bool
    name: str | None
    email: str | None
    host_user_id: str | None = None
    department: str | None = None
    timezone: str | None = None
    staff: bool = False


@dataclass(frozen=True)
class ConversationRecord:
    id: str
    visitor_id: str
    status: str
    created_at: datetime
    updated_at: datetime
    last_seq: int
    closed_at: datetime | None = None
    department: str | None = None
    assigned_agent_id: str | None = None
    assigned_agent_name: str | None = None
    rating: int | None = None
    rating_comment: str | None = None
    rated_at: datetime | None = None
    visitor: VisitorRecord | None = None
    last_message: MessageRecord | None = None
    tags: tuple[str, ...] = ()
    #: 1 for the visitor's first conversation, 2 for their second… (in order of starting).
    chat_number: int = 1
    #: True when it began with the leave-a-message form (nobody was online): the console marks it.
    left_message: bool = False


@dataclass(frozen=True)
class VisitRecord:
    visitor_id: str
    visit_id: int
    #: True when the visitor row was created now: the caller must issue the cookie.
    new_visitor: bool
    #: True when this page view started a visit.
    new_visit: bool
    #: The department the visitor was in before this page moved them to another one (else ``None``).
    left_department: str | None = None


@dataclass(frozen=True)
class StoredMessage:
    message: MessageRecord
    conversation: ConversationRecord
    #: True when this message opened the conversation.
    opened_conversation: bool
    #: True when the client_id was already stored: nothing new was written.
    duplicate: bool


@dataclass(frozen=True)
class VisitorMessage:
    """A visitor's message to store (``add_visitor_messages``, group commit)."""

    visitor_id: str
    client_id: str
    body: str


@dataclass(frozen=True)
class QueuedPageView:
    """A page view of a visit under way, waiting in memory to be written with others (page_view_batch.py)."""

    visitor_id: str
    visit_id: int
    page: PageInfo
    viewed_at: datetime
    staff: bool


@dataclass(frozen=True)
class PageInfo:
    url: str
    title: str | None = None
    referrer: str | None = None


@dataclass(frozen=True)
class ClientInfo:
    ip: str | None
    user_agent: str | None
    browser: str | None
    browser_version: str | None
    os: str | None
    os_version: str | None
    device: str | None
    language: str | None


@dataclass(frozen=True)
class NoteRecord:
    id: str
    conversation_id: str
    client_id: str
    author_id: str
    author: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class AgentPresence:
    agent_id: str
    name: str
    role: str
    #: "online" when any fresh tab is online, "away" when all fresh tabs are away.
    status: str
    #: ``None``: every department.
    departments: frozenset[str] | None = None


@dataclass(frozen=True)
class PageVisit:
    url: str
    title: str | None
    viewed_at: datetime


@dataclass(frozen=True)
class LiveVisitor:
    visitor: VisitorRecord
    #: Widget connections open now (all tabs, all processes); 0 for a visitor seen recently.
    connections: int
    current_url: str | None
    current_title: str | None
    last_seen_at: datetime
    visit: dict[str, Any] | None
    #: This visit's pages in order, with times: the navigation path.
    pages: tuple[PageVisit, ...]
    conversations: tuple[ConversationRecord, ...]
    #: JSON of the host user and billing, while a logged-in visitor is connected.
    customer: str | None = None
    #: The visitor's pre-chat answers as (label, value), in the form's order (filled in by the service).
    answers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class BlockRecord:
    id: int
    visitor_id: str | None
    network: str | None
    reason: str | None
    created_by: str
    created_at: datetime
    expires_at: datetime
    lifted_at: datetime | None
    lifted_by: str | None


@dataclass(frozen=True)
class LogRecord:
    id: int
    action: str
    actor: str
    visitor_id: str | None
    network: str | None
    conversation_id: str | None
    message_id: str | None
    detail: str | None
    created_at: datetime


@dataclass(frozen=True)
class MailRecord:
    id: int
    kind: str
    category: str
    conversation_id: str | None
    #: Masked (``a•••@example.com``): a reference for staff, not the address.
    recipient: str
    status: str
    error: str | None
    requested_by: str | None
    created_at: datetime


@dataclass(frozen=True)
class CannedRecord:
    id: int
    shortcut: str
    body: str


@dataclass(frozen=True)
class AttachmentRecord:
    id: str
    conversation_id: str
    filename: str
    content_type: str
    size: int
    storage_key: str
    created_at: datetime


@dataclass(frozen=True)
class ApiTokenRecord:
    """A personal access token as the admin page and the API see it: never its secret or digest."""

    id: int
    public_id: str
    name: str
    scope: str
    agent_id: str
    agent_name: str
    role: str
    departments: tuple[str, ...]
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class ConversationFilters:
    """The REST API's conversation list filters; ``None``: not filtered. ``assignee`` ``""``: unassigned."""

    status: str | None = None
    department: str | None = None
    assignee: str | None = None
    visitor_id: str | None = None
    updated_since: datetime | None = None


@dataclass(frozen=True)
class HistoryFilters:
    query: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    agent_id: str | None = None
    tag: str | None = None
    status: str | None = None


Record = TypeVar("Record", MessageRecord, VisitorRecord, ConversationRecord)


#: The departments an agent may see; ``None`` means all of them (admins, or no departments configured).
Departments = frozenset[str] | None

_RELATED = frozenset({"visitor", "last_message", "tags"})


def from_offline_form(client_id: str) -> bool:
    """A visitor message left through the leave-a-message form (the widget names those ``offline-…``)."""
    return client_id.startswith("offline-")


def to_record(record_class: type[Record], row: Any, **related: Any) -> Record:
    """Copies a row's (or ORM object's) columns into a frozen record; ``related`` fills the rest.

    Optional columns a row does not carry (a narrower select) keep their defaults.
    """
    if isinstance(row, Row):
        plan = _ROW_PLANS.get((record_class, row._parent), _ABSENT)
        if plan is _ABSENT:
            plan = _row_plan(record_class, row)
        if plan is not None:
            return record_class(**{name: row[index] for name, index in plan}, **related)
    columns: dict[str, Any] = {}
    for name, required in _columns_of(record_class):
        if required:
            columns[name] = getattr(row, name)
        elif (value := getattr(row, name, _ABSENT)) is not _ABSENT:
            columns[name] = value
    return record_class(**columns, **related)


_ABSENT = object()
_PLANS: dict[type, tuple[tuple[str, bool], ...]] = {}
#: Per record class and result shape (SQLAlchemy's metadata of a result, shared by the rows of every
#: execution of a cached statement): which of the row's positions fill which field. A row asked for a field
#: it lacks raises and catches an exception inside SQLAlchemy, and a conversation row lacks two: that was
#: half of the 37 µs such a record cost.
_ROW_PLANS: dict[tuple[type, Any], Any] = {}
_ROW_PLANS_KEPT = 512


def _columns_of(record_class: type) -> tuple[tuple[str, bool], ...]:
    """Each column field's name and whether a row must carry it, read once per class (``fields()`` builds
    its answer anew on every call, and every record the store hands out asked for it)."""
    plan = _PLANS.get(record_class)
    if plan is None:
        fields_of = fields(record_class)
        plan = _PLANS[record_class] = tuple(
            (f.name, f.default is MISSING) for f in fields_of if f.name not in _RELATED
        )
    return plan


def _row_plan(record_class: type, row: Row[Any]) -> tuple[tuple[str, int], ...] | None:
    """The row's positions by field, kept for its result shape (``None`` too, kept for shapes whose names are
    not one column each or that lack a required field: the attribute path then answers as SQLAlchemy does)."""
    if len(_ROW_PLANS) >= _ROW_PLANS_KEPT:
        _ROW_PLANS.clear()  # result shapes of statements built anew each time: never let them pile up
    _ROW_PLANS[(record_class, row._parent)] = found = _positions(record_class, row)
    return found


def _positions(record_class: type, row: Row[Any]) -> tuple[tuple[str, int], ...] | None:
    keys = list(row._mapping.keys())
    if len(keys) != len(row) or len(set(keys)) != len(keys):
        return None
    index_of = {key: index for index, key in enumerate(keys)}
    plan = []
    for name, required in _columns_of(record_class):
        if name in index_of:
            plan.append((name, index_of[name]))
        elif required:
            return None
    return tuple(plan)


@dataclass(frozen=True)
class WebhookEndpointRecord:
    """An endpoint as the admin page shows it: never its secret."""

    id: int
    url: str
    events: tuple[str, ...]
    enabled: bool
    created_at: datetime
    #: After a rotation: until when the old secret still signs too.
    rotating_until: datetime | None


@dataclass(frozen=True)
class WebhookDue:
    """A claimed delivery, with what sending it needs: the secrets that sign it (the new one first)."""

    id: str
    url: str
    payload: str
    attempts: int
    secrets: tuple[str, ...]


@dataclass(frozen=True)
class WebhookAttemptRecord:
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass(frozen=True)
class WebhookDeliveryRecord:
    id: str
    endpoint_id: int
    event: str
    payload: str
    created_at: datetime
    status: str
    attempts: tuple[WebhookAttemptRecord, ...]
    next_attempt_at: datetime


@dataclass(frozen=True)
class RevisionRecord:
    """One schema revision, for ``flask livechat db history``."""

    revision: str
    down_revision: str | None
    message: str
    current: bool
    head: bool
