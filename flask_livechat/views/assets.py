"""The widget and console bundles over HTTP: gzipped when the browser accepts it, immutable for a year when
the URL carries the file's fingerprint, revalidated by ETag otherwise."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from werkzeug.wrappers import Response as BaseResponse

from .. import assets

ONE_YEAR = 365 * 24 * 3600


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/static/<path:filename>", "static", serve)


def serve(filename: str) -> BaseResponse:
    asset = assets.find(filename)
    if asset is None:
        abort(404)
    compressed = request.accept_encodings["gzip"] > 0
    response = Response(asset.gzipped if compressed else asset.body, mimetype=asset.mimetype)
    if compressed:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.set_etag(asset.fingerprint + ("-gz" if compressed else ""))
    if request.args.get("v") == asset.fingerprint:
        response.cache_control.public = True
        response.cache_control.max_age = ONE_YEAR
        response.cache_control.immutable = True
    else:
        # An unversioned or outdated URL may be stale tomorrow: always ask, answer 304 when unchanged.
        response.cache_control.no_cache = True
    return response.make_conditional(request)
