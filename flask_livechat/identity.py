"""The visitor cookie: a random visitor id, signed and timestamped, never personal data.

Keys rotate through ``SECRET_KEY_FALLBACKS``: cookies signed with a fallback still verify, new cookies are
signed with ``SECRET_KEY``. A tampered, expired or foreign token simply means "no visitor yet".
"""

from __future__ import annotations

from flask import Flask, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer


def signer(app: Flask, salt: str) -> URLSafeTimedSerializer:
    """A serializer for one purpose (its own salt), honouring ``SECRET_KEY_FALLBACKS``."""
    # itsdangerous signs with the last key and verifies with all of them, newest first.
    keys = [*(app.config.get("SECRET_KEY_FALLBACKS") or []), app.config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt=salt)


def _serializer(app: Flask) -> URLSafeTimedSerializer:
    return signer(app, app.config["LIVECHAT_VISITOR_COOKIE_SALT"])


def visitor_token(app: Flask, visitor_id: str) -> str:
    return _serializer(app).dumps(visitor_id)


def visitor_id_from_token(app: Flask, token: str | None) -> str | None:
    if not token or len(token) > 512:
        return None
    try:
        visitor_id = _serializer(app).loads(token, max_age=app.config["LIVECHAT_VISITOR_COOKIE_MAX_AGE"])
    except BadSignature:  # also covers SignatureExpired and malformed payloads
        return None
    return visitor_id if isinstance(visitor_id, str) and 0 < len(visitor_id) <= 32 else None


def visitor_id_from_request(app: Flask, request: Request) -> str | None:
    return visitor_id_from_token(app, request.cookies.get(app.config["LIVECHAT_VISITOR_COOKIE_NAME"]))


def set_visitor_cookie(app: Flask, request: Request, response: Response, visitor_id: str) -> None:
    response.set_cookie(
        app.config["LIVECHAT_VISITOR_COOKIE_NAME"],
        visitor_token(app, visitor_id),
        max_age=app.config["LIVECHAT_VISITOR_COOKIE_MAX_AGE"],
        path="/",
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )
