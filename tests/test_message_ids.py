"""Message ids sort by the time they were made (store/models.py ``new_message_id``), on every path that stores
a message, and messages keep an index for every query by conversation without one on that column alone:
a new message updates fewer index pages (bench/README.md)."""

from __future__ import annotations

import re
import time
from pathlib import Path

from sqlalchemy import text

from flask_livechat.store import Store
from flask_livechat.store.models import new_message_id
from flask_livechat.store.records import VisitorMessage
from tests.helpers import talking_visitors

_URL_SAFE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{21}$")


def test_ids_are_url_safe_unique_and_in_the_order_they_were_made() -> None:
    made = []
    for _ in range(20):
        made.extend(new_message_id() for _ in range(50))
        time.sleep(0.002)  # the next millisecond or later
    assert all(_URL_SAFE.match(made_id) for made_id in made)
    assert len(set(made)) == len(made)
    # Within one millisecond the order is random; between milliseconds it is the order they were made.
    first_of_each = made[::50]
    assert first_of_each == sorted(first_of_each)
    assert max(made[:50]) < min(made[-50:])


def test_every_path_that_stores_a_message_gives_it_such_an_id(store: Store) -> None:
    talking = talking_visitors(store, 3)
    alone = store.conversations.add_visitor_message(talking[0], client_id="alone", body="one")
    time.sleep(0.002)
    batch = store.conversations.add_visitor_messages(
        [VisitorMessage(visitor, f"b-{visitor}", "two") for visitor in talking]
    )
    time.sleep(0.002)
    agent = store.conversations.add_message(
        alone.conversation.id, client_id="agent", sender="agent", author="Ann", body="three"
    )
    ids = [alone.message.id, *(stored.message.id for stored in batch), agent.message.id]
    assert all(_URL_SAFE.match(message_id) for message_id in ids), ids
    assert ids[0] < min(ids[1:4]) and max(ids[1:4]) < ids[4]


def test_queries_by_conversation_still_use_an_index(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'chat.sqlite3'}")
    talking_visitors(store, 1)
    conversation_id = store.conversations.open_conversations()[0].id
    with store.database.reading() as connection:
        for query in (
            "SELECT * FROM livechat_messages WHERE conversation_id = :c ORDER BY seq",
            "SELECT count(*) FROM livechat_messages WHERE conversation_id = :c",
            "DELETE FROM livechat_messages WHERE conversation_id = :c",
        ):
            steps = connection.execute(text(f"EXPLAIN QUERY PLAN {query}"), {"c": conversation_id}).all()
            plan = "; ".join(str(step[-1]) for step in steps)
            assert plan.startswith("SEARCH livechat_messages USING") and "(conversation_id=?" in plan, plan
    store.dispose()
