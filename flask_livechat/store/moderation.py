"""Blocks (by visitor id and/or IP network, until a time) and the log of every moderation action."""

from __future__ import annotations

import ipaddress
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from .database import Database
from .models import Block, ModerationLog, utcnow
from .records import BlockRecord, LogRecord


def _record(cls: type, row: object) -> object:
    return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})  # type: ignore[attr-defined]


def blocks_match(blocks: list[BlockRecord], visitor_id: str | None, ip: str | None) -> bool:
    """Whether any of ``blocks`` names this visitor, or a network that holds this IP."""
    address = None
    if ip:
        try:
            address = ipaddress.ip_address(ip.strip())
        except ValueError:
            address = None
    for block in blocks:
        if visitor_id is not None and block.visitor_id == visitor_id:
            return True
        if address is not None and block.network is not None:
            network = ipaddress.ip_network(block.network)
            if address.version == network.version and address in network:
                return True
    return False


class ModerationQueries:
    def __init__(self, database: Database) -> None:
        self._db = database

    def add_block(
        self,
        *,
        visitor_id: str | None,
        network: str | None,
        expires_at: datetime,
        reason: str | None,
        actor: str,
    ) -> int:
        """Creates a block and logs it, in one transaction."""
        now = utcnow()
        with self._db.writing() as connection:
            block_id = connection.execute(
                insert(Block)
                .values(
                    visitor_id=visitor_id,
                    network=network,
                    reason=reason,
                    created_by=actor,
                    created_at=now,
                    expires_at=expires_at,
                )
                .returning(Block.id)
            ).scalar_one()
            self._log(
                ModerationLog,
                connection,
                action="block",
                actor=actor,
                visitor_id=visitor_id,
                network=network,
                detail=f"until {expires_at.isoformat()}" + (f": {reason}" if reason else ""),
            )
        return int(block_id)

    def lift_block(self, block_id: int, *, actor: str) -> bool:
        now = utcnow()
        with self._db.writing() as connection:
            row = connection.execute(
                select(Block).where(Block.id == block_id, Block.lifted_at.is_(None)).with_for_update()
            ).first()
            if row is None:
                return False
            connection.execute(
                update(Block).where(Block.id == block_id).values(lifted_at=now, lifted_by=actor)
            )
            self._log(
                ModerationLog,
                connection,
                action="unblock",
                actor=actor,
                visitor_id=row.visitor_id,
                network=row.network,
                detail=f"block {block_id} lifted",
            )
        return True

    def active_blocks(self, now: datetime | None = None) -> list[BlockRecord]:
        with self._db.reading() as connection:
            rows = connection.execute(
                select(Block)
                .where(Block.lifted_at.is_(None), Block.expires_at > (now or utcnow()))
                .order_by(Block.created_at.desc())
            ).all()
        return [_record(BlockRecord, row) for row in rows]  # type: ignore[misc]

    def log_moderation(
        self,
        action: str,
        *,
        actor: str,
        visitor_id: str | None = None,
        conversation_id: str | None = None,
        message_id: str | None = None,
        detail: str | None = None,
    ) -> None:
        self._log(
            ModerationLog,
            None,
            action=action,
            actor=actor,
            visitor_id=visitor_id,
            conversation_id=conversation_id,
            message_id=message_id,
            detail=detail,
        )

    def _log(self, table: type[ModerationLog], connection: Connection | None, **values: object) -> None:
        """Appends one row to a log table, stamped now: in the caller's transaction, or in its own."""
        if connection is None:
            with self._db.writing() as own:
                own.execute(insert(table).values(created_at=utcnow(), **values))
        else:
            connection.execute(insert(table).values(created_at=utcnow(), **values))

    def moderation_log(self, limit: int = 200) -> list[LogRecord]:
        with self._db.reading() as connection:
            rows = connection.execute(
                select(ModerationLog)
                .order_by(ModerationLog.created_at.desc(), ModerationLog.id.desc())
                .limit(limit)
            ).all()
        return [_record(LogRecord, row) for row in rows]  # type: ignore[misc]
