"""Opaque page cursors: where the last page ended, so the next one starts right after it."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime

from .problems import Unprocessable

_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str, kind: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith(kind + ":"):
        raise Unprocessable(fields={"cursor": ["Not a cursor of this list: pass next_cursor as it came."]})
    return text[len(kind) + 1 :]


def conversation_cursor(created_at: datetime, conversation_id: str) -> str:
    return _encode(f"c:{created_at.astimezone(UTC).isoformat()}|{conversation_id}")


def read_conversation_cursor(cursor: str) -> tuple[datetime, str]:
    created, _, conversation_id = _decode(cursor, "c").partition("|")
    try:
        at = datetime.fromisoformat(created)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None or not _ID.match(conversation_id):
        raise Unprocessable(fields={"cursor": ["Not a cursor of this list: pass next_cursor as it came."]})
    return at, conversation_id


def message_cursor(seq: int) -> str:
    return _encode(f"m:{seq}")


def read_message_cursor(cursor: str) -> int:
    seq = _decode(cursor, "m")
    if not re.fullmatch(r"[0-9]{1,15}", seq):
        raise Unprocessable(fields={"cursor": ["Not a cursor of this list: pass next_cursor as it came."]})
    return int(seq)
