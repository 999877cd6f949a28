"""Outgoing webhooks: the endpoints admins registered, and the outbox of deliveries with their attempts.

A delivery is written by ``enqueue`` in the transaction of the change it reports (a message appended, a
conversation closed, ...), so a committed change always has its deliveries and a rolled-back one none.
Workers in any number of processes then ``claim`` due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a
conditional UPDATE on SQLite) for a lease, send them outside any transaction, and record each attempt.
"""

from __future__ import annotations

import json
import secrets
import time
import weakref
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, delete, func, insert, or_, select, update
from sqlalchemy.pool import Pool

from .database import Database
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, utcnow
from .records import (
    WebhookAttemptRecord,
    WebhookDeliveryRecord,
    WebhookDue,
    WebhookEndpointRecord,
    from_offline_form,
)

#: The event whose payload is blanked once sent (it names a person who is otherwise gone).
ERASED = "visitor.erased"


def new_message_id() -> str:
    """The ``webhook-id`` of a delivery (Standard Webhooks' ``msg_`` ids)."""
    return "msg_" + secrets.token_urlsafe(18)


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


#: How long a process trusts its copy of the enabled endpoints and their events. Changes made in this
#: process apply at once (the copy is dropped after they commit); other processes see them within this time.
SUBSCRIPTIONS_TTL = 2.0

#: Per database (keyed by its connection pool): (read at, [(endpoint id, its events)]). Every stored message
#: asks whether any endpoint wants it; with no webhooks that read was a query in every message's transaction.
_subscriptions: weakref.WeakKeyDictionary[Pool, tuple[float, list[tuple[int, tuple[str, ...]]]]] = (
    weakref.WeakKeyDictionary()
)


def _subscribed(connection: Connection) -> list[tuple[int, tuple[str, ...]]]:
    pool = connection.engine.pool
    cached = _subscriptions.get(pool)
    now = time.monotonic()
    if cached is not None and now - cached[0] < SUBSCRIPTIONS_TTL:
        return cached[1]
    rows = connection.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.events).where(WebhookEndpoint.enabled.is_(True))
    ).all()
    found = [(row.id, tuple(row.events.split())) for row in rows]
    _subscriptions[pool] = (now, found)
    return found


def _endpoints_changed(database: Database) -> None:
    _subscriptions.pop(database.engine.pool, None)


# --- in the caller's transaction: called where the changes are stored ----------------------------------


def wants(connection: Connection, events: tuple[str, ...]) -> bool:
    """Whether any enabled endpoint subscribes to any of ``events`` (from a copy at most
    ``SUBSCRIPTIONS_TTL`` seconds old: no statement in the usual case)."""
    return any(name in wanted for _, wanted in _subscribed(connection) for name in events)


#: What ``message_appended`` may queue for a visitor's message.
MESSAGE_EVENTS = ("message.created", "message.left")


def enqueue(
    connection: Connection, event: str | tuple[str, ...], data: dict[str, Any], *, visitor_id: str | None
) -> None:
    """Queues ``event`` (or each of several events with the same data) for every enabled endpoint
    subscribed to it, in the caller's transaction: one read of the endpoints however many events.

    ``visitor_id`` names whose data the payload holds, so erasing them deletes it from the outbox too."""
    events = (event,) if isinstance(event, str) else event
    if not wants(connection, events):
        return  # the usual case: no statement at all
    # Someone wants it: read the endpoints in this transaction (the copy may lag another process's change).
    endpoints = connection.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.events).where(WebhookEndpoint.enabled.is_(True))
    ).all()
    queued = [(name, row.id) for name in events for row in endpoints if name in row.events.split()]
    if not queued:
        return
    now = utcnow()
    bodies = {
        name: json.dumps(
            {"type": name, "timestamp": _iso(now), "data": data}, separators=(",", ":"), ensure_ascii=False
        )
        for name in events
    }
    connection.execute(
        insert(WebhookDelivery),
        [
            {
                "id": new_message_id(),
                "endpoint_id": endpoint_id,
                "event": name,
                "payload": bodies[name],
                "visitor_id": visitor_id,
                "created_at": now,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
            }
            for name, endpoint_id in queued
        ],
    )


def conversation_started(
    connection: Connection, conversation_id: str, visitor_id: str, **fields: Any
) -> None:
    enqueue(
        connection,
        "conversation.started",
        {"conversation_id": conversation_id, "visitor_id": visitor_id, **_plain(fields)},
        visitor_id=visitor_id,
    )


def message_appended(connection: Connection, message: Any, visitor_id: str) -> None:
    """``message.created`` for a visitor's or agent's message (system lines are not sent), and
    ``message.left`` too when it came from the leave-a-message form (its ``offline-`` client id)."""
    if message.sender not in ("visitor", "agent"):
        return
    data = {
        "message_id": message.id,
        "conversation_id": message.conversation_id,
        "visitor_id": visitor_id,
        "seq": message.seq,
        "sender": message.sender,
        "author": message.author,
        "text": message.body,
        "created_at": _iso(message.created_at),
    }
    left = message.sender == "visitor" and from_offline_form(message.client_id)
    events = MESSAGE_EVENTS if left else MESSAGE_EVENTS[:1]
    enqueue(connection, events, data, visitor_id=visitor_id)


def conversation_closed(
    connection: Connection, conversation_id: str, visitor_id: str, *, closed_at: datetime, by: str | None
) -> None:
    data = {
        "conversation_id": conversation_id,
        "visitor_id": visitor_id,
        "closed_at": _iso(closed_at),
        "by": by,
    }
    enqueue(connection, "conversation.closed", data, visitor_id=visitor_id)


def conversation_rated(
    connection: Connection,
    conversation_id: str,
    visitor_id: str,
    *,
    rating: int,
    comment: str | None,
    rated_at: datetime,
) -> None:
    data = {
        "conversation_id": conversation_id,
        "visitor_id": visitor_id,
        "rating": rating,
        "comment": comment,
        "rated_at": _iso(rated_at),
    }
    enqueue(connection, "conversation.rated", data, visitor_id=visitor_id)


def visitors_erased(connection: Connection, conversations: dict[str, list[str]]) -> None:
    """Drops whatever the outbox still holds of these visitors (``visitor id -> conversation ids``), then
    queues one ``visitor.erased`` per visitor, carrying ids only."""
    forget_visitors(connection, list(conversations))
    for visitor_id, conversation_ids in conversations.items():
        enqueue(
            connection,
            ERASED,
            {"visitor_id": visitor_id, "conversation_ids": sorted(conversation_ids)},
            visitor_id=None,
        )


def forget_visitors(connection: Connection, visitor_ids: list[str]) -> None:
    """Deletes the deliveries (and their attempts) that carry these visitors' data."""
    carrying = select(WebhookDelivery.id).where(WebhookDelivery.visitor_id.in_(visitor_ids))
    connection.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(carrying)))
    connection.execute(delete(WebhookDelivery).where(WebhookDelivery.visitor_id.in_(visitor_ids)))


def forget_before(connection: Connection, cutoff: datetime) -> int:
    """Deletes the deliveries created before ``cutoff`` (retention and the log's own limit)."""
    old = select(WebhookDelivery.id).where(WebhookDelivery.created_at < cutoff)
    connection.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(old)))
    return (
        connection.execute(delete(WebhookDelivery).where(WebhookDelivery.created_at < cutoff)).rowcount or 0
    )


def _plain(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: _iso(value) if isinstance(value, datetime) else value for key, value in fields.items()}


# --- the aggregate: endpoints, claims, attempts, the log ------------------------------------------------


