"""Server-side visit and page-view capture: works without JavaScript, and never breaks a host page."""

from __future__ import annotations

import html
import logging
import re

from flask import Flask, Response, current_app, request

from .errors import StoreUnavailable
from .identity import clear_visitor_cookie, set_visitor_cookie, visitor_id_from_request
from .pages import is_host_page
from .services import customer
from .services.consent import consent_state
from .services.departments import department_for_path
from .services.visitors import describe_client
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
    known_id = visitor_id_from_request(app, request)
    page = PageInfo(url=request.url, title=_title_of(response), referrer=request.referrer)
    client = describe_client(
        request.user_agent.string,
        request.remote_addr,
        request.headers.get("Accept-Language"),
        keep_network_data=app.config["LIVECHAT_STORE_NETWORK_DATA"],
    )
    state = current_livechat
    try:
        visit = state.visitors.page_viewed(
            known_id,
            page,
            client,
            department_for_path(app.config, request.path),
            customer.customer_snapshot(state.livechat),
        )
    except StoreUnavailable:
        logger.warning("flask-livechat: page view not recorded, the chat store is unavailable")
        return response
    if visit.visitor_id != known_id or visit.new_visit:
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
