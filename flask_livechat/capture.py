"""Server-side visit and page-view capture: works without JavaScript, and never breaks a host page."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, request

from .errors import StoreUnavailable
from .identity import set_visitor_cookie, visitor_id_from_request
from .pages import is_host_page
from .realtime.agent_work import visitor_left_department
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
    known_id = visitor_id_from_request(app, request)
    page = PageInfo(url=request.url, title=None, referrer=request.referrer)
    client = describe_client(
        request.user_agent.string, request.remote_addr, request.headers.get("Accept-Language")
    )
    try:
        visit = current_livechat.visitors.record_page_view(
            known_id, page, client, department_for_path(app.config, request.path), staff=_is_staff()
        )
    except StoreUnavailable:
        logger.warning("flask-livechat: page view not recorded, the chat store is unavailable")
        return response
    if visit.left_department is not None:
        visitor_left_department(visit.visitor_id, visit.left_department)
    if visit.visitor_id != known_id or visit.new_visit:
        # New visitors get their cookie; known ones get a fresh max-age once per visit.
        set_visitor_cookie(app, request, response, visit.visitor_id)
    return response


def _is_staff() -> bool:
    """An agent or admin browsing the host's site: their page views are kept out of the visitor list."""
    try:
        livechat = current_livechat.livechat
        user = livechat.load_user()
        return user is not None and livechat.load_role(user) is not None
    except Exception:
        logger.exception("flask-livechat: the host's user_loader or role_loader failed")
        return False
