"""Attachments: what may be uploaded, where the bytes go, and who may download them through which URL.

Bytes live in an ``AttachmentStorage``: by default a folder under the instance folder, or the host's own
object (``LIVECHAT_ATTACHMENT_STORAGE``). Links are signed with their own salt (``LIVECHAT_ATTACHMENT_SALT``),
expire after ``LIVECHAT_ATTACHMENT_URL_MAX_AGE`` and name one attachment of one conversation. There are two
kinds. A plain link opens only for the conversation's visitor by their cookie, and for staff exactly as they
may see the conversation (the download view asks the same function as the conversation itself), so a leaked
plain link is useless. A visitor who chats without our cookie has nothing an ``<img>`` could send, so their
own links (``links_for_visitor``) name them and open without a cookie: a short-lived capability for that one
file, instead of the page session token that used to ride in the URL.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, current_app, has_request_context, request
from itsdangerous import BadSignature

from ..errors import InvalidPayload
from ..identity import signer, visitor_id_from_request
from ..widget_config import human_size
from .redact import clean

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
#: The type each extension we can check stands for; ``LIVECHAT_ATTACHMENT_EXTENSIONS`` picks among these.
KNOWN_EXTENSIONS: dict[str, str] = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "txt": "text/plain",
    "csv": "text/csv",
}
_TEXT_TYPES = frozenset({"text/plain", "text/csv"})

#: Extensions that run code or render active content when opened, anywhere in a name ("invoice.pdf.bat",
#: "statement.html.pdf"): never accepted, whatever the configuration says.
ACTIVE_EXTENSIONS = frozenset(
    {
        "htm", "html", "xhtml", "shtml", "mht", "mhtml", "svg", "svgz", "xml", "xsl", "xslt",
        "js", "mjs", "cjs", "jse", "hta", "bat", "cmd", "com", "exe", "msi", "msp", "scr", "pif", "cpl",
        "dll", "sys", "ps1", "psm1", "psd1", "vb", "vbs", "vbe", "wsf", "wsh", "wsc", "jar", "class",
        "sh", "bash", "zsh", "csh", "ksh", "command", "app", "apk", "dmg", "pkg", "deb", "rpm", "iso",
        "img", "lnk", "url", "scf", "reg", "inf", "chm", "hlp", "gadget", "application", "appref-ms",
        "php", "phtml", "asp", "aspx", "jsp", "cgi", "pl", "py", "pyw", "rb", "swf", "docm", "xlsm",
        "pptm", "dotm", "xlam", "ppam", "ics", "desktop",
    }
)  # fmt: skip


def check_extensions(extensions: object) -> tuple[str, ...]:
    """``LIVECHAT_ATTACHMENT_EXTENSIONS`` as lower-case extensions; ``ValueError`` for one we cannot check
    against the file's content, or an active one."""
    if isinstance(extensions, str) or not isinstance(extensions, list | tuple | set | frozenset):
        raise ValueError("list extensions such as ['png', 'pdf', 'txt']")
    cleaned = tuple(str(extension).lower().lstrip(".") for extension in extensions)
    for extension in cleaned:
        if extension in ACTIVE_EXTENSIONS:
            raise ValueError(f"{extension!r} files can run code when opened and are never accepted")
        if extension not in KNOWN_EXTENSIONS:
            known = ", ".join(sorted(KNOWN_EXTENSIONS))
            raise ValueError(f"{extension!r} cannot be checked against the file's content (known: {known})")
    return cleaned


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
    return clean(base) or "file"


def sniff(data: bytes) -> str | None:
    for content_type, magic, offset in _MAGIC:
        if data[offset : offset + len(magic)] == magic and (
            content_type != "image/webp" or data[:4] == b"RIFF"
        ):
            return content_type
    return None


def _refuse(message: str) -> InvalidPayload:
    return InvalidPayload(message, fields={"file": [message]})


