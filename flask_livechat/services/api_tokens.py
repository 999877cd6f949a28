"""Personal access tokens for the REST API: made and revoked by admins (audited), checked on every call.

A token reads ``lc_<public id>_<secret>``. The public id finds the row; the secret (256 random bits) is kept
only as its SHA-256 digest and compared in constant time, so neither the database nor a timing difference
gives a token away. The plain token is shown once, when it is made. A token acts as the staff member it was
made for, with the role and departments chosen then: revoke it and make another when those change.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from ..errors import InvalidPayload, NotFoundError
from ..host import ROLES
from ..i18n import N_
from ..store import Store
from ..store.models import utcnow
from ..store.records import ApiTokenRecord
from .chat import Agent
from .departments import agent_scope, configured
from .permissions import require

Scope = Literal["read", "write"]
SCOPES: tuple[Scope, ...] = ("read", "write")
PREFIX = "lc_"
_TOKEN = re.compile(r"^lc_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$")
#: A token's last use is written at most this often, so reads do not each cost a write.
TOUCH_EVERY = timedelta(seconds=60)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    record: ApiTokenRecord
    #: The token itself: shown to the admin once, never stored.
    plain: str


@dataclass(frozen=True)
class TokenCaller:
    """Who a valid token acts as."""

    token: ApiTokenRecord
    agent: Agent

    def may(self, scope: Scope) -> bool:
        return scope == "read" or self.token.scope == "write"


class ApiTokenService:
    def __init__(self, store: Store, config: Mapping[str, Any]) -> None:
        self._store = store
        self._config = config

    def create(
        self,
        admin: Agent,
        *,
        name: str,
        scope: str,
        agent_id: str,
        agent_name: str,
        role: str,
        departments: list[str],
    ) -> NewToken:
        require(admin, "tokens")
        problems: dict[str, list[str]] = {}
        if not name.strip() or len(name) > 100:
            problems["name"] = [N_("Give the token a name of 1 to 100 characters (what uses it).")]
        if scope not in SCOPES:
            problems["scope"] = [N_("The scope is 'read' or 'write'.")]
        if not agent_id.strip() or len(agent_id) > 128:
            problems["agent_id"] = [N_("Give the host user id of the staff member the token acts as.")]
        if not agent_name.strip() or len(agent_name) > 200:
            problems["agent_name"] = [N_("Give the name the token's messages are signed with.")]
        if role not in ROLES:
            problems["role"] = [N_("The role is 'agent' or 'admin'.")]
        unknown = sorted(set(departments) - set(configured(self._config)))
        if unknown:
            problems["departments"] = [
                N_("Not in LIVECHAT_DEPARTMENTS: %(names)s.", names=", ".join(unknown))
            ]
        if problems:
            raise InvalidPayload(fields=problems)
        public_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        record = self._store.tokens.create_token(
            public_id=public_id,
            secret_hash=_digest(secret),
            name=name.strip(),
            scope=scope,
            agent_id=agent_id.strip(),
            agent_name=agent_name.strip(),
            role=role,
            departments=sorted(set(departments)),
            created_by=admin.label,
        )
        self._audit(admin, "token_create", record)
        return NewToken(record, f"{PREFIX}{public_id}_{secret}")

    def tokens(self, admin: Agent) -> list[ApiTokenRecord]:
        require(admin, "tokens")
        return self._store.tokens.tokens()

    def revoke(self, admin: Agent, token_id: int) -> ApiTokenRecord:
        require(admin, "tokens")
        record = self._store.tokens.revoke_token(token_id)
        if record is None:
            raise NotFoundError("No such active token.")
        self._audit(admin, "token_revoke", record)
        return record

    def revoke_for_agent(self, agent_id: str, *, actor: str) -> int:
        """The host disabled a staff member or changed their role (``LiveChat.revoke_agent``), or deleted the
        account: the tokens acting as them stop working now. Each revocation is audited."""
        revoked = self._store.tokens.revoke_tokens_of(agent_id)
        for record in revoked:
            self._store.privacy.audit(
                actor, "token_revoke", f"token:{record.public_id}", self._detail(record)
            )
        return len(revoked)

    def authenticate(self, presented: str) -> TokenCaller | None:
        """The caller a token stands for; ``None`` for a malformed, unknown, wrong or revoked token."""
        match = _TOKEN.match(presented)
        if match is None:
            return None
        found = self._store.tokens.token_by_public_id(match.group(1))
        if found is None:
            return None
        record, digest = found
        if not hmac.compare_digest(digest, _digest(match.group(2))) or record.revoked_at is not None:
            return None
        now = utcnow()
        if record.last_used_at is None or now - record.last_used_at >= TOUCH_EVERY:
            self._store.tokens.touch_token(record.id, now)
        agent = Agent(
            user_id=record.agent_id,
            name=record.agent_name,
            role=record.role,  # type: ignore[arg-type]  # checked against ROLES when made
            departments=agent_scope(self._config, record.role, record.departments),
        )
        return TokenCaller(record, agent)

    def _audit(self, admin: Agent, action: str, record: ApiTokenRecord) -> None:
        self._store.privacy.audit(admin.label, action, f"token:{record.public_id}", self._detail(record))

    @staticmethod
    def _detail(record: ApiTokenRecord) -> str:
        detail = (
            f"{record.scope} token {record.name!r} ({record.public_id}) acting as "
            f"{record.agent_name} (user {record.agent_id}, {record.role})"
        )
        return detail[:500]
