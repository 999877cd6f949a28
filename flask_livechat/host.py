"""The host's seams: who is logged in, what role they have, and their billing summary.

Each seam is a small callback registered with a decorator on the ``LiveChat`` object, like Flask-Login's
``user_loader``. Every callback answers ``None`` for "nobody" or "nothing"; none should raise for an
ordinary miss.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Protocol

from flask import current_app

Role = Literal["agent", "admin"]
ROLES: tuple[Role, ...] = ("agent", "admin")


class UserLoader(Protocol):
    """Returns the host's current user object for this request, or ``None`` when nobody is logged in."""

    def __call__(self) -> Any | None: ...


class RoleLoader(Protocol):
    """Returns ``"agent"``, ``"admin"`` or ``None`` for a user returned by the ``UserLoader``."""

    def __call__(self, user: Any) -> Role | None: ...


@dataclass(frozen=True)
class BillingSummary:
    """What agents may see of a customer's billing: never a full card number."""

    plan: str | None = None
    status: str | None = None
    renews_on: date | None = None
    card_brand: str | None = None
    card_last4: str | None = None

    def __post_init__(self) -> None:
        if self.card_last4 is not None and (len(self.card_last4) != 4 or not self.card_last4.isdigit()):
            raise ValueError("card_last4 must be exactly the last four digits of the card")


class BillingLoader(Protocol):
    """Returns the ``BillingSummary`` of a host user, or ``None`` when they have none."""

    def __call__(self, user: Any) -> BillingSummary | None: ...


class ExportHook(Protocol):
    """Returns what the host holds about one of its users, JSON-ready (card numbers are masked for you)."""

    def __call__(self, host_user_id: str) -> dict[str, Any] | None: ...


class EraseHook(Protocol):
    """Deletes the host's own rows about one of its users, when an admin erases that subject."""

    def __call__(self, host_user_id: str) -> None: ...


class DepartmentLoader(Protocol):
    """Returns the names of the LIVECHAT_DEPARTMENTS a staff user works in (none: an empty iterable)."""

    def __call__(self, user: Any) -> Iterable[str] | None: ...


class AgentAvatarLoader(Protocol):
    """Returns the URL of a staff member's picture (``https://…`` or a path on the host's site), or ``None``
    for initials on a coloured circle. Called with the host user id of an agent who is online, outside that
    agent's own request: look the user up by id, do not read ``current_user``."""

    def __call__(self, agent_id: str) -> str | None: ...


def flask_login_user() -> Any | None:
    """Default ``UserLoader``: Flask-Login's ``current_user`` when installed and authenticated."""
    if not hasattr(current_app, "login_manager"):
        return None  # Flask-Login is not installed, or not set up on this app
    from flask_login import current_user

    user = current_user._get_current_object() if current_user else None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def role_attribute(user: Any) -> Role | None:
    """Default ``RoleLoader``: the user's ``livechat_role`` (attribute or key), when it names a role."""
    role = field(user, "livechat_role")
    return role if role in ROLES else None


def no_billing(user: Any) -> BillingSummary | None:
    """Default ``BillingLoader``: the host has not told us about billing."""
    return None


def departments_attribute(user: Any) -> Iterable[str] | None:
    """Default ``DepartmentLoader``: the user's ``livechat_departments`` attribute, when it has one."""
    value = field(user, "livechat_departments")
    return None if isinstance(value, str) else value


def field(user: Any, name: str) -> Any:
    """One field of a host user: an attribute (a model, ``ChatUser``), else a key (a ``dict``, a
    ``sqlite3.Row``); ``None`` when it has neither."""
    value = getattr(user, name, None)
    if value is not None:
        return value
    try:
        return user[name]
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def user_id(user: Any) -> str | None:
    """A stable string id for a host user: Flask-Login's ``get_id()``, else ``id`` (attribute or key)."""
    getter = getattr(user, "get_id", None)
    value = getter() if callable(getter) else field(user, "id")
    return None if value is None or value == "" else str(value)


#: The fields a staff member's public name is taken from, first set one wins (never an email address).
NAME_FIELDS = ("name", "display_name", "full_name", "first_name", "username", "nickname")


def display_name(user: Any) -> str | None:
    """A host user's name fit to show: the first of ``NAME_FIELDS`` that is set and is not an email
    address (a username of ``ada@example.com`` is an email address); ``None`` when there is none."""
    for attribute in NAME_FIELDS:
        value = field(user, attribute)
        if isinstance(value, str) and value.strip() and "@" not in value:
            return value.strip()[:200]
    return None


def why_no_id(user: Any) -> str:
    """What to change when ``user_id`` finds no id, for the log line and the page staff see."""
    kind = type(user).__module__ + "." + type(user).__qualname__
    return (
        f"the user_loader returned a {kind} without an id: give it an `id` attribute or `get_id()`, "
        'make it a mapping with an "id" key, or return flask_livechat.ChatUser(id=..., name=...)'
    )


@dataclass(frozen=True)
class ChatUser:
    """A host user as the chat needs it, for hosts whose user is a row or a dict rather than a model:
    ``return ChatUser(id=row["id"], name=row["username"], role="agent")`` from a ``user_loader``.

    ``role`` is what the default ``role_loader`` answers; ``email`` is shown to agents for customers and
    never to visitors."""

    id: str | int
    name: str | None = None
    email: str | None = None
    role: Role | None = None
    departments: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.role is not None and self.role not in ROLES:
            raise ValueError(f"role must be one of {ROLES} or None, not {self.role!r}")

    @property
    def livechat_role(self) -> Role | None:
        return self.role

    @property
    def livechat_departments(self) -> tuple[str, ...]:
        return self.departments
