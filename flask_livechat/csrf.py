"""CSRF tokens for our HTML forms: signed, bound to who is submitting, and short-lived.

JSON endpoints need none: browsers cannot send ``application/json`` cross-site without a CORS preflight we
never answer, and we also check ``Origin``.
"""

from __future__ import annotations

from flask import abort, current_app, request

from .identity import sign, unsign

TOKEN_MAX_AGE = 2 * 60 * 60


def csrf_token(binding: str) -> str:
    return sign(current_app, "privacy-form", binding)


def check_csrf(binding: str) -> None:
    token = request.form.get("csrf_token")
    if unsign(current_app, "privacy-form", token, TOKEN_MAX_AGE) != binding:
        abort(400, "The form expired or did not come from this site: reload the page and try again.")


def check_same_origin_json() -> None:
    """For JSON APIs that change state: JSON only, and from our own origin when the browser says."""
    if not request.is_json:
        abort(415, "Send application/json.")
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") != request.host_url.rstrip("/"):
        abort(403, "Cross-origin requests are not accepted.")
