"""What each role may do beyond working conversations: one table, asked by the admin pages and the REST API
alike, so a page and its API twin cannot disagree about who may erase someone or read the reports."""

from __future__ import annotations

from typing import Literal

from ..errors import ForbiddenError
from ..host import Role
from .chat import Agent

#: The staff tools only admins have: the admin pages and their REST twins.
Capability = Literal["admin_pages", "canned_edit", "privacy", "reports", "tokens"]

_ADMIN_ONLY: dict[Capability, str] = {
    "admin_pages": "manage the live chat",
    "canned_edit": "edit canned responses",
    "privacy": "export or erase a person's data",
    "reports": "read the reports",
    "tokens": "manage API tokens",
}


def has_role(agent: Agent, role: Role) -> bool:
    """Whether ``agent`` has ``role`` or a higher one (an admin is also an agent)."""
    return role == "agent" or agent.role == "admin"


def require(agent: Agent, capability: Capability) -> None:
    """Refuses (``ForbiddenError``, 403) an agent whose role lacks ``capability``."""
    if not has_role(agent, "admin"):
        raise ForbiddenError(f"Only admins can {_ADMIN_ONLY[capability]}.")
