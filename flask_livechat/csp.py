"""Our own pages (console, admin, privacy, unsubscribe) send a strict Content-Security-Policy and refuse to be
framed, whatever the host's policy is: they show personal data and take staff actions.

A host's app-wide ``after_request`` (Flask-Talisman's, or its own) runs after a blueprint's and would replace
them, so the headers we set are also remembered for the request and put back by ``keep_own_headers``, the
app's last ``after_request``, in whichever order the host set things up."""

from __future__ import annotations

import secrets

from flask import Blueprint, Flask, Response, g


def page_nonce() -> str:
    """One nonce per response, for the page's own ``<script>`` and ``<style>`` tags."""
    nonce: str = g.setdefault("livechat_nonce", secrets.token_urlsafe(18))
    return nonce


def own_headers(response: Response, headers: dict[str, str]) -> Response:
    """Sets security headers of ours that no host hook may replace on this response."""
    kept: dict[str, str] = g.setdefault("_livechat_own_headers", {})
    kept.update(headers)
    for name, value in headers.items():
        response.headers[name] = value
    return response


def keep_own_headers(response: Response) -> Response:
    """The app's last ``after_request``: our headers again, over whatever a host hook set after ours."""
    for name, value in g.get("_livechat_own_headers", {}).items():
        response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    # Flask runs an app's after_request functions last-registered first: index 0 runs after all others,
    # including those a host (Flask-Talisman) registers after us.
    app.after_request_funcs.setdefault(None, []).insert(0, keep_own_headers)


def strict_headers(response: Response) -> Response:
    nonce = page_nonce()
    policy = "; ".join(
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
    return own_headers(
        response,
        {
            "Content-Security-Policy": policy,
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
        },
    )


def protect(blueprint: Blueprint) -> None:
    """Sends the strict headers on every response of ``blueprint`` and gives its templates ``csp_nonce``."""
    blueprint.after_request(strict_headers)
    blueprint.context_processor(lambda: {"csp_nonce": page_nonce()})
