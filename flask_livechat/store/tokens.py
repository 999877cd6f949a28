"""Personal access tokens of the REST API: a public id and a digest of the secret, never the secret."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update

from .database import Database
from .models import ApiToken, utcnow
from .records import ApiTokenRecord


def _record(row: Any) -> ApiTokenRecord:
    return ApiTokenRecord(
        id=row.id,
        public_id=row.public_id,
        name=row.name,
        scope=row.scope,
        agent_id=row.agent_id,
        agent_name=row.agent_name,
        role=row.role,
        departments=tuple(row.departments or ()),
        created_by=row.created_by,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


#: The table itself: an UPDATE of the ORM entity with RETURNING of its raw columns fails on SQLAlchemy 2.0.16
#: (the lowest we support), a Core UPDATE of the table does not.
_TOKENS = cast(Table, ApiToken.__table__)


class TokenQueries:
    def __init__(self, database: Database) -> None:
        self._db = database

    def create_token(
        self,
        *,
        public_id: str,
        secret_hash: str,
        name: str,
        scope: str,
        agent_id: str,
        agent_name: str,
        role: str,
        departments: list[str],
        created_by: str,
    ) -> ApiTokenRecord:
        with self._db.writing() as connection:
            row = connection.execute(
                insert(ApiToken)
                .values(
                    public_id=public_id,
                    secret_hash=secret_hash,
                    name=name,
                    scope=scope,
                    agent_id=agent_id,
                    agent_name=agent_name,
                    role=role,
                    departments=departments,
                    created_by=created_by,
                    created_at=utcnow(),
                )
                .returning(*ApiToken.__table__.columns)
            ).one()
        return _record(row)

    def token_by_public_id(self, public_id: str) -> tuple[ApiTokenRecord, str] | None:
        """The token (revoked or not) and its secret's digest, for the caller to compare in constant time."""
        with self._db.reading() as connection:
            row = connection.execute(select(ApiToken).where(ApiToken.public_id == public_id)).first()
        return (_record(row), row.secret_hash) if row else None

    def tokens(self) -> list[ApiTokenRecord]:
        with self._db.reading() as connection:
            rows = connection.execute(
                select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
            )
            return [_record(row) for row in rows]

    def revoke_token(self, token_id: int) -> ApiTokenRecord | None:
        """Revokes an active token; ``None`` when there is no such token or it was already revoked."""
        with self._db.writing() as connection:
            row = connection.execute(
                update(_TOKENS)
                .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
                .values(revoked_at=utcnow())
                .returning(*ApiToken.__table__.columns)
            ).first()
        return _record(row) if row else None

    def revoke_tokens_of(self, agent_id: str) -> list[ApiTokenRecord]:
        """Revokes every active token acting as ``agent_id``; the ones revoked now."""
        with self._db.writing() as connection:
            rows = connection.execute(
                update(_TOKENS)
                .where(ApiToken.agent_id == agent_id, ApiToken.revoked_at.is_(None))
                .values(revoked_at=utcnow())
                .returning(*ApiToken.__table__.columns)
            ).all()
        return [_record(row) for row in rows]

    def touch_token(self, token_id: int, at: datetime) -> None:
        with self._db.writing() as connection:
            connection.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=at))
