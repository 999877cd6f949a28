"""Cross-site requests: the one same-origin check and the one CSRF token scheme of the extension.

Our cookies are SameSite=Lax, so a cross-site form post arrives without them. That is no defence by itself: a
request without the visitor cookie is simply "a new visitor", and the consent and erasure forms set and clear
cookies on exactly such a request. So every state-changing request (POST, PUT, PATCH, DELETE) to any
blueprint of ours passes ``refuse_cross_site`` first, and every HTML form carries a token bound to a secret in
the host's session (which a foreign page can neither read nor make the browser send cross-site).

The same-origin rule: ``Sec-Fetch-Site`` (set by the browser, a page cannot forge it) must say
``same-origin`` (or ``none``: typed by the user); browsers without it are judged by ``Origin`` against this
request's own origin. ``LIVECHAT_ALLOWED_ORIGINS`` adds origins (the same list the sockets accept). A request
with neither header is not from a browser page, and is left to the CSRF token or the JSON content type.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Any

from flask import Blueprint, Flask, abort, current_app, request, session

from .errors import ForbiddenError
from .identity import sign, unsign

logger = logging.getLogger("flask_livechat")

TOKEN_MAX_AGE = 2 * 60 * 60
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SESSION_KEY = "_livechat_csrf"
_FETCH_SITE_OK = frozenset({"same-origin", "none"})


class CrossSiteRequest(ForbiddenError):
    """A state-changing request another site's page made the browser send."""

    message = (
        "This request came from another site, so it was refused and nothing changed. "
        "Use the form on this site's own page."
    )


# -- the same-origin check ------------------------------------------------------------------------------


def _origin(value: str) -> str:
    return value.strip().rstrip("/").lower()


def allowed_origins(app: Flask) -> frozenset[str]:
    """The origins besides the request's own that may post to us (``LIVECHAT_ALLOWED_ORIGINS``)."""
    configured: Any = app.config["LIVECHAT_ALLOWED_ORIGINS"]
    if not configured:
        return frozenset()
    if isinstance(configured, str):
        configured = [configured]
    return frozenset(_origin(str(origin)) for origin in configured)


def cross_site_reason() -> str | None:
    """Why this request counts as cross-site; ``None`` when it comes from our own origin (or no browser)."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    allowed = origin is not None and _origin(origin) in allowed_origins(current_app)
    if fetch_site is not None:
        if fetch_site.lower() in _FETCH_SITE_OK or allowed:
            return None
        return f"the browser says it is {fetch_site} (Origin: {origin or 'none'})"
    if origin is None or allowed or _origin(origin) == _origin(request.host_url):
        return None
    return f"its Origin is {origin}"


def any_site(view: Any) -> Any:
    """Marks a view that takes state-changing requests from anywhere because its URL is its credential:
    the unsubscribe link, whose RFC 8058 one-click POST a mail client sends from wherever it runs."""
    view.livechat_any_site = True
    return view


def refuse_cross_site() -> None:
    """``before_request`` of every blueprint of ours: state changes only from our own pages."""
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method in STATE_CHANGING and not getattr(view, "livechat_any_site", False):
        reason = cross_site_reason()
        if reason is not None:
            logger.info("flask-livechat: refused %s %s: %s", request.method, request.path, reason)
            raise CrossSiteRequest()


def protect_blueprint(blueprint: Blueprint) -> None:
    blueprint.before_request(refuse_cross_site)


def require_json() -> None:
    """JSON endpoints take only ``application/json``: a cross-site page cannot send it without a preflight."""
    if not request.is_json:
        abort(415, "Send application/json.")


# -- CSRF tokens for our HTML forms ---------------------------------------------------------------------


def _session_secret(*, create: bool) -> str | None:
    secret = session.get(_SESSION_KEY)
    if isinstance(secret, str) and secret:
        return secret
    if not create:
        return None
    secret = secrets.token_urlsafe(32)
    session[_SESSION_KEY] = secret
    return secret


def csrf_token(scope: str) -> str:
    """A token for one form: bound to this browser's host session and to ``scope`` (who the form acts for,
    e.g. ``admin:7`` or the privacy subject), signed and short-lived."""
    secret = _session_secret(create=True)
    return sign(current_app, "csrf", {"k": secret, "s": scope})


def valid_csrf(token: str | None, scope: str) -> bool:
    """Whether ``token`` is one this browser's session got for ``scope`` (and has not expired)."""
    claims = unsign(current_app, "csrf", token, TOKEN_MAX_AGE)
    secret = _session_secret(create=False)
    return not (
        secret is None
        or not isinstance(claims, dict)
        or not isinstance(claims.get("k"), str)
        or not hmac.compare_digest(claims["k"], secret)
        or claims.get("s") != scope
    )


def check_csrf(scope: str) -> None:
    """Refuses (400) a form without the token this browser's session got for ``scope``."""
    if not valid_csrf(request.form.get("csrf_token"), scope):
        abort(400, "The form expired or did not come from this site: reload the page and try again.")
