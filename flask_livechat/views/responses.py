"""The one shape of an HTTP error from our JSON endpoints: the socket ack's shape, with the HTTP status."""

from __future__ import annotations

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

from ..errors import LiveChatError, RateLimited


def error_response(error: LiveChatError) -> tuple[Response, int]:
    response = jsonify(error.to_ack())
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    status = error.code if isinstance(error, HTTPException) and error.code else 500
    return response, status
