"""Attachments: what may be uploaded, where the bytes go, and who may download them through which URL.

Bytes live in an ``AttachmentStorage``: by default a folder under the instance folder, or the host's own
object (``LIVECHAT_ATTACHMENT_STORAGE``). Links are signed with their own salt and expire; the download view
also checks that the requester takes part in the conversation.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, current_app
from itsdangerous import BadSignature

from ..errors import InvalidPayload
from ..identity import signer

#: Types shown inline as images. Anything else (SVG included: it can carry script) is a download.
INLINE_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})

_MAGIC: tuple[tuple[str, bytes, int], ...] = (
    ("image/png", b"\x89PNG\r\n\x1a\n", 0),
    ("image/jpeg", b"\xff\xd8\xff", 0),
    ("image/gif", b"GIF87a", 0),
    ("image/gif", b"GIF89a", 0),
    ("image/webp", b"WEBP", 8),
    ("application/pdf", b"%PDF-", 0),
)
_EXTENSIONS = {
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".zip": "application/zip",
    ".json": "application/json",
}


class AttachmentStorage(Protocol):
    """Where attachment bytes live. ``key`` is random and URL-safe; ``load`` answers ``None`` when gone."""

    def save(self, key: str, data: bytes) -> None: ...

    def load(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None:
        """Removes the bytes for good (erasure, retention); a missing key is not an error."""


class FolderStorage:
    """The default storage: one file per attachment in a folder (``instance/livechat-attachments``)."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def _path(self, key: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", key):
            raise ValueError("not an attachment key")
        return os.path.join(self.folder, key)

    def save(self, key: str, data: bytes) -> None:
        os.makedirs(self.folder, exist_ok=True)
        with open(self._path(key), "xb") as handle:
            handle.write(data)

    def load(self, key: str) -> bytes | None:
        try:
            with open(self._path(key), "rb") as handle:
                return handle.read()
        except (FileNotFoundError, ValueError):
            return None

    def delete(self, key: str) -> None:
        try:
            os.remove(self._path(key))
        except (FileNotFoundError, ValueError):
            pass


def storage_for(app: Flask) -> AttachmentStorage:
    custom: AttachmentStorage | None = app.config["LIVECHAT_ATTACHMENT_STORAGE"]
    if custom is not None:
        return custom
    folder = app.config["LIVECHAT_ATTACHMENT_FOLDER"] or os.path.join(
        app.instance_path, "livechat-attachments"
    )
    return FolderStorage(folder)


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


def clean_filename(name: str | None) -> str:
    """The last path part, without control characters, at most 200 characters; "file" when nothing is left."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C")
    base = base.strip().strip(".")
    if len(base) > 200:
        stem, extension = os.path.splitext(base)
        base = stem[: 200 - len(extension[:20])] + extension[:20]
    return base or "file"


def sniff(data: bytes) -> str | None:
    for content_type, magic, offset in _MAGIC:
        if data[offset : offset + len(magic)] == magic and (
            content_type != "image/webp" or data[:4] == b"RIFF"
        ):
            return content_type
    return None


def check_upload(filename: str | None, declared_type: str | None, data: bytes) -> Upload:
    """The type comes from the bytes for images and PDFs, from the name for the rest: never just believed."""
    config = current_app.config
    name = clean_filename(filename)
    if not data:
        raise InvalidPayload("The file is empty.", fields={"file": ["The file is empty."]})
    if len(data) > config["LIVECHAT_ATTACHMENT_MAX_SIZE"]:
        message = f"The file is too big: at most {config['LIVECHAT_ATTACHMENT_MAX_SIZE']} bytes."
        raise InvalidPayload(message, fields={"file": [message]})
    sniffed = sniff(data)
    declared = (declared_type or "").split(";")[0].strip().lower()
    by_name = _EXTENSIONS.get(os.path.splitext(name)[1].lower())
    if sniffed is not None:
        content_type = sniffed
    elif declared in INLINE_IMAGES or declared == "application/pdf" or (by_name or declared) in INLINE_IMAGES:
        message = "The file's content does not match its type."
        raise InvalidPayload(message, fields={"file": [message]})
    else:
        content_type = by_name or declared or "application/octet-stream"
    if content_type not in config["LIVECHAT_ATTACHMENT_TYPES"]:
        message = f"Files of type {content_type} cannot be sent here."
        raise InvalidPayload(message, fields={"file": [message]})
    return Upload(filename=name, content_type=content_type, data=data)


def new_storage_key() -> str:
    return secrets.token_urlsafe(24)


def _link_signer(app: Flask) -> Any:
    return signer(app, app.config["LIVECHAT_ATTACHMENT_SALT"])


def link_token(app: Flask, attachment_id: str, conversation_id: str) -> str:
    return str(_link_signer(app).dumps({"a": attachment_id, "c": conversation_id}))


def verify_link(app: Flask, attachment_id: str, token: str | None) -> str | None:
    """The conversation id a valid, unexpired link grants, or ``None``."""
    if not token or len(token) > 512:
        return None
    try:
        claims = _link_signer(app).loads(token, max_age=app.config["LIVECHAT_ATTACHMENT_URL_MAX_AGE"])
    except BadSignature:
        return None
    if (
        not isinstance(claims, dict)
        or claims.get("a") != attachment_id
        or not isinstance(claims.get("c"), str)
    ):
        return None
    return str(claims["c"])
