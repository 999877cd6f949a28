"""Recording one host page view for the current request: the server-side capture of every HTML page and the
page API's ``LiveChat.pageview()`` for single-page apps share it, so both follow the same consent, cookie and
flood rules (a cookie-less view makes no row, only a pending cookie)."""

from __future__ import annotations

import logging

from flask import Flask, Response, request

from .errors import StoreUnavailable
from .identity import clear_visitor_cookie, set_visitor_cookie, visitor_cookie
from .services import customer
from .services.consent import consent_state
from .services.departments import department_for_path
from .services.visitors import LandingView, describe_client
from .state import current_livechat
from .store import PageInfo

logger = logging.getLogger("flask_livechat")


def record(app: Flask, page: PageInfo, path: str, response: Response) -> bool:
    """Records ``page`` (at ``path`` within the app, which picks its department) as seen by this request's
    browser; sets or clears our cookie on ``response``. False when nothing was recorded (no consent, or the
    store is down)."""
    consent = consent_state(app, request)
    if not consent.recognition_allowed:
        # A decline stops recognition now. While a choice is awaited (opt-in, a new policy version) the cookie
        # is kept but never used to record: the person can still download or delete what they gave before.
        if request.cookies.get(app.config["LIVECHAT_VISITOR_COOKIE_NAME"]) and not consent.needs_choice:
            clear_visitor_cookie(app, request, response)
        return False
    cookie = visitor_cookie(app, request)
    client = describe_client(
        request.user_agent.string,
        request.remote_addr,
        request.headers.get("Accept-Language"),
        keep_network_data=app.config["LIVECHAT_STORE_NETWORK_DATA"],
    )
    state = current_livechat
    snapshot = customer.customer_snapshot(state.livechat)
    department = department_for_path(app.config, path)
    if cookie is None:
        pending_id = state.visitors.hold_landing_view(LandingView(page, client, department, snapshot[2]))
        set_visitor_cookie(app, request, response, pending_id, pending=True)
        return True
    known_id, pending = cookie
    try:
        visit = state.visitors.page_viewed(known_id, page, client, department, snapshot, pending=pending)
    except StoreUnavailable:
        logger.warning("flask-livechat: page view not recorded, the chat store is unavailable")
        return False
    if visit.visitor_id != known_id or visit.new_visit or pending:
        # New visitors get their cookie; known ones get a fresh max-age once per visit.
        set_visitor_cookie(app, request, response, visit.visitor_id)
    return True
