"""Who is connected: agents' console tabs and visitors' widgets, one row per Socket.IO connection.

Rows live in the database, not in one process's memory, so every server process sees the same presence. A
connection that dies without a disconnect (a crashed process, a lost network) stops refreshing
``last_seen_at`` and counts as gone once it is older than the presence timeout.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, any_, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from .database import Database
from .models import AgentConnection, Visitor, VisitorConnection, utcnow
from .records import AgentPresence

#: The sid of a visitor's "browsing, chat not loaded" row (a real Socket.IO sid never has a colon).
PAGE_SID_PREFIX = "page:"


_DROP_VISITOR_CONNECTION = delete(VisitorConnection).where(VisitorConnection.sid == bindparam("sid"))
_VISITOR_OF_CONNECTION = select(VisitorConnection.visitor_id).where(VisitorConnection.sid == bindparam("sid"))
_ADD_VISITOR_CONNECTION = insert(VisitorConnection)


def _has_json_each(connection: Connection) -> bool:
    """SQLite built without its JSON functions (rare since 3.38) gets the plain IN list."""
    try:
        connection.execute(text("SELECT value FROM json_each('[]')")).all()
    except DBAPIError:
        return False
    return True


class PresenceQueries:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._json_each: bool | None = None  # SQLite's json_each, known at the first refresh

    def _one_of(self, connection: Connection, column: Any, values: list[str]) -> ColumnElement[bool]:
        """``column IN values`` as one bound value however many: SQLAlchemy renders an IN list anew at every
        execution, about half of the refresh of 5,000 connections, all of it on the event loop
        (bench/README.md, "the presence refresh"). PostgreSQL gets an array (``= ANY``), SQLite a JSON
        array (``json_each``)."""
        dialect = connection.dialect.name
        if dialect == "postgresql":
            return column == any_(bindparam("values", values, type_=ARRAY(String)))  # type: ignore[no-any-return]
        if dialect == "sqlite":
            if self._json_each is None:
                self._json_each = _has_json_each(connection)
            if self._json_each:
                listed = func.json_each(bindparam("values", json.dumps(values))).table_valued("value")
                return column.in_(select(listed.c.value))  # type: ignore[no-any-return]
        return column.in_(values)  # type: ignore[no-any-return]

    def agent_connected(
        self,
        sid: str,
        *,
        agent_id: str,
        name: str,
        role: str,
        cutoff: datetime,
        departments: frozenset[str] | None = None,
    ) -> None:
        """Records a console tab; it takes the status the agent's other fresh tabs have (online if none)."""
        now = utcnow()
        with self._db.writing() as connection:
            others = connection.execute(
                select(AgentConnection.status).where(
                    AgentConnection.agent_id == agent_id, AgentConnection.last_seen_at >= cutoff
                )
            ).all()
            status = "away" if others and all(row.status == "away" for row in others) else "online"
            connection.execute(delete(AgentConnection).where(AgentConnection.sid == sid))
            connection.execute(
                insert(AgentConnection).values(
                    sid=sid,
                    agent_id=agent_id,
                    agent_name=name,
                    role=role,
                    departments=None if departments is None else " ".join(sorted(departments)),
                    status=status,
                    connected_at=now,
                    last_seen_at=now,
                )
            )

    def agent_disconnected(self, sid: str) -> None:
        with self._db.writing() as connection:
            connection.execute(delete(AgentConnection).where(AgentConnection.sid == sid))

    def set_agent_status(self, agent_id: str, status: str) -> None:
        """Online/away is per agent: every tab of theirs takes it."""
        with self._db.writing() as connection:
            connection.execute(
                update(AgentConnection)
                .where(AgentConnection.agent_id == agent_id)
                .values(status=status, last_seen_at=utcnow())
            )

    def set_viewing(self, sid: str, conversation_id: str | None) -> None:
        with self._db.writing() as connection:
            connection.execute(
                update(AgentConnection)
                .where(AgentConnection.sid == sid)
                .values(viewing_conversation_id=conversation_id)
            )

    def viewing_of(self, sid: str) -> str | None:
        with self._db.reading() as connection:
            value = connection.execute(
                select(AgentConnection.viewing_conversation_id).where(AgentConnection.sid == sid)
            ).scalar()
        return value if isinstance(value, str) else None

    def viewers_of(self, conversation_id: str, *, cutoff: datetime) -> list[tuple[str, str]]:
        """(agent id, name) of every agent with a fresh tab on this conversation, by name."""
        with self._db.reading() as connection:
            rows = connection.execute(
                select(AgentConnection.agent_id, AgentConnection.agent_name)
                .where(
                    AgentConnection.viewing_conversation_id == conversation_id,
                    AgentConnection.last_seen_at >= cutoff,
                )
                .distinct()
                .order_by(AgentConnection.agent_name)
            ).all()
        return [(row.agent_id, row.agent_name) for row in rows]

    def any_agent_connected(self, *, cutoff: datetime) -> bool:
        """Whether any console tab is open anywhere (any process): without one, visitor pushes go nowhere."""
        with self._db.reading() as connection:
            found = connection.execute(
                select(AgentConnection.sid).where(AgentConnection.last_seen_at >= cutoff).limit(1)
            ).first()
        return found is not None

    def agents_presence(self, *, cutoff: datetime) -> list[AgentPresence]:
        """Every agent with at least one fresh tab; agents without one are offline and not listed."""
        with self._db.reading() as connection:
            rows = connection.execute(
                select(
                    AgentConnection.agent_id,
                    AgentConnection.agent_name,
                    AgentConnection.role,
                    AgentConnection.status,
                    AgentConnection.departments,
                )
                .where(AgentConnection.last_seen_at >= cutoff)
                .order_by(AgentConnection.agent_name, AgentConnection.connected_at)
            ).all()
        agents: dict[str, AgentPresence] = {}
        for row in rows:
            known = agents.get(row.agent_id)
            status = "online" if row.status == "online" or (known and known.status == "online") else "away"
            scope = None if row.departments is None else frozenset(row.departments.split())
            agents[row.agent_id] = AgentPresence(row.agent_id, row.agent_name, row.role, status, scope)
        return list(agents.values())

    # --- visitors ---------------------------------------------------------------------------

    def visitor_connected(self, sid: str, visitor_id: str, *, customer: str | None = None) -> None:
        now = utcnow()
        # Built once (module level): a connect storm runs them thousands of times (store/visitors.py: why).
        with self._db.writing() as connection:
            connection.execute(_DROP_VISITOR_CONNECTION, {"sid": sid})
            connection.execute(
                _ADD_VISITOR_CONNECTION,
                {
                    "sid": sid,
                    "visitor_id": visitor_id,
                    "customer": customer,
                    "connected_at": now,
                    "last_seen_at": now,
                },
            )

    def page_present(self, visitor_id: str, *, fresh_after: datetime) -> bool:
        """A page of the visitor's with the loader but no chat socket is open: one row per visitor (sid
        ``page:<visitor id>``), refreshed unless that happened after ``fresh_after`` (then no write at all).
        The sweep deletes it like a dead connection once the page stops asking. True when the row is new."""
        sid = PAGE_SID_PREFIX + visitor_id
        with self._db.reading() as connection:
            seen = connection.execute(
                select(VisitorConnection.last_seen_at).where(VisitorConnection.sid == sid)
            ).scalar()
        if isinstance(seen, datetime) and seen >= fresh_after:
            return False
        now = utcnow()
        with self._db.writing() as connection:
            refreshed = connection.execute(
                update(VisitorConnection).where(VisitorConnection.sid == sid).values(last_seen_at=now)
            )
            known = connection.execute(select(Visitor.id).where(Visitor.id == visitor_id)).scalar()
            if refreshed.rowcount or known is None:  # refreshed, or a visitor erased meanwhile: no row
                return False
            connection.execute(
                insert(VisitorConnection).values(
                    sid=sid, visitor_id=visitor_id, connected_at=now, last_seen_at=now
                )
            )
        return True

    def visitor_on_page(self, sid: str, *, url: str | None, title: str | None) -> None:
        with self._db.writing() as connection:
            connection.execute(
                update(VisitorConnection)
                .where(VisitorConnection.sid == sid)
                .values(url=url, title=title, last_seen_at=utcnow())
            )

    def visitor_disconnected(self, sid: str) -> str | None:
        """Drops a widget connection; returns its visitor id (``None`` if it was not recorded)."""
        with self._db.writing() as connection:
            visitor_id = connection.execute(_VISITOR_OF_CONNECTION, {"sid": sid}).scalar()
            connection.execute(_DROP_VISITOR_CONNECTION, {"sid": sid})
        return visitor_id if isinstance(visitor_id, str) else None

    def refresh_and_sweep(
        self, agent_sids: list[str], visitor_sids: list[str], *, cutoff: datetime
    ) -> tuple[int, list[str]]:
        """Marks the connections this process holds as alive, then deletes the rows nobody refreshed since
        ``cutoff`` (dead processes' connections), in one transaction. Returns how many agent tabs were
        deleted and the visitors who lost a connection."""
        now = utcnow()
        with self._db.writing() as connection:
            if agent_sids:
                connection.execute(
                    update(AgentConnection)
                    .where(self._one_of(connection, AgentConnection.sid, agent_sids))
                    .values(last_seen_at=now)
                )
            if visitor_sids:
                connection.execute(
                    update(VisitorConnection)
                    .where(self._one_of(connection, VisitorConnection.sid, visitor_sids))
                    .values(last_seen_at=now)
                )
            agents = connection.execute(delete(AgentConnection).where(AgentConnection.last_seen_at < cutoff))
            visitors = (
                connection.execute(
                    select(VisitorConnection.visitor_id)
                    .where(VisitorConnection.last_seen_at < cutoff)
                    .distinct()
                )
                .scalars()
                .all()
            )
            connection.execute(delete(VisitorConnection).where(VisitorConnection.last_seen_at < cutoff))
        return int(agents.rowcount or 0), list(visitors)
