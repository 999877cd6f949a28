"""The REST API under ``<LIVECHAT_URL_PREFIX>/api/v1``: the endpoint table (``endpoints.api``) becomes the
blueprint's routes and the OpenAPI document served at ``/openapi.json``."""

from __future__ import annotations

import functools
import re
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from ...csrf import protect_blueprint
from ...errors import LiveChatError
from . import conversations, resources, spec
from .endpoints import PATH_PARAMETERS, Endpoint, api
from .problems import http_problem, livechat_problem

__all__ = ["create_blueprint"]

# The resource modules fill the table as they are imported.
_MODULES = (conversations, resources)


def create_blueprint(url_prefix: str) -> Blueprint:
    blueprint = Blueprint("livechat_api", __name__, url_prefix=f"{url_prefix}/api/v1")
    for endpoint in api.endpoints:
        blueprint.add_url_rule(
            endpoint.rule,
            endpoint.name,
            functools.partial(_call, endpoint),
            methods=[endpoint.method],
            strict_slashes=True,
        )
    blueprint.add_url_rule("/openapi.json", "openapi", openapi)
    blueprint.add_url_rule("/", "unknown_root", unknown, methods=_ALL)
    blueprint.add_url_rule("/<path:rest>", "unknown", unknown, methods=_ALL)
    blueprint.register_error_handler(LiveChatError, livechat_problem)
    blueprint.register_error_handler(HTTPException, http_problem)
    protect_blueprint(blueprint)
    return blueprint


_ALL = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _call(endpoint: Endpoint, **path: Any) -> Response:
    for name, value in path.items():
        rule = PATH_PARAMETERS.get(name, {})
        pattern = rule.get("pattern")
        if isinstance(value, str) and pattern and not _matches(pattern, value):
            raise NotFound("No such resource.")
        if isinstance(value, int) and not 1 <= value <= rule.get("maximum", 2**31 - 1):
            raise NotFound("No such resource.")
    return endpoint.handle(**path)


@functools.lru_cache(maxsize=32)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _matches(pattern: str, value: str) -> bool:
    return _compiled(pattern).fullmatch(value) is not None


def openapi() -> Response:
    base = request.script_root + current_app.config["LIVECHAT_URL_PREFIX"] + "/api/v1"
    return jsonify(spec.build(api.endpoints, base))


def unknown(rest: str = "") -> Response:
    """Any other path below the API: a problem document, 405 when the path exists for other methods."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = set()
    for method in _ALL:
        if method == request.method:
            continue
        try:
            endpoint, _ = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint not in ("livechat_api.unknown", "livechat_api.unknown_root"):
            allowed.add(method)
    if allowed:
        raise MethodNotAllowed(valid_methods=sorted(allowed))
    raise NotFound("There is no such API endpoint: see openapi.json.")
