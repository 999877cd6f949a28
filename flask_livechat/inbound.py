"""The shape every inbound payload must have before a schema looks at it, and the one JSON body parser.

Schemas check fields; this checks what no field could: nesting so deep that parsing or validating it recurses
past Python's limit (a 500 on HTTP, an ``internal`` ack on a socket), and text that no store can hold (NUL,
which PostgreSQL refuses, and lone surrogates, which no UTF-8 encoder accepts). Both HTTP views and socket
events go through it, so such input is a clear ``invalid`` error and nothing is stored.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, request

from .errors import InvalidPayload

#: No payload of ours nests deeper than a few levels; 32 leaves room and is far from the recursion limit.
MAX_DEPTH = 32


def payload_problem(payload: Any) -> str | None:
    """Why ``payload`` (decoded JSON) cannot be a payload of ours, or ``None``. Iterative: never recurses."""
    stack: list[tuple[Any, int]] = [(payload, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                return problem
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return f"The payload nests deeper than {MAX_DEPTH} levels."
            if isinstance(value, dict):
                stack.extend((key, depth) for key in value)
                stack.extend((item, depth + 1) for item in value.values())
            else:
                stack.extend((item, depth + 1) for item in value)
    return None


def text_problem(value: str) -> str | None:
    if "\x00" in value:
        return "Text may not contain NUL characters."
    if any("\ud800" <= character <= "\udfff" for character in value):
        return "Text may not contain unpaired surrogate characters."
    return None


def check_payload(payload: Any) -> None:
    problem = payload_problem(payload)
    if problem:
        raise InvalidPayload(problem, fields={"_schema": [problem]})


def _too_deep(text: str) -> bool:
    """Counts brackets outside strings, so depth is known before ``json.loads`` recurses into it."""
    depth = 0
    in_string = escaped = False
    for character in text:
        if in_string:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif character in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif character in "]}":
            depth -= 1
    return False


def _refuse(message: str) -> InvalidPayload:
    return InvalidPayload(message, fields={"_schema": [message]})


def json_body() -> Any:
    """The request's JSON body for every JSON view: a 400 ``invalid`` for a wrong content type, a body over
    ``LIVECHAT_MAX_HTTP_BUFFER_SIZE``, broken JSON, nesting past ``MAX_DEPTH`` or unstorable text; never a
    500 and never a traceback. Views call it before they store anything."""
    if not request.is_json:
        raise _refuse("Send JSON (Content-Type: application/json).")
    limit = current_app.config["LIVECHAT_MAX_HTTP_BUFFER_SIZE"]
    if request.content_length is not None and request.content_length > limit:
        raise _refuse(f"The request is too big: at most {limit} bytes of JSON.")
    raw = request.stream.read(limit + 1) if request.content_length is None else request.get_data(cache=True)
    if len(raw) > limit:
        raise _refuse(f"The request is too big: at most {limit} bytes of JSON.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse("The request body is not UTF-8.") from None
    if _too_deep(text):
        raise _refuse(f"The JSON nests deeper than {MAX_DEPTH} levels.")
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError):  # ValueError covers JSONDecodeError and over-long integers
        raise _refuse("The request body is not valid JSON.") from None
    check_payload(payload)
    return payload
