"""Server-side visit and page-view capture: works without JavaScript, and never breaks a host page.

A page view without our cookie makes no visitor row and no push to the console: it gets a pending cookie, and
the view waits in memory (``LandingViews``). Only a browser that brings the cookie back (its next page, or
the chat) becomes a visitor, landing page included. So 500 cookie-less requests from a script leave 500
counted views and nothing in the store or on the agents' screens.
"""

from __future__ import annotations

import html
import re

from flask import Flask, Response, current_app, request

from . import page_views
from .pages import is_host_page
from .store import PageInfo


def init_app(app: Flask) -> None:
    app.after_request(_record_page_view)


def _record_page_view(response: Response) -> Response:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["LIVECHAT_TRACK_PAGE_VIEWS"] or not is_host_page(app, request, response):
        return response
    page = PageInfo(url=request.url, title=_title_of(response), referrer=request.referrer)
    page_views.record(app, page, request.path, response)
    return response


_TITLE = re.compile(rb"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)


def _title_of(response: Response) -> str | None:
    """The page's <title>, read from the HTML we are sending anyway, so the navigation path has names."""
    match = _TITLE.search(response.get_data()[:65536])
    if match is None:
        return None
    title = " ".join(html.unescape(match.group(1).decode("utf-8", "replace")).split())
    return title[:512] or None
