"""The API's errors as RFC 9457 problem documents, and the body and query readers that produce the 4xx ones.

Malformed input (not JSON, broken JSON, too deep, unstorable text) is a 400; a body over the size limit a 413;
JSON of the wrong shape or values a 422 with the fields at fault. Never a 500 for anything a client sends.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Response, current_app, json, request
from marshmallow import Schema
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge, UnprocessableEntity

from ...errors import InvalidPayload, LiveChatError, RateLimited
from ...inbound import json_body
from ...schemas import load

PROBLEM_TYPE = "application/problem+json"


class Malformed(InvalidPayload):
    """A body that is not JSON we can read at all (400)."""

    error_code = "malformed"


class Unprocessable(LiveChatError, UnprocessableEntity):
    """Well-formed JSON (or a query string) with wrong fields or values (422)."""

    error_code = "invalid"
    message = "The request is not valid: see fields."


class TooLarge(LiveChatError, RequestEntityTooLarge):
    error_code = "too_large"


def problem(status: int, code: str, detail: str, fields: dict[str, Any] | None = None) -> Response:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "fields": fields or {},
    }
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    response.headers["Cache-Control"] = "no-store"
    return response


def livechat_problem(error: LiveChatError) -> Response:
    status = error.code if isinstance(error, HTTPException) and error.code else 500
    if isinstance(error, InvalidPayload) and not isinstance(error, Malformed):
        status = 422  # a service or schema refusing a value; malformed bodies stay 400
    response = problem(status, error.error_code, error.message, error.fields)
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    for name, value in getattr(error, "api_headers", {}).items():
        response.headers[name] = value
    return response


_CODES = {
    400: "malformed",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
}


def http_problem(error: HTTPException) -> Response:
    status = error.code or 500
    response = problem(status, _CODES.get(status, "error"), error.description or error.name)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response


def body(schema: Schema) -> dict[str, Any]:
    """The request's JSON body loaded with ``schema``: 413, 400 or 422 as the module docstring says."""
    limit = current_app.config["LIVECHAT_MAX_HTTP_BUFFER_SIZE"]
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge(f"The request is too big: at most {limit} bytes of JSON.")
    try:
        payload = json_body()
    except InvalidPayload as error:
        raise Malformed(error.message, error.fields) from None
    return loaded(schema, payload)


def query(schema: Schema) -> dict[str, Any]:
    """The query string loaded with ``schema`` (one value per name; a repeated name is refused)."""
    args = request.args
    repeated = sorted(name for name in args if len(args.getlist(name)) > 1)
    if repeated:
        raise Unprocessable(fields={name: ["Give this parameter once."] for name in repeated})
    return loaded(schema, args.to_dict())


def loaded(schema: Schema, payload: Any) -> dict[str, Any]:
    try:
        return load(schema, payload)
    except InvalidPayload as error:
        raise Unprocessable(error.message, error.fields) from None