def type_for_name(name: str, allowed: tuple[str, ...]) -> str | None:
    """The type a file name promises, or ``None`` when no part of it is active and its extension is allowed.

    Every dotted part after the first counts, so a double extension cannot hide an active one."""
    parts = [part.strip().lower() for part in name.split(".")[1:]]
    if not parts or any(part in ACTIVE_EXTENSIONS for part in parts):
        return None
    extension = parts[-1]
    return KNOWN_EXTENSIONS[extension] if extension in allowed and extension in KNOWN_EXTENSIONS else None


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def check_upload(filename: str | None, declared_type: str | None, data: bytes) -> Upload:
    """The type comes from the name's extension (allow-listed, no active part anywhere) and must match the
    bytes: a PNG signature for ``.png``, valid UTF-8 without NUL for ``.txt``. The declared type is never
    believed (browsers derive it from the name anyway)."""
    config = current_app.config
    name = clean_filename(filename)
    if not data:
        raise _refuse("The file is empty.")
    if len(data) > config["LIVECHAT_ATTACHMENT_MAX_SIZE"]:
        raise _refuse(f"The file is too big: at most {human_size(config['LIVECHAT_ATTACHMENT_MAX_SIZE'])}.")
    allowed = check_extensions(config["LIVECHAT_ATTACHMENT_EXTENSIONS"])
    content_type = type_for_name(name, allowed)
    if content_type is None or content_type not in config["LIVECHAT_ATTACHMENT_TYPES"]:
        types = config["LIVECHAT_ATTACHMENT_TYPES"]
        listed = ", ".join(extension for extension in allowed if KNOWN_EXTENSIONS[extension] in types)
        raise _refuse(f"Files like {name} cannot be sent here; send {listed} files.")
    sniffed = sniff(data)
    matches = _is_text(data) and sniffed is None if content_type in _TEXT_TYPES else sniffed == content_type
    if not matches:
        raise _refuse("The file's content does not match its type.")
    return Upload(filename=name, content_type=content_type, data=data)


def download_name(filename: str, content_type: str) -> str:
    """The name a file is served under: its own when it passes today's name rules for its type, otherwise
    (a file stored before them, such as ``statement.html`` kept as text) the stem with an extension of its
    type, so a download never lands on disk as something that runs."""
    name = clean_filename(filename)
    if type_for_name(name, tuple(KNOWN_EXTENSIONS)) == content_type:
        return name
    extension = next((ext for ext, known in KNOWN_EXTENSIONS.items() if known == content_type), "bin")
    stem = name.replace(".", "_")
    return f"{stem}.{extension}"


def new_storage_key() -> str:
    return secrets.token_urlsafe(24)


def _link_signer(app: Flask) -> Any:
    return signer(app, app.config["LIVECHAT_ATTACHMENT_SALT"])


#: The visitor whose own links ``describe`` makes right now (inside ``links_for_visitor``); else staff links.
_link_audience: ContextVar[str | None] = ContextVar("livechat_attachment_link_audience", default=None)


@contextmanager
def links_for_visitor(visitor_id: str, *, has_cookie: bool | None = None) -> Iterator[None]:
    """Messages dumped inside this block are for ``visitor_id``, the conversation's visitor. When the current
    request (their socket's handshake, their upload) has no cookie of theirs, the links name them and open
    without one; with the cookie, the links stay plain (the cookie proves who they are). Someone else's
    request (an agent's upload, pushed to the visitor) says with ``has_cookie`` what the visitor has."""
    if has_cookie is not None:
        cookieless = not has_cookie
    else:
        cookieless = has_request_context() and visitor_id_from_request(current_app, request) != visitor_id
    token = _link_audience.set(visitor_id if cookieless else None)
    try:
        yield
    finally:
        _link_audience.reset(token)


@dataclass(frozen=True)
class Link:
    """What a valid link grants: one attachment of ``conversation_id``; ``visitor_id`` when it was made for a
    visitor without a cookie (``None``: a plain link, for the visitor's cookie and for staff)."""

    conversation_id: str
    visitor_id: str | None


def link_token(app: Flask, attachment_id: str, conversation_id: str, visitor_id: str | None = None) -> str:
    claims = {"a": attachment_id, "c": conversation_id}
    if visitor_id is not None:
        claims["v"] = visitor_id
    return str(_link_signer(app).dumps(claims))


def verify_link(app: Flask, attachment_id: str, token: str | None) -> Link | None:
    """What a valid, unexpired link for ``attachment_id`` grants, or ``None``."""
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
        or not isinstance(claims.get("v", ""), str)
    ):
        return None
    return Link(conversation_id=claims["c"], visitor_id=claims.get("v"))


def link_audience() -> str | None:
    """The visitor whose own links are being made (inside ``links_for_visitor``), else ``None`` (plain)."""
    return _link_audience.get()
