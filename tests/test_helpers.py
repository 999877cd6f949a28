"""The tests' own waiting helpers: ``eventually`` and the server readiness probe. Every other test leans on
them, so a helper that gives up early or hides why it gave up would make the whole suite flaky."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.helpers import ServerDidNotStart, eventually, free_port, wait_until_serving


def test_eventually_returns_the_first_truthy_result() -> None:
    calls: Iterator[object] = iter([None, 0, [], "ready"])
    assert eventually(lambda: next(calls), timeout=5, interval=0) == "ready"


def test_eventually_retries_a_failing_assertion_until_it_passes() -> None:
    attempts: list[int] = []

    def check() -> bool:
        attempts.append(1)
        assert len(attempts) >= 3, f"only {len(attempts)} attempts"
        return True

    assert eventually(check, timeout=5, interval=0) is True
    assert len(attempts) == 3


def test_eventually_fails_at_the_deadline_with_the_last_failure() -> None:
    seen = [0]

    def check() -> None:
        seen[0] += 1
        raise AssertionError(f"attempt {seen[0]}")

    started = time.monotonic()
    with pytest.raises(AssertionError) as failure:
        eventually(check, timeout=0.3, interval=0.05, message="the thing")
    assert 0.3 <= time.monotonic() - started < 5
    text = str(failure.value)
    assert text.startswith("the thing: not true after 0.3 s") and f"last: attempt {seen[0]}" in text
    assert isinstance(failure.value.__cause__, AssertionError)


def test_eventually_names_a_falsy_result_and_reads_a_message_at_the_deadline() -> None:
    state = {"count": 0}
    with pytest.raises(AssertionError, match=r"count is 0: not true .* last: the check returned False"):
        eventually(lambda: state["count"] > 0, timeout=0.1, message=lambda: f"count is {state['count']}")


def test_eventually_lets_other_errors_through_at_once() -> None:
    started = time.monotonic()
    empty: dict[str, int] = {}
    with pytest.raises(KeyError):
        eventually(lambda: empty["missing"], timeout=30)
    assert time.monotonic() - started < 5


@pytest.fixture
def slow_http_server() -> Iterator[int]:
    """Accepts connections at once but answers the first two only after the client's read timeout, as a
    server starved of CPU does; then answers HTTP. The port."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = int(listener.getsockname()[1])
    served = [0]
    stopping = threading.Event()

    def serve() -> None:
        while not stopping.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                if stopping.is_set():
                    return
                served[0] += 1
                if served[0] <= 2:
                    stopping.wait(3)  # longer than the probe's 2 s request timeout: a ReadTimeout
                    continue
                connection.recv(4096)
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stopping.set()
        socket.create_connection(("127.0.0.1", port), timeout=5).close()  # wakes the accept()
        thread.join(timeout=5)
        listener.close()
    assert served[0] >= 3, "the probe stopped before the server answered"


def test_readiness_probe_waits_through_read_timeouts(slow_http_server: int) -> None:
    wait_until_serving(f"http://127.0.0.1:{slow_http_server}/", "the slow server", lambda: None, lambda: "")


def test_readiness_probe_fails_at_once_when_the_process_exited() -> None:
    started = time.monotonic()
    with pytest.raises(ServerDidNotStart, match=r"(?s)the site exited with code 3 .*ImportError: boom"):
        wait_until_serving(
            f"http://127.0.0.1:{free_port()}/", "the site", lambda: 3, lambda: "ImportError: boom", timeout=30
        )
    assert time.monotonic() - started < 5


def test_readiness_probe_fails_at_the_deadline_naming_the_server_and_showing_its_output() -> None:
    with pytest.raises(ServerDidNotStart) as failure:
        wait_until_serving(
            f"http://127.0.0.1:{free_port()}/",
            "the site",
            lambda: None,
            lambda: "still importing",
            timeout=0.5,
        )
    text = str(failure.value)
    assert text.startswith("the site did not come up: not true after 0.5 s") and "ConnectionError" in text
    assert text.endswith("\nstill importing")
