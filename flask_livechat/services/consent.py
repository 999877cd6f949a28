"""Consent: whether this browser may be recognised and its visit recorded.

Modes (``LIVECHAT_CONSENT_MODE``): ``opt-in`` recognises nobody until they accept; ``notice`` recognises by
default, shows a notice and honours a decline; ``off`` leaves consent to the host. ``Sec-GPC: 1`` and
``DNT: 1`` count as a decline in every mode but ``off``. A choice is remembered in a signed cookie with the
policy version it was made under, so a new policy version asks again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, Request
from werkzeug.wrappers import Response

from ..identity import clear_visitor_cookie, set_cookie, set_visitor_cookie, sign, unsign
from ..store import Store

CONSENT_COOKIE = "livechat_consent"
CHOICES = ("accepted", "declined")
#: Not a choice: the widget showed the notice (notice mode), so recognition may start.
NOTICED = "noticed"


@dataclass(frozen=True)
class ConsentState:
    mode: str
    policy_version: str
    #: The visitor's own choice under the current policy version, if any.
    choice: str | None
    #: The browser sent Global Privacy Control or Do Not Track.
    browser_declined: bool
    #: Notice mode: the notice has been shown (by the widget, or by the host's pages:
    #: ``LIVECHAT_HOST_SHOWS_NOTICE``). Recognition starts no earlier.
    noticed: bool = False

    @property
    def recognition_allowed(self) -> bool:
        if self.mode == "off":
            return True
        if self.browser_declined or self.choice == "declined":
            return False
        return self.choice == "accepted" or (self.mode == "notice" and self.noticed)

    @property
    def needs_choice(self) -> bool:
        """Whether the widget should ask (opt-in) or show its notice (notice)."""
        return self.mode != "off" and self.choice is None and not self.browser_declined

    def to_wire(self) -> dict[str, Any]:
        return {
            "consent_mode": self.mode,
            "choice": "declined" if self.browser_declined and self.mode != "off" else self.choice,
            "browser_declined": self.browser_declined,
            "needs_choice": self.needs_choice,
            "recognition": self.recognition_allowed,
            "policy_version": self.policy_version,
            "noticed": self.noticed,
            # The consent cookie holds this browser's own answer (for a browser that declines by itself:
            # the visitor dismissed the line saying so), so the widget need not bring it up again.
            "answered": self.choice is not None,
        }


def browser_declines(request: Request) -> bool:
    return request.headers.get("Sec-GPC", "").strip() == "1" or request.headers.get("DNT", "").strip() == "1"


def consent_state(app: Flask, request: Request) -> ConsentState:
    version = str(app.config["LIVECHAT_POLICY_VERSION"])
    saved = unsign(
        app, "consent", request.cookies.get(CONSENT_COOKIE), app.config["LIVECHAT_VISITOR_COOKIE_MAX_AGE"]
    )
    # What the cookie holds under the current policy version: a choice, or "noticed".
    held = saved.get("c") if isinstance(saved, dict) and saved.get("v") == version else None
    choice = held if held in CHOICES else None
    return ConsentState(
        mode=app.config["LIVECHAT_CONSENT_MODE"],
        policy_version=version,
        choice=choice,
        browser_declined=browser_declines(request),
        noticed=bool(app.config["LIVECHAT_HOST_SHOWS_NOTICE"]) or held in (*CHOICES, NOTICED),
    )


def starts_recognition(state: ConsentState, choice: str) -> bool:
    """Whether ``choice`` starts recognition: an acceptance (unless the browser declines), or ``noticed`` in
    notice mode before any choice."""
    if state.browser_declined:
        return False
    if choice == NOTICED:
        return state.mode == "notice" and state.choice is None
    return choice == "accepted"


def record_choice(
    app: Flask, store: Store, request: Request, response: Response, choice: str, visitor_id: str | None
) -> ConsentState:
    """Stores the choice, remembers it in the consent cookie, and starts or stops recognition.

    ``noticed`` (notice mode only: the widget showed its notice) starts recognition like an acceptance
    and is recorded as such a row, but the notice stays up with its decline control: it is not a choice."""
    state = consent_state(app, request)
    if choice == NOTICED and not starts_recognition(state, choice):
        return state  # nothing to start: opt-in needs a choice, a choice was made, or the browser declined
    if starts_recognition(state, choice):
        if visitor_id is None or store.visitors.get_visitor(visitor_id) is None:
            # The page session's id when it has one: the conversation this page may start keeps going.
            visitor_id = store.visitors.create_visitor(persistent=True, visitor_id=visitor_id).id
        else:
            store.visitors.keep_visitor(visitor_id)
        store.privacy.record_consent(visitor_id, choice, state.policy_version, state.mode)
        set_visitor_cookie(app, request, response, visitor_id)
    else:
        choice = "declined"
        # A decline is recorded without an id: we keep nothing that could recognise this browser.
        store.privacy.record_consent(None, "declined", state.policy_version, state.mode)
        clear_visitor_cookie(app, request, response)
    set_cookie(
        app, request, response, CONSENT_COOKIE, sign(app, "consent", {"c": choice, "v": state.policy_version})
    )
    if choice == NOTICED:
        return ConsentState(state.mode, state.policy_version, None, state.browser_declined, noticed=True)
    return ConsentState(state.mode, state.policy_version, choice, state.browser_declined, noticed=True)
