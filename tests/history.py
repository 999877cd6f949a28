"""Generated chat history for the reports' tests and benchmark: visitors, visits, page views,
conversations and messages, made deterministically from a seed and bulk-inserted with SQLAlchemy Core (not
through the socket path, which would take hours for a million messages). The reports' facts are then built by
the store's own ``rebuild``; the tests compute the expected figures from these Python rows, never from the
database."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from flask_livechat.store.models import Conversation, Message, PageView, Visit, Visitor

SITE = "https://shop.example"
PATHS = ("/", "/pricing", "/docs", "/docs/install", "/blog/launch", "/contact", "/account")
BROWSERS = ("Chrome", "Firefox", "Safari", "Edge")
SYSTEMS = ("Windows", "macOS", "Linux", "iOS", "Android")
REFERRERS = (None, None, "https://www.search.example/?q=chat", "https://news.example/item", SITE + "/docs")
AGENTS = ("Ada Agent", "Ben Agent", "Cy Agent")
DEPARTMENTS = (None, "sales", "support")


@dataclass
class Rows:
    """The rows of one slice of history, per table, ready for ``insert``."""

    visitors: list[dict[str, Any]] = field(default_factory=list)
    visits: list[dict[str, Any]] = field(default_factory=list)
    page_views: list[dict[str, Any]] = field(default_factory=list)
    conversations: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)

    def extend(self, other: Rows) -> None:
        for name in ("visitors", "visits", "page_views", "conversations", "messages"):
            getattr(self, name).extend(getattr(other, name))

    def size(self) -> int:
        return sum(
            len(getattr(self, n)) for n in ("visitors", "visits", "page_views", "conversations", "messages")
        )


class Generator:
    """Makes visitors one at a time; ids are sequential per generator so several slices never collide."""

    def __init__(
        self,
        seed: int,
        start: datetime,
        days: int,
        *,
        chat_chance: float = 0.5,
        messages_per_chat: tuple[int, int] = (2, 8),
    ) -> None:
        self.rng = random.Random(seed)
        self.start = start
        self.seconds = days * 86400
        self.chat_chance = chat_chance
        self.messages_per_chat = messages_per_chat
        self._visitor = 0
        self._visit = 0
        self._view = 0
        self._conversation = 0
        self._message = 0

    def visitors(self, count: int) -> Iterator[Rows]:
        for _ in range(count):
            yield self.visitor()

    def visitor(self) -> Rows:
        rng = self.rng
        self._visitor += 1
        visitor_id = f"v{self._visitor:07d}"
        rows = Rows()
        starts = sorted(
            self.start + timedelta(seconds=rng.randrange(self.seconds))
            for _ in range(rng.choice((1, 1, 2, 3)))
        )
        for started in starts:
            self._visit += 1
            visit_id = self._visit
            landing = rng.choice(PATHS)
            rows.visits.append(
                {
                    "id": visit_id,
                    "visitor_id": visitor_id,
                    "started_at": started,
                    "last_seen_at": started,
                    "browser": rng.choice(BROWSERS),
                    "os": rng.choice(SYSTEMS),
                    "referrer": rng.choice(REFERRERS),
                    "landing_url": SITE + landing,
                }
            )
            at = started
            for number in range(rng.randint(1, 4)):
                self._view += 1
                path = landing if number == 0 else rng.choice(PATHS)
                query = rng.choice(("", "", "?utm=mail", "?email=someone%40example.com"))
                rows.page_views.append(
                    {
                        "id": self._view,
                        "visit_id": visit_id,
                        "visitor_id": visitor_id,
                        "url": SITE + path + query,
                        "viewed_at": at,
                    }
                )
                at += timedelta(seconds=rng.randint(5, 300))
            if rng.random() < self.chat_chance:
                rows.extend(
                    self._conversation_rows(visitor_id, started + timedelta(seconds=rng.randint(1, 600)))
                )
        rows.visitors.append(
            {
                "id": visitor_id,
                "first_seen_at": starts[0],
                "last_seen_at": starts[-1],
                "visit_count": len(starts),
                "persistent": True,
                "staff": False,
            }
        )
        return rows

    def _conversation_rows(self, visitor_id: str, at: datetime) -> Rows:
        rng = self.rng
        self._conversation += 1
        conversation_id = f"c{self._conversation:07d}"
        messages: list[tuple[str, str | None, str]] = []
        times: list[datetime] = []
        kind = rng.random()
        left = kind < 0.1
        agent = rng.choice(AGENTS)
        if 0.1 <= kind < 0.15:  # an invitation: the agent speaks first
            messages.append(("agent", agent, "invite"))
            times.append(at)
            at += timedelta(seconds=rng.randint(5, 120))
        messages.append(("visitor", None, "offline-" if left else "first"))
        times.append(at)
        if left:
            if rng.random() < 0.7:
                times.append(at + timedelta(seconds=rng.randint(600, 86400)))
                messages.append(("agent", rng.choice(AGENTS), "mail"))
        elif rng.random() < 0.85:
            at += timedelta(
                seconds=rng.choice((rng.randint(3, 60), rng.randint(60, 300), rng.randint(300, 1800)))
            )
            messages.append(("agent", agent, "reply"))
            times.append(at)
            for number in range(rng.randint(*self.messages_per_chat) - 2):
                at += timedelta(seconds=rng.randint(10, 240))
                messages.append(
                    ("visitor" if number % 2 == 0 else "agent", None if number % 2 == 0 else agent, "m")
                )
                times.append(at)
        times.append(at + timedelta(seconds=1))
        messages.append(("system", None, "closed"))
        rows = Rows()
        for seq, ((sender, author, client_kind), moment) in enumerate(
            zip(messages, times, strict=True), start=1
        ):
            self._message += 1
            rows.messages.append(
                {
                    "id": f"m{self._message:08d}",
                    "conversation_id": conversation_id,
                    "seq": seq,
                    "client_id": f"{client_kind}-{self._message}",
                    "sender": sender,
                    "author": author,
                    "body": "hello",
                    "created_at": moment,
                }
            )
        rated = rng.random() < 0.5 and not left
        rows.conversations.append(
            {
                "id": conversation_id,
                "visitor_id": visitor_id,
                "status": "closed",
                "created_at": times[0],
                "updated_at": times[-1],
                "closed_at": times[-1],
                "last_seq": len(messages),
                "department": rng.choice(DEPARTMENTS),
                "rating": rng.randint(1, 5) if rated else None,
            }
        )
        return rows


def insert_rows(engine: Engine, rows: Rows) -> None:
    """One transaction per call, tables in dependency order."""
    with engine.begin() as connection:
        for table, values in (
            (Visitor, rows.visitors),
            (Visit, rows.visits),
            (PageView, rows.page_views),
            (Conversation, rows.conversations),
            (Message, rows.messages),
        ):
            if values:
                connection.execute(insert(table), values)


def insert_all(engine: Engine, slices: Iterable[Rows], *, batch: int = 50_000) -> Rows:
    """Inserts slices in batches; returns nothing kept (an empty ``Rows``) unless the caller collects them."""
    pending = Rows()
    for part in slices:
        pending.extend(part)
        if pending.size() >= batch:
            insert_rows(engine, pending)
            pending = Rows()
    insert_rows(engine, pending)
    return pending


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]
