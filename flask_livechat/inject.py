"""Puts the widget's loader tag on host pages, or lets the host place it by hand."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request, url_for
from markupsafe import Markup, escape

from . import i18n, widget_config
from .assets import static_url
from .errors import StoreUnavailable
from .identity import visitor_id_from_request
from .pages import is_host_page
from .services.consent import consent_state
from .state import current_livechat
from .version import __version__

F = TypeVar("F", bound=Callable[..., Any])

logger = logging.getLogger("flask_livechat")

_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)
_HTML_END = re.compile(rb"</html\s*>", re.IGNORECASE)
_DOCUMENT_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype|html)[\s>]", re.I | re.S)
_NONCE = re.compile(r"'nonce-([A-Za-z0-9+/=_-]+)'")


def no_widget(view: F) -> F:
    """Marks a view whose pages must not carry the chat widget (checkout, embedded pages…)."""
    view._livechat_no_widget = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    app.after_request(_inject)
    app.add_template_global(livechat_script)


def csp_nonce(response: Response | None) -> str | None:
    """The host's script nonce: from the response's CSP header, else from Flask-Talisman or ``g``."""
    if response is not None:
        for header in ("Content-Security-Policy", "Content-Security-Policy-Report-Only"):
            match = _NONCE.search(response.headers.get(header, ""))
            if match:
                return match.group(1)
    nonce = getattr(request, "csp_nonce", None) or g.get("csp_nonce")
    return nonce if isinstance(nonce, str) else None


def _ongoing_conversation() -> bool:
    """Whether the visitor (by cookie) has an open conversation: then the chat loads with the page."""
    visitor_id = visitor_id_from_request(current_app, request)
    if visitor_id is None:
        return False
    try:
        return current_livechat.chat.open_conversation_of(visitor_id) is not None
    except StoreUnavailable:
        return False


def _script_tag(nonce: str | None) -> Markup:
    """The loader (docs/widget.md): it draws the launcher and loads the chat bundle on first open.

    Every host page gets it, so what is the same for every page of one language (URLs, label, colours) is
    built once per app and language and kept; only the visitor's own attributes are added per page."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    language = i18n.language_for(app, request)
    key = (language, request.script_root)
    cache = current_livechat.script_tags
    fixed = cache.get(key)
    if fixed is None:
        fixed = cache[key] = _fixed_attributes(app, language)
    parts = [fixed]
    if consent_state(app, request).recognition_allowed:
        # The loader and the chat read the tab's storage (the panel left open) only then.
        parts.append(" data-remembered")
    if _ongoing_conversation():
        parts.append(" data-ongoing")
    elif app.config["LIVECHAT_INVITATION_CHECK_SECONDS"]:
        # Without an open chat there is no socket: the loader asks now and then whether an agent invited them.
        # It is also the browsing visitor's heartbeat (services/presence.py): often enough to stay live.
        every = min(
            app.config["LIVECHAT_INVITATION_CHECK_SECONDS"],
            max(1, app.config["LIVECHAT_PRESENCE_TIMEOUT"] // 2),
        )
        parts.append(
            _attributes({"data-pending": url_for("livechat_widget.pending"), "data-pending-every": every})
        )
    if nonce:
        parts.append(_attributes({"nonce": nonce}))
    return Markup(f"<script defer{''.join(parts)}></script>")  # every value escaped by _attributes


def _fixed_attributes(app: Flask, language: str) -> str:
    color = app.config["LIVECHAT_COLOR"]
    attributes: dict[str, object] = {
        "src": static_url("loader.js"),
        "data-livechat": "",
        "data-socketio-path": current_livechat.socketio_path,
        "data-chat": static_url("widget.js"),
        "data-settings": url_for("livechat_widget.settings", lang=language, v=__version__),
        "data-page-views": url_for("livechat_widget.page_view"),
        "data-language": language,
        "data-label": i18n.word(app, language, "open_chat"),
        "data-color": color,
        "data-text-color": widget_config.text_color(color),
        "data-position": app.config["LIVECHAT_POSITION"],
        "data-theme": app.config["LIVECHAT_THEME"],
        "data-offset": "{LIVECHAT_LAUNCHER_OFFSET_X} {LIVECHAT_LAUNCHER_OFFSET_Y}".format(**app.config),
    }
    if app.config["LIVECHAT_EMOJI"]:
        # The loader's Trusted Types policy lets the chat load this bundle (and the chat's own) only.
        attributes["data-emoji"] = static_url("emoji.js")
    return _attributes(attributes)


def _attributes(attributes: dict[str, object]) -> str:
    """`` name="value"`` for each, escaped; a bare `` name`` for an empty value."""
    return "".join(
        f' {name}="{escape(str(value))}"' if value != "" else f" {name}" for name, value in attributes.items()
    )


def livechat_script() -> Markup:
    """Jinja global: ``{{ livechat_script() }}`` places the loader by hand; automatic injection then skips.

    A blocked visitor gets nothing here either."""
    g._livechat_script_placed = True
    if _blocked(current_app._get_current_object()):  # type: ignore[attr-defined]
        return Markup("")
    return _script_tag(csp_nonce(None))


def _inject(response: Response) -> Response:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["LIVECHAT_INJECT_WIDGET"] or g.get("_livechat_script_placed"):
        return response
    view = app.view_functions.get(request.endpoint or "")
    if getattr(view, "_livechat_no_widget", False) or not is_host_page(app, request, response):
        _explain_skip(app, response)
        return response
    if _blocked(app):
        return response
    body = response.get_data()
    at = insertion_point(body)
    if at is None:
        logger.debug(
            "flask-livechat: no widget on %s %s: it is a fragment (no </body>, </html> or <!doctype>); "
            "place {{ livechat_script() }} in its template if it is a whole page.",
            request.method,
            request.path,
        )
        return response
    tag = str(_script_tag(csp_nonce(response))).encode()
    response.set_data(body[:at] + tag + body[at:])
    return response


def insertion_point(body: bytes) -> int | None:
    """Where the loader tag goes: before the last ``</body>``, else before ``</html>``, else at the end of a
    document that starts with ``<!doctype`` or ``<html`` (Flask tutorial's base template closes neither;
    browsers put a trailing script in the body). ``None`` for a fragment (htmx, a partial), left alone."""
    for end in (_BODY_END, _HTML_END):
        matches = list(end.finditer(body))
        if matches:
            return matches[-1].start()
    return len(body) if _DOCUMENT_START.match(body) else None


def _explain_skip(app: Flask, response: Response) -> None:
    """Says in the debug log why an HTML page the host served got no widget, when that is not by design."""
    if request.method != "GET" or response.status_code != 200 or response.mimetype != "text/html":
        return
    if response.is_streamed or response.direct_passthrough:
        why = "it is streamed"
    elif response.headers.get("Content-Encoding"):
        why = f"it is already {response.headers['Content-Encoding']}-encoded"
    else:
        return  # our own pages, excluded prefixes and no_widget views are skipped on purpose
    logger.debug(
        "flask-livechat: no widget on %s %s: %s; place {{ livechat_script() }} in its template instead.",
        request.method,
        request.path,
        why,
    )


def _blocked(app: Flask) -> bool:
    """A blocked visitor (by cookie or address) gets no widget; a store outage shows it as usual."""
    try:
        visitor_id = visitor_id_from_request(app, request)
        return current_livechat.moderation.is_blocked(visitor_id, request.remote_addr)
    except StoreUnavailable:
        return False
