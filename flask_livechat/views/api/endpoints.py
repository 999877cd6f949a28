"""The one table of API endpoints: the blueprint's routes and the OpenAPI document are both built from it, so
an endpoint cannot exist without its description or be described without existing."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Response, current_app, json, request
from marshmallow import Schema

from ...services.api_tokens import Scope
from . import problems
from .auth import authenticate

#: ``(payload, status)``, or ``None`` for 204 No Content.
Answer = tuple[dict[str, Any], int] | None
View = Callable[..., Answer]

#: Path parameters and their JSON Schema: the same rules the views apply.
PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "conversation_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$"},
    "message_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$"},
    "visitor_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$"},
    "canned_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    "tag": {"type": "string", "minLength": 1, "maxLength": 32, "pattern": r"^[\w][\w .-]{0,31}$"},
    "key": {"type": "string", "pattern": "^[a-z_]{1,32}$"},
}
_FLASK_CONVERTERS = {"canned_id": "int"}


@dataclass(frozen=True)
class Endpoint:
    method: str
    #: OpenAPI style, below the API's root: ``/conversations/{conversation_id}``.
    path: str
    view: View
    scope: Scope
    summary: str
    tag: str
    #: Schema classes (or a factory taking the app config, for limits that come from it).
    query: Callable[[], Schema] | None = None
    body: Callable[[], Schema] | None = None
    response: type[Schema] | None = None
    status: int = 200
    #: Only admins get an answer other than 403 (the services decide; this is for the document).
    admins: bool = False
    #: Another success status the endpoint may answer (a send retried with the same client id: 200).
    also: tuple[int, ...] = field(default=())

    @property
    def rule(self) -> str:
        def flask_parameter(match: re.Match[str]) -> str:
            name = match.group(1)
            converter = _FLASK_CONVERTERS.get(name)
            return f"<{converter}:{name}>" if converter else f"<{name}>"

        return re.sub(r"\{(\w+)\}", flask_parameter, self.path)

    @property
    def name(self) -> str:
        return self.view.__name__

    def handle(self, **path: Any) -> Response:
        """Authenticates, reads the query and body, calls the view, answers JSON."""
        arguments: dict[str, Any] = {**path, "caller": authenticate(self.scope)}
        if self.query is not None:
            arguments["query"] = problems.query(self.query())
        elif request.args:
            raise problems.Unprocessable(fields={"_query": ["This endpoint takes no query parameters."]})
        if self.body is not None:
            arguments["body"] = problems.body(self.body())
        answer = self.view(**arguments)
        if answer is None:
            return current_app.response_class(status=204)
        payload, status = answer
        response = current_app.response_class(json.dumps(payload), status=status, mimetype="application/json")
        response.headers["Cache-Control"] = "no-store"
        return response


class Registry:
    """Collects the endpoints of the resource modules, in the order they are declared."""

    def __init__(self) -> None:
        self.endpoints: list[Endpoint] = []

    def route(self, method: str, path: str, **options: Any) -> Callable[[View], View]:
        def register(view: View) -> View:
            self.endpoints.append(Endpoint(method, path, view, **options))
            return view

        return register


api = Registry()
