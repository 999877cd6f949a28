"""Server-side visit and page-view capture: works without JavaScript, and never breaks a host page.

A page view without our cookie makes no visitor row and no push to the console: it gets a pending cookie, and
the view waits in memory (``LandingViews``). Only a browser that brings the cookie back (its next page, or
the chat) becomes a visitor, landing page included. So 500 cookie-less requests from a script leave 500
counted views and nothing in the store or on the agents' screens.
"""

from __future__ import annotations

import html
import logging
import re

from flask import Flask, Response, current_app, request

from .errors import StoreUnavailable
from .identity import clear_visitor_cookie, set_visitor_cookie, visitor_cookie
from .pages import is_host_page
from .services import customer
from .services.consent import consent_state
from .services.departments import department_for_path
from .services.visitors import LandingView, describe_client
from .state import current_livechat
from .store import PageInfo

logger = logging.getLogger("flask_livechat")


def init_app(app: Flask) -> None:
    app.after_request(_record_page_view)


def _record_page_view(response: Response) -> Response:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["LIVECHAT_TRACK_PAGE_VIEWS"] or not is_host_page(app, request, response):
        return response
    if not consent_state(app, request).recognition_allowed:
        if request.cookies.get(app.config["LIVECHAT_VISITOR_COOKIE_NAME"]):
            clear_visitor_cookie(app, request, response)  # consent withdrawn: recognition stops now
        return response
    cookie = visitor_cookie(app, request)
    page = PageInfo(url=request.url, title=_title_of(response), referrer=request.referrer)
    client = describe_client(
        request.user_agent.string,
        request.remote_addr,
        request.headers.get("Accept-Language"),
        keep_network_data=app.config["LIVECHAT_STORE_NETWORK_DATA"],
    )
    state = current_livechat
    snapshot = customer.customer_snapshot(state.livechat)
    department = department_for_path(app.config, request.path)
    if cookie is None:
        pending_id = state.visitors.hold_landing_view(LandingView(page, client, department, snapshot[2]))
        set_visitor_cookie(app, request, response, pending_id, pending=True)
        return response
    known_id, pending = cookie
    try:
        visit = state.visitors.page_viewed(known_id, page, client, department, snapshot, pending=pending)
    except StoreUnavailable:
        logger.warning("flask-livechat: page view not recorded, the chat store is unavailable")
        return response
    if visit.visitor_id != known_id or visit.new_visit or pending:
        # New visitors get their cookie; known ones get a fresh max-age once per visit.
        set_visitor_cookie(app, request, response, visit.visitor_id)
    return response


_TITLE = re.compile(rb"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)


def _title_of(response: Response) -> str | None:
    """The page's <title>, read from the HTML we are sending anyway, so the navigation path has names."""
    match = _TITLE.search(response.get_data()[:65536])
    if match is None:
        return None
    title = " ".join(html.unescape(match.group(1).decode("utf-8", "replace")).split())
    return title[:512] or None
