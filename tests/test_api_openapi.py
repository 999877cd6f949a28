"""The OpenAPI document against the real app: schemathesis generates requests for every operation (valid and
invalid ones) with a real admin token, and every answer must be a non-5xx that the document describes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from flask_livechat.views.api.cursors import conversation_cursor, message_cursor
from tests.conftest import build_app, say, stop_app, visitor_client
from tests.helpers import API, api_token, bearer

#: Enough for every operation to see valid and invalid input, little enough to run in seconds.
EXAMPLES = 8
IDS = st.from_regex(r"\A[A-Za-z0-9_-]{1,32}\Z")
# The document gives cursors formats of their own: generate real ones (the API answers 422 to others).
schemathesis.openapi.format(
    "conversation-cursor",
    st.builds(conversation_cursor, st.datetimes(timezones=st.just(UTC)), IDS),
)
schemathesis.openapi.format("message-cursor", st.builds(message_cursor, st.integers(0, 10**12)))
LIMITS = {"api_read": "100000/minute", "api_write": "100000/minute", "agent_message": "100000/minute"}


@pytest.fixture(scope="module")
def api_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = build_app(
        str(tmp_path_factory.mktemp("api") / "instance"),
        LIVECHAT_RATE_LIMITS=LIMITS,
        LIVECHAT_DEPARTMENTS={"sales": ["/page/pricing"], "support": ["/"]},
    )
    socketio = app.extensions["socketio"]
    for path in ("/", "/page/pricing"):
        say(visitor_client(app, socketio, path), "a question", f"seed-{len(path):04d}")
    with app.app_context():
        app.extensions["livechat"].canned.save(None, "hello", "Hello there")
    yield app
    stop_app(app)


@pytest.fixture(scope="module")
def token(api_app: Flask) -> str:
    return api_token(api_app, agent_id="2", agent_name="Bob Admin", role="admin")


@pytest.fixture(scope="module")
def api_schema(api_app: Flask) -> Any:
    return schemathesis.openapi.from_wsgi(f"{API}/openapi.json", api_app)


def test_the_document_is_openapi_3_1_and_names_every_route(api_app: Flask) -> None:
    document = api_app.test_client().get(f"{API}/openapi.json").json
    assert document["openapi"] == "3.1.0"
    routes = {
        (method, rule.rule)
        for rule in api_app.url_map.iter_rules()
        if rule.endpoint.startswith("livechat_api.")
        and rule.endpoint not in {"livechat_api.unknown", "livechat_api.unknown_root", "livechat_api.openapi"}
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    described = {
        (
            method.upper(),
            API + path.replace("{", "<").replace("}", ">").replace("<canned_id>", "<int:canned_id>"),
        )
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert described == routes


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_every_generated_request_gets_a_described_answer(
    api_schema: Any, token: str, mode: GenerationMode
) -> None:
    # Each operation in turn (not schemathesis' pytest plugin, whose lazy loader breaks on pytest 9).
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 18

    for operation in operations:
        run(operation, mode, bearer(token))


def run(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> None:
    """Generated requests for one operation, each answer validated against the document."""
    # A report window has rules across its parameters (from before to, at most a year, a real time zone)
    # that JSON Schema cannot say: a schema-valid window may get a 422 there, and only there.
    excluded = [positive_data_acceptance] if operation.path.startswith("/reports") else []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    check()
