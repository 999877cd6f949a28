"""The presence refresh names thousands of connections in one bound value, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from flask_livechat.store import Store
from flask_livechat.store.models import AgentConnection, VisitorConnection, utcnow

#: Far more than any IN list a test would otherwise use: the refresh of a process holding many visitors.
MANY = 6_000


def refresh_keeps_exactly_the_listed_connections(store: Store) -> None:
    presence = store.presence
    visitors = [store.visitors.create_visitor(persistent=True).id for _ in range(3)]
    for number, visitor_id in enumerate(visitors):
        presence.visitor_connected(f"sid-{number}", visitor_id)
    presence.agent_connected("agent-1", agent_id="ada", name="Ada", role="agent", cutoff=utcnow())
    presence.agent_connected("agent-2", agent_id="bob", name="Bob", role="agent", cutoff=utcnow())
    listed = [f"other-{number}" for number in range(MANY)] + ["sid-0", "sid-2"]
    cutoff = utcnow() + timedelta(milliseconds=300)  # every row is older, unless the refresh wrote it again
    time.sleep(0.4)

    agents_gone, visitors_gone = store.presence.refresh_and_sweep(["agent-2"], listed, cutoff=cutoff)

    assert agents_gone == 1
    assert visitors_gone == [visitors[1]]
    with store.database.reading() as connection:
        visitor_rows = connection.execute(select(VisitorConnection.sid).order_by(VisitorConnection.sid))
        assert visitor_rows.scalars().all() == ["sid-0", "sid-2"]
        assert connection.execute(select(AgentConnection.sid)).scalars().all() == ["agent-2"]


def test_the_refresh_keeps_exactly_the_listed_connections(store: Store) -> None:
    refresh_keeps_exactly_the_listed_connections(store)


def test_an_sqlite_without_json_functions_gets_the_same_refresh(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/store.db")
    store.create_all()
    store.presence._json_each = False  # what the first refresh finds on such a build
    try:
        refresh_keeps_exactly_the_listed_connections(store)
    finally:
        store.dispose()
