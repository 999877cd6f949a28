"""Outgoing webhooks, signed the Standard Webhooks way (https://www.standardwebhooks.com/).

The store queues a delivery in the transaction of each change (the outbox); this service registers the
endpoints, and sends what is due, one short HTTP request each, from the webhook worker's thread: a receiver
that hangs or fails costs that thread its timeouts and never a chat request or socket event.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import secrets
import ssl
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from ..errors import InvalidPayload, NotFoundError
from ..i18n import N_
from ..store import Store
from ..store.records import WebhookDeliveryRecord, WebhookDue, WebhookEndpointRecord
from ..version import __version__

#: Every event an endpoint can subscribe to; docs/webhooks.md describes their payloads.
EVENTS = (
    "conversation.started",
    "message.created",
    "conversation.closed",
    "message.left",
    "conversation.rated",
    "visitor.erased",
)

SECRET_PREFIX = "whsec_"
MAX_URL_LENGTH = 2000
#: How much of a receiver's answer is read (and thrown away): enough to let it finish, no more.
_MAX_ANSWER = 64 * 1024
_BATCH = 5


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secrets_: Iterable[str], msg_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` header: ``v1,<base64 HMAC-SHA256>`` per secret, space-separated (two while a
    rotation's old secret still signs, so a receiver holding either one verifies)."""
    signed = f"{msg_id}.{timestamp}.{body}".encode()
    return " ".join(
        "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()
        for secret in secrets_
    )


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def check_url(url: str) -> str:
    """An absolute http(s) URL with a host, no credentials, no fragment; else ``ValueError`` says why."""
    url = url.strip()
    if not url:
        raise ValueError(N_("Enter the URL that should receive the events."))
    if len(url) > MAX_URL_LENGTH or any(ord(char) <= 32 or ord(char) == 127 for char in url):
        raise ValueError(N_("A URL has at most %(max)s characters and no spaces.", max=MAX_URL_LENGTH))
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise ValueError(N_("That is not a valid URL.")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            N_("Only http:// and https:// URLs can receive webhooks, e.g. https://crm.example/hook.")
        )
    if parts.username is not None or parts.password is not None:
        raise ValueError(N_("Leave credentials out of the URL: receivers verify the signature instead."))
    if parts.fragment:
        raise ValueError(N_("A webhook URL has no #fragment."))
    return url


def check_events(events: Sequence[str]) -> list[str]:
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise ValueError(
            N_(
                "Unknown event %(events)s: choose from %(known)s.",
                events=", ".join(unknown),
                known=", ".join(EVENTS),
            )
        )
    if not events:
        raise ValueError(N_("Choose at least one event."))
    return [event for event in EVENTS if event in events]


