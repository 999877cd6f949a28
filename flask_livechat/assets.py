"""The built bundles, fingerprinted and gzipped once per file version, so browsers can cache a versioned URL
for a year and every host page pays the compressed size (issue 15, point 8)."""

from __future__ import annotations

import gzip
import hashlib
import os
from dataclasses import dataclass

from flask import url_for

FOLDER = os.path.join(os.path.dirname(__file__), "static", "livechat")

#: What we ship and how it is typed; anything else under the folder is not served.
_TYPES = {
    "loader.js": "text/javascript; charset=utf-8",
    "widget.js": "text/javascript; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "reports.js": "text/javascript; charset=utf-8",
    "emoji.js": "text/javascript; charset=utf-8",
    "icon.svg": "image/svg+xml",
    "admin.css": "text/css; charset=utf-8",
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    fingerprint: str
    mimetype: str


_cache: dict[str, tuple[tuple[int, int], Asset]] = {}


def find(name: str) -> Asset | None:
    """The asset as it is on disk now: a rebuilt bundle gets a new fingerprint without a restart."""
    mimetype = _TYPES.get(name)
    if mimetype is None:
        return None
    path = os.path.join(FOLDER, name)
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(name)
    if cached is not None and cached[0] == key:
        return cached[1]
    with open(path, "rb") as file:
        body = file.read()
    asset = Asset(
        body=body,
        # mtime=0 keeps the compressed bytes, and so the ETag, the same in every process.
        gzipped=gzip.compress(body, compresslevel=9, mtime=0),
        fingerprint=hashlib.sha256(body).hexdigest()[:16],
        mimetype=mimetype,
    )
    _cache[name] = (key, asset)
    return asset


def fingerprint(name: str) -> str:
    """The ``v`` query value of the asset's URL: it changes whenever the file does."""
    asset = find(name)
    return asset.fingerprint if asset is not None else "missing"


def static_url(name: str) -> str:
    """The versioned URL of a bundle, served with a year of immutable caching."""
    return url_for("livechat.static", filename=name, v=fingerprint(name))
