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

from flask_livechat.realtime.agent import AgentNamespace
from flask_livechat.realtime.visitor import VisitorNamespace
from tests.conftest import LiveServer, agent_client
from tests.helpers import UNLIMITED, eventually

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
        if event in ("connect", "disconnect"):
            return  # reserved by Socket.IO itself; clients cannot send them as events
        assert_structured(client.emit(event, payload, *extra, namespace=namespace, callback=True))

    with caplog.at_level(logging.WARNING, logger="flask_livechat"):
        fire()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert client.is_connected(namespace)


def http_routes(app: Flask) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/livechat") or rule.endpoint.endswith("static"):
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<{argument}>", "fuzz").replace(f"<string:{argument}>", "fuzz")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, path))
    return routes


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
