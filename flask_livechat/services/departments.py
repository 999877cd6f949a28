"""Departments: which conversations and visitors an agent may see, and which socket rooms carry them.

With ``LIVECHAT_DEPARTMENTS`` empty there is one team: everyone sees everything. Otherwise every visitor and
conversation belongs to the department of the page the visitor was on (the longest matching path prefix,
else the first department listed), admins see all departments, and an agent sees only those the host's
``department_loader`` names. The store filters every agent query by this scope, and events about a
conversation or visitor go only to the rooms of its department.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ..store.records import Departments


def configured(config: Mapping[str, Any]) -> dict[str, list[str]]:
    departments: dict[str, list[str]] = config["LIVECHAT_DEPARTMENTS"]
    return departments


def department_for_path(config: Mapping[str, Any], path_or_url: str | None) -> str | None:
    """The department of a page, or ``None`` when no departments are configured."""
    departments = configured(config)
    if not departments:
        return None
    path = urlsplit(path_or_url or "/").path or "/"
    best: tuple[int, str] | None = None
    for name, prefixes in departments.items():
        for prefix in prefixes:
            if path.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), name)
    return best[1] if best else next(iter(departments))


def agent_scope(config: Mapping[str, Any], role: str, named: Iterable[str] | None) -> Departments:
    """What an agent may see: ``None`` (everything) for admins or without departments, else their set."""
    departments = configured(config)
    if not departments or role == "admin":
        return None
    return frozenset(name for name in (named or ()) if name in departments)


def in_scope(scope: Departments, department: str | None) -> bool:
    return scope is None or (department is not None and department in scope)
