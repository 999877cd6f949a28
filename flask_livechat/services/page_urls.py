"""What is kept of a page's address and of its referrer: no query string unless the host allows a parameter.

Query strings carry what must not be stored (``?email=…&reset_token=…``, a search engine's ``?q=…``), so a
page URL keeps its origin and path plus only the parameters named in ``LIVECHAT_URL_QUERY_ALLOWLIST``, and a
referrer keeps its origin and path. Fragments and user info are always dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import current_app, has_app_context


def _origin_and_path(url: str) -> tuple[str, str, str] | None:
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    netloc = host if port is None else f"{host}:{port}"
    if ":" in host:
        netloc = f"[{host}]" if port is None else f"[{host}]:{port}"
    return parts.scheme, netloc, parts.path or "/"


def page_url(url: str, allowed: Iterable[str] | None = None) -> str:
    """``https://shop.example/reset?email=a@b&tab=2`` → ``https://shop.example/reset?tab=2`` when ``tab`` is
    allowed; a relative or strange URL keeps its path only."""
    if allowed is None:
        allowed = current_app.config["LIVECHAT_URL_QUERY_ALLOWLIST"] if has_app_context() else ()
    keep = set(allowed)
    found = _origin_and_path(url)
    if found is None:
        path = url.split("#", 1)[0].split("?", 1)[0]
        return path[:2048]
    scheme, netloc, path = found
    pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    query = urlencode([(key, value) for key, value in pairs if key in keep])
    return urlunsplit((scheme, netloc, path, query, ""))[:2048]


def referrer(url: str | None) -> str | None:
    """Origin and path only: ``https://search.example/search?q=my+illness`` → ``https://search.example/search``."""
    if not url:
        return None
    found = _origin_and_path(url)
    if found is None:
        return None
    scheme, netloc, path = found
    return urlunsplit((scheme, netloc, path, "", ""))[:2048]
