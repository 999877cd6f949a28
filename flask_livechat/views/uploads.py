"""What the visitor's and the agent's upload views share: the body limit and storing the checked bytes, so
both routes put files through the same checks, the same storage and the same clean-up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from ..errors import InvalidPayload
from ..services import attachments
from ..store import StoredMessage


def limit_body(limit: int) -> None:
    """This request's body limit, before the form is parsed. Flask 3.1+ enforces it while reading; Flask 3.0
    has no per-request setting, so there the declared length is checked (werkzeug reads no further than it)
    and a body without one is refused."""
    try:
        request.max_content_length = limit
    except AttributeError:  # Flask 3.0: a read-only property
        declared = request.content_length
        if declared is None or declared > limit:
            raise RequestEntityTooLarge() from None


def form_file(app: Any) -> tuple[FileStorage, str]:
    """The ``file`` and ``client_id`` of an upload form, read within the attachment size limit."""
    limit_body(app.config["LIVECHAT_ATTACHMENT_MAX_SIZE"] + 64 * 1024)
    file = request.files.get("file")
    client_id = request.form.get("client_id", "")
    if file is None:
        raise InvalidPayload(fields={"file": ["Attach one file in the 'file' field."]})
    if not (8 <= len(client_id) <= 64 and client_id.replace("-", "").replace("_", "").isalnum()):
        raise InvalidPayload(fields={"client_id": ["Use 8 to 64 letters, digits, '-' or '_'."]})
    return file, client_id


def store_checked(
    app: Any, checked: attachments.Upload, add: Callable[[str], StoredMessage]
) -> StoredMessage:
    """Saves the bytes, then ``add(storage_key)`` stores the message naming them; the bytes go again when
    nothing refers to them (the store refused, or a retried upload whose first copy is the one kept)."""
    key = attachments.new_storage_key()
    storage = attachments.storage_for(app)
    storage.save(key, checked.data)
    try:
        stored = add(key)
    except BaseException:
        storage.delete(key)
        raise
    if stored.duplicate:
        storage.delete(key)
    return stored
