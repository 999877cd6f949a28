"""The page session token: who a visitor is for as long as one page stays open, cookie or not.

The widget gets it in the ``hello`` ack and keeps it in memory only. It re-identifies the visitor when the
socket reconnects and on the widget's HTTP calls (uploads, the leave-a-message form, attachment links),
so chat keeps working with cookies blocked or declined, without any recognition across visits.
"""

from __future__ import annotations

from flask import Flask, Request
from itsdangerous import BadSignature

from .identity import signer, visitor_id_from_request

HEADER = "X-LiveChat-Session"
MAX_AGE = 24 * 60 * 60


def session_token(app: Flask, visitor_id: str) -> str:
    return signer(app, app.config["LIVECHAT_SESSION_SALT"]).dumps(visitor_id)


def visitor_id_from_session(app: Flask, token: object) -> str | None:
    if not isinstance(token, str) or not token or len(token) > 512:
        return None
    try:
        visitor_id = signer(app, app.config["LIVECHAT_SESSION_SALT"]).loads(token, max_age=MAX_AGE)
    except BadSignature:
        return None
    return visitor_id if isinstance(visitor_id, str) and 0 < len(visitor_id) <= 32 else None


def visitor_of_request(app: Flask, request: Request, token: object = None) -> str | None:
    """The session token's visitor (header or ``token``) when valid, else the cookie's."""
    return visitor_id_from_session(app, token or request.headers.get(HEADER)) or visitor_id_from_request(
        app, request
    )