@dataclass(frozen=True)
class Answer:
    """What one attempt got: the receiver's status code, or why there was none."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(
    url: str, body: bytes, headers: dict[str, str], *, connect_timeout: float, read_timeout: float
) -> Answer:
    """One POST, redirects not followed (a receiver answers 2xx or it failed)."""
    parts = urlsplit(url)
    started = time.monotonic()
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname or "", parts.port, timeout=connect_timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=connect_timeout)

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        connection.connect()
        assert connection.sock is not None
        connection.sock.settimeout(read_timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(_MAX_ANSWER)
        error = None if 200 <= response.status < 300 else f"HTTP {response.status} {response.reason}".strip()
        return Answer(response.status, error, took())
    except TimeoutError:
        return Answer(None, "timed out", took())
    except (OSError, http.client.HTTPException) as exc:
        return Answer(None, f"{type(exc).__name__}: {exc}"[:300], took())
    finally:
        connection.close()


@dataclass(frozen=True)
class Receiver:
    """A configured recipient as the privacy page names it: the site, never the full URL (paths of hook URLs
    often hold tokens)."""

    origin: str
    events: tuple[str, ...]


class WebhookService:
    def __init__(
        self,
        store: Store,
        *,
        retry_schedule: Sequence[float],
        connect_timeout: float,
        read_timeout: float,
        rotation_grace: float,
        log_days: int,
        poll_interval: float,
    ) -> None:
        self._store = store
        self._schedule = tuple(retry_schedule)
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._grace = timedelta(seconds=rotation_grace)
        self._log_days = log_days
        self.poll_interval = poll_interval
        self._configured: bool | None = None
        self._configured_checked = 0.0
        self._pruned = 0.0

    # --- the admin page ------------------------------------------------------------------------

    def create(self, url: str, events: Sequence[str]) -> tuple[WebhookEndpointRecord, str]:
        """Registers an endpoint; returns it with its secret, which is shown to the admin this once."""
        fields: dict[str, str] = {}
        try:
            url = check_url(url)
        except ValueError as error:
            fields["url"] = error.args[0]  # the message itself (an N_ text: the admin page translates it)
        try:
            chosen = check_events(events)
        except ValueError as error:
            fields["events"] = error.args[0]
        if fields:
            raise InvalidPayload(" ".join(fields.values()), fields)
        secret = new_secret()
        endpoint = self._store.webhooks.create_endpoint(url, chosen, secret)
        self._configured = True
        return endpoint, secret

    def endpoints(self) -> list[WebhookEndpointRecord]:
        return self._store.webhooks.endpoints()

    def set_enabled(self, endpoint_id: int, enabled: bool) -> None:
        if not self._store.webhooks.set_enabled(endpoint_id, enabled):
            raise NotFoundError("That webhook endpoint no longer exists.")
        if enabled:
            self._configured = True

    def rotate(self, endpoint_id: int) -> str:
        """A new secret, returned to be shown once; the old one keeps signing for the grace period."""
        secret = new_secret()
        if not self._store.webhooks.rotate(endpoint_id, secret, old_until=_now() + self._grace):
            raise NotFoundError("That webhook endpoint no longer exists.")
        return secret

    def delete(self, endpoint_id: int) -> None:
        if not self._store.webhooks.delete_endpoint(endpoint_id):
            raise NotFoundError("That webhook endpoint no longer exists.")

    def deliveries(self, limit: int = 100) -> list[WebhookDeliveryRecord]:
        return self._store.webhooks.deliveries(limit=limit)

    def replay(self, delivery_id: str) -> None:
        if not self._store.webhooks.replay(delivery_id):
            raise NotFoundError(
                "That delivery is gone from the log, is being sent right now, or was an erasure already sent."
            )

    def receivers(self) -> list[Receiver]:
        """Who receives chat data by webhook, for the privacy page: the enabled endpoints' sites."""
        found: dict[str, set[str]] = {}
        for endpoint in self._store.webhooks.endpoints():
            if endpoint.enabled:
                parts = urlsplit(endpoint.url)
                found.setdefault(f"{parts.scheme}://{parts.netloc}", set()).update(endpoint.events)
        return [
            Receiver(origin, tuple(event for event in EVENTS if event in events))
            for origin, events in sorted(found.items())
        ]

    # --- the worker ----------------------------------------------------------------------------

    def configured(self, *, fresh: bool = False) -> bool:
        """Whether any endpoint is enabled: asked at most once per poll interval (the worker's wake-ups
        come with every change, and most sites have no webhooks)."""
        now = time.monotonic()
        if fresh or self._configured is None or now - self._configured_checked >= self.poll_interval:
            self._configured = self._store.webhooks.has_enabled()
            self._configured_checked = now
        return self._configured

    def deliver_due(self) -> int:
        """Claims what is due, sends it and records each attempt; returns how many were attempted."""
        lease = timedelta(seconds=_BATCH * (self._connect_timeout + self._read_timeout) + 30)
        due = self._store.webhooks.claim(_BATCH, lease=lease)
        for delivery in due:
            self._send(delivery)
        self._prune()
        return len(due)

    def seconds_until_due(self) -> float | None:
        """Seconds until the next pending delivery is due (0 if one is); ``None`` when nothing is pending."""
        due = self._store.webhooks.next_due()
        return None if due is None else max((due - _now()).total_seconds(), 0.0)

    def _send(self, delivery: WebhookDue) -> None:
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "user-agent": f"flask-livechat/{__version__} (webhooks)",
            "webhook-id": delivery.id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(delivery.secrets, delivery.id, timestamp, delivery.payload),
        }
        answer = post(
            delivery.url,
            delivery.payload.encode(),
            headers,
            connect_timeout=self._connect_timeout,
            read_timeout=self._read_timeout,
        )
        if answer.delivered:
            outcome, retry_at = "delivered", None
        elif delivery.attempts < len(self._schedule):
            outcome, retry_at = "pending", _now() + timedelta(seconds=self._schedule[delivery.attempts])
        else:
            outcome, retry_at = "failed", None
        blanked = self._store.webhooks.record_attempt(
            delivery.id,
            status_code=answer.status_code,
            error=answer.error,
            duration_ms=answer.duration_ms,
            outcome=outcome,
            retry_at=retry_at,
        )
        if blanked:  # a sent erasure: its ids leave the files too, as the erasure's own data did
            self._store.scrub()

    def _prune(self) -> None:
        """At most hourly: the log forgets finished deliveries after LIVECHAT_WEBHOOK_LOG_DAYS."""
        now = time.monotonic()
        if self._pruned and now - self._pruned < 3600:
            return
        self._pruned = now
        self._store.webhooks.prune(_now() - timedelta(days=self._log_days))


def _now() -> datetime:
    return datetime.now(UTC)
