"""Signed cookies and tokens: the visitor cookie, the consent cookie, and links in emails.

Every token is a URLSafeTimedSerializer with a salt per purpose, so a token made for one purpose (say an
unsubscribe link) is never accepted for another (say the visitor cookie). Keys rotate through
``SECRET_KEY_FALLBACKS``: tokens signed with a fallback still verify, new ones use ``SECRET_KEY``.
The visitor cookie holds a random visitor id, never personal data; a tampered, expired or foreign token
simply means "no visitor yet". A browser's first page view gets a *pending* cookie: an id with no visitor row
behind it yet, because a request without our cookie may be a bot or a flood; the row is made when the browser
brings the cookie back (capture.py, the chat's socket).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import Flask, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

#: Salts of the purposes other than the visitor cookie (whose salt is configurable).
PURPOSES = {
    "consent": "flask-livechat.consent",
    "unsubscribe": "flask-livechat.unsubscribe",
    "csrf": "flask-livechat.csrf",
    "transcript-confirm": "flask-livechat.transcript-confirm",
}

#: Purposes of keyed digests: each has its own key derived from ``SECRET_KEY``, so a digest made for one
#: purpose (a mail suppression) cannot be matched against another's (an audit subject).
DIGEST_PURPOSES = {
    "mail-suppression": b"flask-livechat.mail-suppression.v1",
    "audit-subject": b"flask-livechat.audit-subject.v1",
    "transcript-address": b"flask-livechat.transcript-address.v1",
}


def keyed_digests(app: Flask, purpose: str, value: str) -> list[str]:
    """HMAC-SHA256 of ``value`` under a key derived for ``purpose`` from ``SECRET_KEY`` (first) and each of
    ``SECRET_KEY_FALLBACKS``: a lookup tries them all, so rotating the key does not forget what was kept."""
    label = DIGEST_PURPOSES[purpose]
    digests = []
    for secret in [app.config["SECRET_KEY"], *(app.config.get("SECRET_KEY_FALLBACKS") or [])]:
        raw = secret if isinstance(secret, bytes) else str(secret).encode()
        key = hmac.new(raw, label, hashlib.sha256).digest()
        digests.append(hmac.new(key, value.encode(), hashlib.sha256).hexdigest())
    return digests


def keyed_digest(app: Flask, purpose: str, value: str) -> str:
    """The digest under the current ``SECRET_KEY`` (what is stored from now on)."""
    return keyed_digests(app, purpose, value)[0]


def signer(app: Flask, salt: str) -> URLSafeTimedSerializer:
    """A serializer for one purpose (its own salt), honouring ``SECRET_KEY_FALLBACKS``."""
    # itsdangerous signs with the last key and verifies with all of them, newest first.
    keys = [*(app.config.get("SECRET_KEY_FALLBACKS") or []), app.config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt=salt)


def _serializer(app: Flask, purpose: str) -> URLSafeTimedSerializer:
    salt = app.config["LIVECHAT_VISITOR_COOKIE_SALT"] if purpose == "visitor" else PURPOSES[purpose]
    return signer(app, salt)


def sign(app: Flask, purpose: str, value: Any) -> str:
    return _serializer(app, purpose).dumps(value)


def unsign(app: Flask, purpose: str, token: str | None, max_age: int | None) -> Any | None:
    """The signed value, or ``None`` for anything tampered, expired, oversized or made for another purpose."""
    if not token or len(token) > 2048:
        return None
    try:
        return _serializer(app, purpose).loads(token, max_age=max_age)
    except BadSignature:  # also covers SignatureExpired and malformed payloads
        return None


def visitor_token(app: Flask, visitor_id: str, *, pending: bool = False) -> str:
    return sign(app, "visitor", {"pending": visitor_id} if pending else visitor_id)


def read_visitor_token(app: Flask, token: str | None) -> tuple[str, bool] | None:
    """The visitor id in a cookie and whether it is still pending (no row yet), or ``None``."""
    value = unsign(app, "visitor", token, app.config["LIVECHAT_VISITOR_COOKIE_MAX_AGE"])
    pending = isinstance(value, dict)
    if isinstance(value, dict):
        value = value.get("pending")
    return (value, pending) if isinstance(value, str) and 0 < len(value) <= 32 else None


def visitor_id_from_token(app: Flask, token: str | None) -> str | None:
    found = read_visitor_token(app, token)
    return found[0] if found else None


def visitor_cookie(app: Flask, request: Request) -> tuple[str, bool] | None:
    """``(visitor id, pending)`` from the request's visitor cookie, or ``None`` without a valid one."""
    return read_visitor_token(app, request.cookies.get(app.config["LIVECHAT_VISITOR_COOKIE_NAME"]))


def visitor_id_from_request(app: Flask, request: Request) -> str | None:
    return visitor_id_from_token(app, request.cookies.get(app.config["LIVECHAT_VISITOR_COOKIE_NAME"]))


def set_cookie(app: Flask, request: Request, response: Response, name: str, value: str) -> None:
    """Our cookies are all alike: HttpOnly, SameSite=Lax, Secure under HTTPS, no Domain, bounded lifetime."""
    response.set_cookie(
        name,
        value,
        max_age=app.config["LIVECHAT_VISITOR_COOKIE_MAX_AGE"],
        path="/",
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )


def set_visitor_cookie(
    app: Flask, request: Request, response: Response, visitor_id: str, *, pending: bool = False
) -> None:
    token = visitor_token(app, visitor_id, pending=pending)
    set_cookie(app, request, response, app.config["LIVECHAT_VISITOR_COOKIE_NAME"], token)


def clear_visitor_cookie(app: Flask, request: Request, response: Response) -> None:
    response.delete_cookie(
        app.config["LIVECHAT_VISITOR_COOKIE_NAME"],
        path="/",
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )
