"""The OpenAPI 3.1 document, built from the endpoint table and the marshmallow schemas (apispec)."""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app
from marshmallow import fields

from ...version import __version__
from .endpoints import PATH_PARAMETERS, Endpoint
from .problems import PROBLEM_TYPE
from .schemas import Problem

_DESCRIPTION = (
    "The live chat's REST API: the console's conversations, messages, visitors, canned responses and the "
    "admin's reports. Authenticate with a personal access token (`Authorization: Bearer <token>`, made on "
    "the admin page) or a signed-in staff session (changes then need the `X-CSRF-Token` header). Errors are "
    "RFC 9457 problem documents. See docs/api.md."
)


def _schema_name(schema: Any) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__
    return name[: -len("Schema")] if name.endswith("Schema") and name != "Schema" else name


def no_nul(self: Any, field: fields.Field[Any], **kwargs: Any) -> dict[str, Any]:
    """Every text field refuses NUL (no store can hold it: ``inbound.text_problem``): the document says so."""
    return {"not": {"type": "string", "pattern": "\\u0000"}} if isinstance(field, fields.String) else {}


def build(endpoints: list[Endpoint], base_path: str) -> dict[str, Any]:
    plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(
        title="flask-livechat REST API",
        version=__version__,
        openapi_version="3.1.0",
        plugins=[plugin],
        info={"description": _DESCRIPTION},
        servers=[{"url": base_path}],
        security=[{"token": []}, {"session": []}],
    )
    assert plugin.converter is not None
    plugin.converter.add_attribute_function(no_nul)  # type: ignore[no-untyped-call]
    spec.components.security_scheme("token", {"type": "http", "scheme": "bearer"})
    cookie = current_app.config.get("SESSION_COOKIE_NAME", "session")
    spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": cookie})
    spec.components.schema("Problem", schema=Problem)
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"in": "path", "name": name, "required": True, "schema": PATH_PARAMETERS[name]}
        for name in re.findall(r"\{(\w+)\}", endpoint.path)
    ]
    if endpoint.query is not None:
        parameters.append({"in": "query", "schema": endpoint.query()})
    operation: dict[str, Any] = {
        "operationId": endpoint.name,
        "summary": endpoint.summary,
        "tags": [endpoint.tag],
        "parameters": parameters,
        "responses": _responses(endpoint),
    }
    if endpoint.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": endpoint.body()}},
        }
    if endpoint.admins:
        operation["description"] = "Admins only: other callers get 403."
    if endpoint.scope == "write":
        operation["x-scope"] = "write"
    return operation


def _responses(endpoint: Endpoint) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status in (endpoint.status, *endpoint.also):
        if endpoint.response is None:
            responses[str(status)] = {"description": "Done."}
        else:
            responses[str(status)] = {
                "description": "OK.",
                "content": {"application/json": {"schema": endpoint.response}},
            }
    responses["default"] = {
        "description": "A problem document (400, 401, 403, 404, 409, 413, 422, 429, 503).",
        "content": {PROBLEM_TYPE: {"schema": "Problem"}},
    }
    return responses
