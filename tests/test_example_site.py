"""The example site is safe to copy: a random SECRET_KEY of its own, CSRF tokens on its login and logout
forms, and a logout that ends the session on the server (real example-site processes, raw HTTP)."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from example_site.app import secret_key
from tests.browser.conftest import http_log_in, start_example_site, stop_example_site

Site = tuple[subprocess.Popen[bytes], str, Path]


@pytest.fixture
def sites(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], str]]:
    """Starts example sites on instance folders; stops them all at the end."""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    running: list[Site] = []

    def start(instance: Path) -> str:
        running.append(start_example_site(instance))
        return running[-1][1]

    yield start
    for process, _, log_path in running:
        stop_example_site(process, log_path)


def form_token(http: requests.Session, url: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', http.get(url, timeout=10).text)
    assert found
    return found.group(1)


def logged_in(url: str, cookies: dict[str, str]) -> bool:
    answer = requests.get(url + "/account", cookies=cookies, allow_redirects=False, timeout=10)
    assert answer.status_code in (200, 302), answer.status_code
    return answer.status_code == 200


def test_each_instance_gets_its_own_key_kept_across_restarts(
    sites: Callable[[Path], str], tmp_path: Path
) -> None:
    first = tmp_path / "first"
    url = sites(first)
    key_file = first / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    session = http_log_in(url, "alice@example.com", "alice").cookies.get_dict()
    assert logged_in(url, session)

    restarted = sites(first)  # a second process on the same instance folder, as after a restart
    assert key_file.read_text().strip() == key
    assert logged_in(restarted, session)  # cookies signed before the restart still count

    other = sites(tmp_path / "second")
    assert (tmp_path / "second" / "secret_key").read_text().strip() != key
    assert not logged_in(other, session)  # another copy of the site does not accept this one's cookies


def test_the_environment_overrides_the_key_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert secret_key(str(tmp_path)) == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()
    monkeypatch.delenv("SECRET_KEY")
    made = secret_key(str(tmp_path))
    (tmp_path / "other").mkdir()
    assert made != secret_key(str(tmp_path / "other")) and secret_key(str(tmp_path)) == made
    os.chmod(tmp_path / "secret_key", 0o644)  # loosened by hand: tightened again
    assert secret_key(str(tmp_path)) == made
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_login_needs_the_forms_csrf_token(sites: Callable[[Path], str], tmp_path: Path) -> None:
    url = sites(tmp_path / "instance")
    credentials = {"email": "alice@example.com", "password": "alice"}
    http = requests.Session()
    token = form_token(http, url + "/login")
    other = requests.Session()
    other_token = form_token(other, url + "/login")
    for sent in ({}, {"csrf_token": "forged"}, {"csrf_token": other_token}):
        answer = http.post(url + "/login", data={**credentials, **sent}, allow_redirects=False, timeout=10)
        assert answer.status_code == 400, sent
        assert "did not come from this site" in answer.text
        assert not logged_in(url, http.cookies.get_dict())
    answer = http.post(
        url + "/login", data={**credentials, "csrf_token": token}, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 302
    assert logged_in(url, http.cookies.get_dict())


def test_a_copied_cookie_stops_working_after_logout(sites: Callable[[Path], str], tmp_path: Path) -> None:
    url = sites(tmp_path / "instance")
    http = http_log_in(url, "agent@example.com", "agent")
    copied = http.cookies.get_dict()
    assert logged_in(url, copied)
    console = requests.get(url + "/livechat/agent/", cookies=copied, allow_redirects=False, timeout=10)
    assert console.status_code == 200

    refused = http.post(url + "/logout", allow_redirects=False, timeout=10)  # no token: no logout
    assert refused.status_code == 400 and logged_in(url, copied)
    token = form_token(http, url + "/")
    assert http.post(url + "/logout", data={"csrf_token": token}, allow_redirects=False, timeout=10).ok

    assert not logged_in(url, copied)
    console = requests.get(url + "/livechat/agent/", cookies=copied, allow_redirects=False, timeout=10)
    assert console.status_code != 200
    # Logging in again works, with a new session.
    assert logged_in(url, http_log_in(url, "agent@example.com", "agent").cookies.get_dict())
