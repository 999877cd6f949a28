"""Our own pages (console, admin, privacy, unsubscribe) send a strict Content-Security-Policy and refuse to be
framed, whatever the host's policy is: they show personal data and take staff actions."""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, g


def page_nonce() -> str:
    """One nonce per response, for the page's own ``<script>`` and ``<style>`` tags."""
    nonce: str = g.setdefault("livechat_nonce", secrets.token_urlsafe(18))
    return nonce


def strict_headers(response: Response) -> Response:
    nonce = page_nonce()
    response.headers["Content-Security-Policy"] = "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data: blob:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "require-trusted-types-for 'script'",
            "trusted-types livechat",
        )
    )
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def protect(blueprint: Blueprint) -> None:
    """Sends the strict headers on every response of ``blueprint`` and gives its templates ``csp_nonce``."""
    blueprint.after_request(strict_headers)
    blueprint.context_processor(lambda: {"csp_nonce": page_nonce()})
