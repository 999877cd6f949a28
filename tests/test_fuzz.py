"""Hypothesis throws random and malformed payloads at every socket event and HTTP endpoint: never a 500,
never an unhandled exception, always a structured error, and the server still accepts connections."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
import requests
from flask import Flask
from flask_socketio import SocketIO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flask_livechat.inbound import MAX_DEPTH
from flask_livechat.realtime.agent import AgentNamespace
from flask_livechat.realtime.visitor import VisitorNamespace
from tests.conftest import LiveServer, agent_client
from tests.helpers import UNLIMITED, eventually, http_routes

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=15), children, max_size=4)
    ),
    max_leaves=12,
)
plausible_payloads = st.fixed_dictionaries(
    {},
    optional={
        "client_id": st.text(max_size=70) | st.integers(),
        "body": st.text(max_size=100) | json_values,
        "client_seq": st.integers(min_value=-5, max_value=2**60) | st.text(max_size=5),
        "conversation_id": st.text(max_size=40) | st.integers(),
        "page": json_values,
        "typing": json_values,
        "seq": json_values,
    },
)
payloads = plausible_payloads | json_values


def assert_structured(ack: Any) -> None:
    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), ack
    if not ack["ok"]:
        error = ack["error"]
        assert set(error) == {"code", "message", "fields"}, error
        assert error["code"] != "internal", error


@pytest.mark.livechat_config(LIVECHAT_RATE_LIMITS=UNLIMITED)
@pytest.mark.parametrize(
    ("namespace", "events"),
    [
        ("/livechat", sorted(VisitorNamespace.client_events)),
        ("/livechat-agent", sorted(AgentNamespace.client_events)),
    ],
)
def test_socket_events_survive_any_payload(
    app: Flask, socketio: SocketIO, caplog: pytest.LogCaptureFixture, namespace: str, events: list[str]
) -> None:
    if namespace == "/livechat":
        http = app.test_client()
        http.get("/")
        client = socketio.test_client(app, namespace=namespace, flask_test_client=http)
    else:
        client = agent_client(app, socketio)

    @FUZZ
    @given(
        event=st.sampled_from([*events, "", "connect", "disconnect", "x" * 300, "__class__"]),
        payload=payloads,
        extra=st.lists(json_values, max_size=2),
    )
    def fire(event: str, payload: Any, extra: list[Any]) -> None:
        ack = client.emit(event, payload, *extra, namespace=namespace, callback=True)
        assert_structured(ack)
        if event in ("connect", "disconnect"):
            assert ack["error"]["code"] == "unknown_event", ack  # reserved: never runs the handler

    with caplog.at_level(logging.WARNING, logger="flask_livechat"):
        fire()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert client.is_connected(namespace)


@pytest.mark.livechat_config(LIVECHAT_RATE_LIMITS=UNLIMITED)
def test_http_endpoints_never_answer_500(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    clients = {"visitor": app.test_client(), "admin": app.test_client(), "agent": app.test_client()}
    clients["visitor"].get("/")
    clients["admin"].get("/login-as/bob")
    clients["agent"].get("/login-as/ada")
    routes = http_routes(app)
    assert len(routes) >= 10

    @FUZZ
    @given(
        route=st.sampled_from(routes),
        who=st.sampled_from(sorted(clients)),
        query=st.dictionaries(st.text(max_size=12), st.text(max_size=30), max_size=3),
        body=json_values,
        form=st.dictionaries(st.text(max_size=12), st.text(max_size=30), max_size=3),
        as_json=st.booleans(),
    )
    def call(
        route: tuple[str, str],
        who: str,
        query: dict[str, str],
        body: Any,
        form: dict[str, str],
        as_json: bool,
    ) -> None:
        method, path = route
        client = clients[who]
        if method == "GET":
            response = client.get(path, query_string=query)
        elif as_json:
            response = client.open(path, method=method, json=body, query_string=query)
        else:
            response = client.open(path, method=method, data=form, query_string=query)
        assert response.status_code < 500, (method, path, response.status_code)
        response.close()

    with caplog.at_level(logging.WARNING):
        call()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


POLLING = "/socket.io/?EIO=4&transport=polling"
MALFORMED = [
    "9",
    "x",
    "",
    "4",
    "40",
    "42",
    "42[",
    '42["send_message"',
    '42/livechat,["send_message",{"body":',
    "4/livechat,",
    '42/livechat,["hello"]',
    '421/livechat,["send_message",{"client_id":"c-0000001","body":"hi"}]',
    "2probe",
    "6",
    "\x00\x01\x02",
    "b" + "A" * 50,
    "40/nope,",
    '43/livechat,1["x"]',
    "4" + "9" * 10000,
    "1",
]


#: Payloads the engine.io server would hang on or log a traceback for; the guard answers 400 at once.
REFUSED = {"9", "x", "", "4", "42", "42[", '42["send_message"', "2probe", "6", "\x00\x01\x02", "b" + "A" * 50}


@pytest.mark.livechat_config(LIVECHAT_RATE_LIMITS=UNLIMITED)
def test_raw_long_polling_with_malformed_packets(live_server: LiveServer) -> None:
    url = live_server.url + POLLING
    baseline_threads = threading.active_count()
    for body in MALFORMED:
        handshake = requests.get(url, timeout=5)
        sid = handshake.text.split('"sid":"')[1].split('"')[0]
        started = time.monotonic()
        response = requests.post(f"{url}&sid={sid}", data=body.encode("utf-8", "surrogatepass"), timeout=5)
        assert response.status_code < 500, (body[:20], response.status_code)
        assert time.monotonic() - started < 5
        if body in REFUSED:
            assert response.status_code == 400 and response.text.startswith("Malformed long-polling payload")
    unknown_sid = requests.post(f"{url}&sid=not-a-session", data="40", timeout=5)
    assert unknown_sid.status_code == 400
    assert requests.get(url, timeout=5).status_code == 200  # still accepting new connections
    eventually(
        lambda: threading.active_count() <= baseline_threads + 2,
        timeout=60,
        interval=0.1,
        message=lambda: f"threads left running: {[t.name for t in threading.enumerate()]}",
    )


def test_guard_is_installed_when_the_host_initialises_socketio_later(tmp_path: Any) -> None:
    from flask_livechat import LiveChat

    app = Flask("late_host", instance_path=str(tmp_path))
    app.config.update(SECRET_KEY="k", LIVECHAT_PURGE_INTERVAL=0)
    socketio = SocketIO()
    LiveChat(app, socketio=socketio)
    socketio.init_app(app, async_mode="threading")
    app.add_url_rule("/", "home", lambda: "<html><body>hi</body></html>")
    client = app.test_client()
    client.get("/")
    handshake = client.get(POLLING).get_data(as_text=True)
    sid = handshake.split('"sid":"')[1].split('"')[0]
    response = client.post(f"{POLLING}&sid={sid}", data="2probe")
    assert response.status_code == 400


# -- hostile input: too deep, unstorable or huge; refused everywhere, and nothing is stored -------------


def deep(depth: int) -> Any:
    """A list nested ``depth`` levels, built without recursion."""
    value: Any = "bottom"
    for _ in range(depth):
        value = [value]
    return value


#: Each of these makes any payload that holds it invalid, whatever event or field it is in.
poisons = st.one_of(
    st.integers(min_value=MAX_DEPTH + 1, max_value=800).map(deep),
    st.builds(lambda text: text + "\x00", st.text(max_size=5)),
    st.builds(lambda text: "\ud800" + text, st.text(max_size=5)),
    st.just({"a": {"b": {"c": deep(MAX_DEPTH)}}}),
)
hostile_payloads = st.one_of(
    poisons,
    st.builds(
        lambda base, key, poison: {**base, key: poison},
        plausible_payloads,
        st.sampled_from(
            ["client_id", "body", "conversation_id", "page", "typing", "seq", "fields", "query", "status"]
        ),
        poisons,
    ),
    st.builds(lambda poison: {"page": {"url": poison}}, poisons),
    st.builds(lambda poison: {"fields": {"name": poison, "email": poison}}, poisons),
)
#: (An integer past 100 digits never reaches a handler: engine.io's parser refuses it, see test_input_limits.)
HUGE = [10**98, -(10**98), 1e308, "x" * 100_000, [0] * 20_000, {str(n): n for n in range(5_000)}]


def handler_events(namespace_class: type) -> set[str]:
    """The events a namespace answers, read from its ``on_*`` handlers (not from a list kept by hand)."""
    return {name[3:] for name in dir(namespace_class) if name.startswith("on_")} - {"connect", "disconnect"}


def test_every_handler_is_a_declared_client_event() -> None:
    assert handler_events(VisitorNamespace) == VisitorNamespace.client_events
    assert handler_events(AgentNamespace) == AgentNamespace.client_events


def valid_payloads(conversation_id: str, visitor_id: str) -> dict[str, list[dict[str, Any]]]:
    """Payloads each event would accept, so a poison in one field is the only thing wrong with them."""
    message = {"client_id": "c-hostile-0001", "body": "hello", "client_seq": 1}
    return {
        "hello": [{"page": {"url": "http://localhost/", "title": "Home", "referrer": None}}],
        "send_message": [message, {**message, "conversation_id": conversation_id}],
        "submit_prechat": [{"fields": {"name": "Ada", "email": "ada@example.org"}}],
        "rate_conversation": [{"conversation_id": conversation_id, "rating": 5, "comment": "fine"}],
        "search_history": [{"query": "hello", "tag": "billing"}],
        "add_note": [{**message, "conversation_id": conversation_id}],
        "invite_visitor": [{**message, "visitor_id": visitor_id}],
        "assign_conversation": [{"conversation_id": conversation_id, "agent_id": "1", "note": "over to you"}],
        "set_tags": [{"conversation_id": conversation_id, "tags": ["billing"]}],
        "block_visitor": [{"visitor_id": visitor_id, "minutes": 5, "reason": "spam"}],
    }


def poisoned(template: dict[str, Any], path: tuple[str, ...], poison: Any) -> dict[str, Any]:
    """``template`` with the value at ``path`` (keys into nested dicts) replaced by ``poison``."""
    if len(path) == 1:
        return {**template, path[0]: poison}
    return {**template, path[0]: poisoned(template[path[0]], path[1:], poison)}


def string_paths(template: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for key, value in template.items():
        if isinstance(value, dict):
            paths.extend(string_paths(value, (*prefix, key)))
        elif isinstance(value, str | list):
            paths.append((*prefix, key))
    return paths


@pytest.mark.livechat_config(
    LIVECHAT_RATE_LIMITS=UNLIMITED, LIVECHAT_PRECHAT_FIELDS=["name", {"name": "email", "required": False}]
)
@pytest.mark.parametrize("namespace_class", [VisitorNamespace, AgentNamespace])
def test_hostile_socket_payloads_are_invalid_and_store_nothing(
    app: Flask, socketio: SocketIO, livechat: Any, caplog: pytest.LogCaptureFixture, namespace_class: type
) -> None:
    events = sorted(handler_events(namespace_class))
    http = app.test_client()
    http.get("/")
    visitor = socketio.test_client(app, namespace="/livechat", flask_test_client=http)
    opened = visitor.emit(
        "send_message", {"client_id": "c-open-00001", "body": "hi"}, namespace="/livechat", callback=True
    )
    conversation_id = opened["message"]["conversation_id"]
    agent = agent_client(app, socketio)
    joined = agent.emit(
        "join_conversation", {"conversation_id": conversation_id}, namespace="/livechat-agent", callback=True
    )
    visitor_id = joined["conversation"]["visitor"]["id"]
    client, namespace = (
        (visitor, "/livechat") if namespace_class is VisitorNamespace else (agent, "/livechat-agent")
    )
    templates = valid_payloads(conversation_id, visitor_id)
    targeted = [
        (event, template, path)
        for event in events
        for template in templates.get(event, [])
        for path in string_paths(template)
    ]
    assert targeted  # every namespace has events whose fields are poisoned one by one
    before = livechat.store.count_rows()

    @FUZZ
    @given(event=st.sampled_from(events), payload=hostile_payloads)
    def fire(event: str, payload: Any) -> None:
        ack = client.emit(event, payload, namespace=namespace, callback=True)
        assert_structured(ack)
        assert ack["ok"] is False and ack["error"]["code"] in {"invalid", "rate_limited"}, (event, ack)

    @FUZZ
    @given(target=st.sampled_from(targeted), poison=poisons)
    def fire_targeted(target: tuple[str, dict[str, Any], tuple[str, ...]], poison: Any) -> None:
        event, template, path = target
        ack = client.emit(event, poisoned(template, path, poison), namespace=namespace, callback=True)
        assert_structured(ack)
        assert ack["ok"] is False and ack["error"]["code"] in {"invalid", "rate_limited"}, (event, path, ack)

    with caplog.at_level(logging.WARNING):
        fire()
        fire_targeted()
        for event in events:
            for huge in HUGE:
                ack = client.emit(event, huge, namespace=namespace, callback=True)
                assert_structured(ack)
                assert ack["ok"] is False, (event, ack)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert livechat.store.count_rows() == before
    assert client.is_connected(namespace)


HOSTILE_BODIES = [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 20_000 + b"1" + b"}" * 20_000,
    b'{"choice": "accepted", "x": ' + b"[" * 40 + b"]" * 40 + b"}",
    b'{"name": "Ada\\u0000", "email": "a@b.example", "message": "hi", "choice": "accepted", "confirm": true}',
    b'{"name": "\\ud800", "email": "a@b.example", "message": "hi", "choice": "accepted", "confirm": true}',
    b'{"choice": "accepted", "n": ' + b"9" * 5_000 + b"}",
    b'{"message": "' + b"x" * 200_000 + b'"}',
    b"\xff\xfe\x00",
    b'{"confirm": true',
]


@pytest.mark.livechat_config(LIVECHAT_RATE_LIMITS=UNLIMITED)
def test_hostile_bodies_on_every_route_are_refused_and_store_nothing(
    app: Flask, livechat: Any, caplog: pytest.LogCaptureFixture
) -> None:
    clients = {"visitor": app.test_client(), "admin": app.test_client(), "customer": app.test_client()}
    clients["visitor"].get("/")
    clients["admin"].get("/login-as/bob")
    clients["customer"].get("/login-as/carol")
    routes = [(method, path) for method, path in http_routes(app) if method != "GET"]
    before = livechat.store.count_rows()
    with caplog.at_level(logging.WARNING):
        for method, path in routes:
            for who, client in clients.items():
                for body in HOSTILE_BODIES:
                    response = client.open(path, method=method, data=body, content_type="application/json")
                    assert response.status_code < 500, (method, path, who, body[:20], response.status_code)
                    if path.startswith("/livechat/api/v1/"):  # the REST API: a problem document (docs/api.md)
                        assert response.mimetype == "application/problem+json", (method, path, who)
                    elif path.startswith("/livechat/api/") and response.status_code not in (401, 403):
                        assert response.status_code == 400 and response.json["error"]["code"] == "invalid"
                    response.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert livechat.store.count_rows() == before
