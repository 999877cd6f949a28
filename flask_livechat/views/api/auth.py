"""Who is calling the API: a personal access token (``Authorization: Bearer``), or the host's session for
staff, exactly as the console knows them. Session writes carry the CSRF token in ``X-CSRF-Token``; tokens are
never read from the query string (they would end up in logs and browser history)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from werkzeug.exceptions import Unauthorized

from ...caller import agent_for, client_ip_key
from ...csrf import csrf_token, valid_csrf
from ...errors import ForbiddenError, LiveChatError
from ...host_request import current_host_user
from ...services.api_tokens import Scope
from ...services.chat import Agent
from ...state import current_livechat

CSRF_HEADER = "X-CSRF-Token"
_QUERY_TOKENS = ("access_token", "token", "api_key")


class NotAuthenticated(LiveChatError, Unauthorized):
    error_code = "unauthorized"
    message = "Send a valid API token as 'Authorization: Bearer <token>', or sign in as staff."

    def __init__(self, message: str | None = None, *, invalid: bool = False) -> None:
        super().__init__(message)
        challenge = 'Bearer realm="livechat"'
        if invalid:
            challenge += ', error="invalid_token"'
        self.api_headers = {"WWW-Authenticate": challenge}


class InsufficientScope(ForbiddenError):
    error_code = "insufficient_scope"
    message = "This token is read-only: make a token with the 'write' scope for this."


class CsrfRequired(ForbiddenError):
    error_code = "csrf"
    message = (
        f"A signed-in session must send the {CSRF_HEADER} header for changes: "
        "GET /csrf-token gives one (API tokens need none)."
    )


@dataclass(frozen=True)
class Caller:
    agent: Agent
    #: ``token`` or ``session``.
    auth: str
    #: What the caller may do: a token's scope; a session may do both.
    scope: Scope
    #: The rate limiter's key for this caller.
    key: str


def csrf_scope(agent: Agent) -> str:
    return f"api:{agent.user_id}"


def new_csrf_token(agent: Agent) -> str:
    return csrf_token(csrf_scope(agent))


def authenticate(needs: Scope) -> Caller:
    """The caller, allowed ``needs``; 401, 403 or 429 otherwise. Counts one call against the rate limit."""
    limiter = current_livechat.limiter
    action = f"api_{needs}"
    if any(name in request.args for name in _QUERY_TOKENS):
        limiter.hit(action, client_ip_key())
        raise NotAuthenticated("Tokens are never accepted in the query string: send 'Authorization: Bearer'.")
    header = request.headers.get("Authorization")
    if header is not None:
        caller = _token_caller(header)
        if caller is None:
            limiter.hit(action, client_ip_key())  # guessing costs the guesser's address its budget
            raise NotAuthenticated(
                "That API token is not valid (unknown, revoked or mistyped).", invalid=True
            )
    else:
        caller = _session_caller()
    limiter.hit(action, caller.key, client_ip_key())
    if needs == "write" and caller.scope != "write":
        raise InsufficientScope()
    if needs == "write" and caller.auth == "session":
        if not valid_csrf(request.headers.get(CSRF_HEADER), csrf_scope(caller.agent)):
            raise CsrfRequired()
    return caller


def _token_caller(header: str) -> Caller | None:
    kind, _, presented = header.partition(" ")
    if kind.lower() != "bearer" or not presented.strip():
        return None
    found = current_livechat.api_tokens.authenticate(presented.strip())
    if found is None:
        return None
    return Caller(found.agent, "token", found.token.scope, f"token:{found.token.public_id}")  # type: ignore[arg-type]


def _session_caller() -> Caller:
    user = current_host_user()
    if user is None:
        raise NotAuthenticated()
    agent = agent_for(user)
    if agent is None:
        raise ForbiddenError("The REST API is for agents and admins.")
    return Caller(agent, "session", "write", f"agent:{agent.user_id}")
