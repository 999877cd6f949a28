"""Which responses are host pages: the ones we count as page views and put the widget on."""

from __future__ import annotations

from flask import Flask, Request, Response


def is_host_page(app: Flask, request: Request, response: Response) -> bool:
    """A complete, successful HTML page the host served for a GET outside our own and excluded paths."""
    if request.method != "GET" or response.status_code != 200 or response.mimetype != "text/html":
        return False
    if response.is_streamed or response.direct_passthrough or response.headers.get("Content-Encoding"):
        return False
    path = request.path
    excluded = (app.config["LIVECHAT_URL_PREFIX"] + "/", *app.config["LIVECHAT_INJECT_EXCLUDE_PREFIXES"])
    return not any(path.startswith(prefix) for prefix in excluded)
