"""The host's user, asked for the same way in HTTP views, socket events and background re-checks.

Flask-SocketIO runs an event in a request context built from the connection's handshake, but never runs the
host's ``before_request`` functions: a host that sets ``g.user`` there (Flask's tutorial does) has no
``g.user`` in a socket event, and its ``user_loader`` fails. So before the loader is asked outside an HTTP
request, the host's own request preprocessing runs first, once per request context: its URL value
preprocessors and ``before_request`` functions, in Flask's order, except the extension's own (marked with
``own_hook``). In an HTTP request Flask has already run them; ``mark_http_preprocessing`` tells us so.

A loader that raises is treated as "nobody logged in", with one log line that names the fix.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_request_context, request
from werkzeug.exceptions import HTTPException

from .host import user_id

logger = logging.getLogger("flask_livechat")

F = TypeVar("F", bound=Callable[..., Any])

_OWN = "_livechat_own_hook"
_DONE = "_livechat_host_preprocessed"
#: (app, what) pairs already explained in the log: one line each, not one per socket event.
_explained: set[tuple[int, str]] = set()

#: ``flask_livechat.testing.LiveChatClient(user=...)``: the users its cookie names, honoured only under
#: ``app.testing`` and only for tokens that helper made in this process.
TEST_USER_COOKIE = "livechat_test_user"
test_users: dict[str, Any] = {}


def own_hook(function: F) -> F:
    """Marks a request hook of the extension: host preprocessing for socket events skips it."""
    setattr(function, _OWN, True)
    return function


@own_hook
def mark_http_preprocessing() -> None:
    """The first ``before_request`` of the app: Flask is running the host's preprocessing for this request."""
    setattr(g, _DONE, True)
    g._livechat_http = True


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, mark_http_preprocessing)


def explain_once(app: Flask, what: str, message: str, *args: Any) -> None:
    """Logs ``message`` as an error the first time ``what`` happens in ``app``, at debug level after that."""
    key = (id(app), what)
    level = logging.DEBUG if key in _explained else logging.ERROR
    _explained.add(key)
    logger.log(level, message, *args)


def _where() -> str:
    event = getattr(request, "event", None)
    namespace = getattr(request, "namespace", None)
    if isinstance(event, dict) and namespace:
        return f"socket event {event.get('message')!r} on {namespace}"
    if g.get("_livechat_http"):
        return f"{request.method} {request.path}"
    return "the periodic agent re-check"


def _where_kind() -> str:
    if not has_request_context():
        return "none"
    return "socket" if getattr(request, "namespace", None) else "http" if g.get("_livechat_http") else "check"


def run_host_preprocessing() -> None:
    """Runs the host's URL value preprocessors and ``before_request`` functions (not ours) once in this
    request context, unless Flask already did (an HTTP request). As in Flask, the first hook that answers
    (a redirect to the login page, an ``abort(401)``) ends the run; its answer is sent nowhere, and the
    loader then says who (if anyone) is logged in. Any other exception ends it too, explained in the log."""
    if not has_request_context() or getattr(g, _DONE, False):
        return
    setattr(g, _DONE, True)
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    names = (None, *reversed(request.blueprints))
    hooks: list[Callable[[], Any]] = []
    for name in names:
        for preprocessor in app.url_value_preprocessors.get(name, ()):
            hooks.append(lambda f=preprocessor: f(request.endpoint, request.view_args))  # type: ignore[misc]
    for name in names:
        hooks.extend(f for f in app.before_request_funcs.get(name, ()) if not getattr(f, _OWN, False))
    for hook in hooks:
        try:
            if app.ensure_sync(hook)() is not None:
                return  # Flask stops at the first hook that answers; so does this
        except HTTPException:
            return  # an answer too (abort(401) for anonymous users, say)
        except Exception as error:
            name = getattr(hook, "__qualname__", repr(hook))
            explain_once(
                app,
                f"preprocess:{name}",
                "flask-livechat: your before_request function %s raised %s: %s in %s, where there is no "
                "HTTP view (it runs there so that what it sets on g reaches the user_loader); make it return "
                "early when request.endpoint is None, or mark it with flask_livechat.skip_in_sockets.",
                name,
                type(error).__name__,
                error,
                _where(),
            )
            return


def skip_in_sockets(function: F) -> F:
    """Marks one of the host's ``before_request`` functions that must not run for socket events."""
    return own_hook(function)


def current_host_user() -> Any | None:
    """The host's current user through its ``user_loader`` (after its preprocessing), or ``None``."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    livechat = app.extensions["livechat"].livechat
    if app.testing and test_users and has_request_context():
        token = request.cookies.get(TEST_USER_COOKIE)
        if token in test_users:
            return test_users[token]
    run_host_preprocessing()
    try:
        return livechat.load_user()
    except Exception as error:
        explain_once(
            app,
            f"user_loader:{type(error).__name__}:{_where_kind()}",
            "flask-livechat: your user_loader raised %s: %s in %s, so nobody counts as logged in there. "
            'Fix: return None when nobody is logged in (e.g. g.get("user") instead of g.user), and read '
            "only what your session or before_request provides (see docs/host-integration.md, "
            '"The user_loader").',
            type(error).__name__,
            error,
            _where() if has_request_context() else "no request",
        )
        return None


def current_host_user_id() -> str | None:
    """The id of the host user logged in right now, through the app's ``user_loader``."""
    user = current_host_user()
    return user_id(user) if user is not None else None