class WebhookQueries:
    def __init__(self, database: Database) -> None:
        self._db = database

    def create_endpoint(self, url: str, events: list[str], secret: str) -> WebhookEndpointRecord:
        with self._db.writing() as connection:
            row = connection.execute(
                insert(WebhookEndpoint)
                .values(url=url, events=" ".join(events), secret=secret, enabled=True, created_at=utcnow())
                .returning(*WebhookEndpoint.__table__.columns)
            ).one()
        _endpoints_changed(self._db)
        return _endpoint(row)

    def endpoints(self) -> list[WebhookEndpointRecord]:
        with self._db.reading() as connection:
            rows = connection.execute(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()
        return [_endpoint(row) for row in rows]

    def has_enabled(self) -> bool:
        with self._db.reading() as connection:
            found = connection.execute(
                select(WebhookEndpoint.id).where(WebhookEndpoint.enabled.is_(True)).limit(1)
            ).first()
        return found is not None

    def set_enabled(self, endpoint_id: int, enabled: bool) -> bool:
        with self._db.writing() as connection:
            result = connection.execute(
                update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id).values(enabled=enabled)
            )
        _endpoints_changed(self._db)
        return bool(result.rowcount)

    def rotate(self, endpoint_id: int, secret: str, *, old_until: datetime) -> bool:
        """The new secret signs from now on; the current one too, until ``old_until``."""
        with self._db.writing() as connection:
            result = connection.execute(
                update(WebhookEndpoint)
                .where(WebhookEndpoint.id == endpoint_id)
                .values(previous_secret=WebhookEndpoint.secret, previous_until=old_until, secret=secret)
            )
        return bool(result.rowcount)

    def delete_endpoint(self, endpoint_id: int) -> bool:
        """The endpoint and its whole delivery log (explicit deletes, as SQLite may ignore ON DELETE)."""
        with self._db.writing() as connection:
            deliveries = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint_id)
            connection.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries)))
            connection.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id))
            result = connection.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id))
        _endpoints_changed(self._db)
        return bool(result.rowcount)

    def claim(self, limit: int, *, lease: timedelta) -> list[WebhookDue]:
        """Takes up to ``limit`` due deliveries of enabled endpoints for ``lease``: no other worker (in this
        or another process) gets them until the lease runs out, which only happens if this one died."""
        now = utcnow()
        due = (
            select(WebhookDelivery.id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(
                WebhookDelivery.status == "pending",
                WebhookDelivery.next_attempt_at <= now,
                or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
                WebhookEndpoint.enabled.is_(True),
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
        )
        with self._db.writing() as connection:
            if connection.dialect.name == "postgresql":
                due = due.with_for_update(of=WebhookDelivery, skip_locked=True)
            claimed = []
            for delivery_id in connection.execute(due).scalars().all():
                # The condition again: on SQLite (no row locks) this is what makes the claim exclusive.
                taken = connection.execute(
                    update(WebhookDelivery)
                    .where(
                        WebhookDelivery.id == delivery_id,
                        WebhookDelivery.status == "pending",
                        or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
                    )
                    .values(claimed_until=now + lease)
                )
                if taken.rowcount:
                    claimed.append(delivery_id)
            if not claimed:
                return []
            rows = connection.execute(
                select(
                    WebhookDelivery.id,
                    WebhookDelivery.payload,
                    WebhookDelivery.attempts,
                    WebhookEndpoint.url,
                    WebhookEndpoint.secret,
                    WebhookEndpoint.previous_secret,
                    WebhookEndpoint.previous_until,
                )
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .where(WebhookDelivery.id.in_(claimed))
                .order_by(WebhookDelivery.next_attempt_at)
            ).all()
        return [
            WebhookDue(
                id=row.id,
                url=row.url,
                payload=row.payload,
                attempts=row.attempts,
                secrets=(row.secret,)
                + (
                    (row.previous_secret,)
                    if row.previous_secret and row.previous_until and row.previous_until > now
                    else ()
                ),
            )
            for row in rows
        ]

    def record_attempt(
        self,
        delivery_id: str,
        *,
        status_code: int | None,
        error: str | None,
        duration_ms: int,
        outcome: str,
        retry_at: datetime | None = None,
    ) -> bool:
        """Logs one attempt and moves the delivery on: ``delivered``, ``failed`` or back to ``pending`` (due
        at ``retry_at``). The claim ends here. Returns whether a finished erasure's payload was blanked (the
        caller then scrubs the files of it)."""
        now = utcnow()
        values: dict[str, Any] = {
            "status": outcome,
            "attempts": WebhookDelivery.attempts + 1,
            "next_attempt_at": retry_at or now,
            "claimed_until": None,
        }
        if outcome != "pending":
            # An erasure's ids are the one trace of the person it keeps, and only until it has been sent.
            values["payload"] = case((WebhookDelivery.event == ERASED, ""), else_=WebhookDelivery.payload)
        with self._db.writing() as connection:
            exists = connection.execute(
                update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(**values)
            )
            if exists.rowcount:  # an erasure may have deleted it while it was being sent
                connection.execute(
                    insert(WebhookAttempt).values(
                        delivery_id=delivery_id,
                        attempted_at=now,
                        status_code=status_code,
                        error=error[:300] if error else None,
                        duration_ms=duration_ms,
                    )
                )
            blanked = connection.execute(
                select(WebhookDelivery.id).where(
                    WebhookDelivery.id == delivery_id, WebhookDelivery.payload == ""
                )
            ).first()
        return blanked is not None

    def replay(self, delivery_id: str) -> bool:
        """Sends a delivery again now, id and body unchanged (so receivers may drop it as a duplicate)."""
        with self._db.writing() as connection:
            result = connection.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery_id,
                    WebhookDelivery.claimed_until.is_(None),
                    WebhookDelivery.payload != "",
                )
                .values(status="pending", next_attempt_at=utcnow())
            )
        return bool(result.rowcount)

    def next_due(self) -> datetime | None:
        """When the earliest pending delivery of an enabled endpoint is due; ``None`` when none is."""
        with self._db.reading() as connection:
            return connection.execute(
                select(func.min(WebhookDelivery.next_attempt_at))
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .where(WebhookDelivery.status == "pending", WebhookEndpoint.enabled.is_(True))
            ).scalar()

    def deliveries(self, *, limit: int, endpoint_id: int | None = None) -> list[WebhookDeliveryRecord]:
        """The delivery log, newest first, with every attempt of each delivery."""
        query = select(WebhookDelivery).order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
        if endpoint_id is not None:
            query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
        with self._db.reading() as connection:
            rows = connection.execute(query.limit(limit)).all()
            attempts: dict[str, list[WebhookAttemptRecord]] = {}
            for attempt in connection.execute(
                select(WebhookAttempt)
                .where(WebhookAttempt.delivery_id.in_([row.id for row in rows]))
                .order_by(WebhookAttempt.id)
            ):
                attempts.setdefault(attempt.delivery_id, []).append(
                    WebhookAttemptRecord(
                        attempted_at=attempt.attempted_at,
                        status_code=attempt.status_code,
                        error=attempt.error,
                        duration_ms=attempt.duration_ms,
                    )
                )
        return [
            WebhookDeliveryRecord(
                id=row.id,
                endpoint_id=row.endpoint_id,
                event=row.event,
                payload=row.payload,
                created_at=row.created_at,
                status=row.status,
                attempts=tuple(attempts.get(row.id, ())),
                next_attempt_at=row.next_attempt_at,
            )
            for row in rows
        ]

    def prune(self, cutoff: datetime) -> int:
        """Deletes the log's deliveries created before ``cutoff`` that are finished (delivered or failed)."""
        with self._db.writing() as connection:
            finished = select(WebhookDelivery.id).where(
                WebhookDelivery.created_at < cutoff, WebhookDelivery.status != "pending"
            )
            connection.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(finished)))
            result = connection.execute(
                delete(WebhookDelivery).where(
                    WebhookDelivery.created_at < cutoff, WebhookDelivery.status != "pending"
                )
            )
        return result.rowcount or 0


def _endpoint(row: Any) -> WebhookEndpointRecord:
    return WebhookEndpointRecord(
        id=row.id,
        url=row.url,
        events=tuple(row.events.split()),
        enabled=row.enabled,
        created_at=row.created_at,
        rotating_until=row.previous_until if row.previous_secret and row.previous_until else None,
    )
