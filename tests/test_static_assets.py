"""The bundles over real HTTP: gzipped, fingerprinted URLs cached for a year, others revalidated."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import requests

from tests.conftest import LiveServer

STATIC = Path(__file__).resolve().parent.parent / "flask_livechat" / "static" / "livechat"


def _tag_urls(server: LiveServer) -> dict[str, str]:
    page = requests.get(server.url + "/", timeout=10).text
    tag = re.search(r"<script defer [^>]*data-livechat[^>]*>", page)
    assert tag is not None
    attributes = dict(re.findall(r'([a-z-]+)="([^"]*)"', tag.group(0)))
    return {"loader.js": attributes["src"].replace("&amp;", "&"), "widget.js": attributes["data-chat"]}


def test_the_page_links_fingerprinted_bundles_served_gzipped_and_immutable(live_server: LiveServer) -> None:
    for name, url in _tag_urls(live_server).items():
        assert re.fullmatch(rf"/livechat/static/{name}\?v=[0-9a-f]{{16}}", url), url
        response = requests.get(
            live_server.url + url, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10
        )
        wire = response.raw.read()
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response.headers["Vary"]
        cache = response.headers["Cache-Control"]
        assert "immutable" in cache and "max-age=31536000" in cache and "public" in cache
        assert gzip.decompress(wire) == (STATIC / name).read_bytes()
        assert len(wire) < len((STATIC / name).read_bytes()) / 2


def test_a_client_without_gzip_gets_the_plain_file(live_server: LiveServer) -> None:
    url = _tag_urls(live_server)["widget.js"]
    response = requests.get(live_server.url + url, headers={"Accept-Encoding": "identity"}, timeout=10)
    assert "Content-Encoding" not in response.headers
    assert response.content == (STATIC / "widget.js").read_bytes()


def test_unversioned_or_stale_urls_revalidate_by_etag(live_server: LiveServer) -> None:
    for query in ("", "?v=0.1.0"):
        response = requests.get(f"{live_server.url}/livechat/static/console.js{query}", timeout=10)
        assert response.headers["Cache-Control"] == "no-cache"
        again = requests.get(
            f"{live_server.url}/livechat/static/console.js{query}",
            headers={"If-None-Match": response.headers["ETag"]},
            timeout=10,
        )
        assert again.status_code == 304 and again.content == b""


def test_only_the_shipped_files_are_served(live_server: LiveServer) -> None:
    for path in ("../extension.py", "..%2Fextension.py", "missing.js", "loader.js.map", "%00"):
        response = requests.get(f"{live_server.url}/livechat/static/{path}", timeout=10)
        assert response.status_code == 404, path
