"""Masks payment card numbers in free text before it is stored, mailed, logged or sent to a browser.

A candidate is 13 to 19 digits, optionally grouped by up to two separators (spaces, dots or dashes) between
digits, not touching other digits; only Luhn-valid candidates are masked, so order numbers and phone numbers
stay readable. The pattern has no nested unbounded quantifiers and candidates are bounded, so the work is
linear in the text's length. ``widget_assets/src/shared/redact.js`` is the same rule for the browser (a test
runs both on the same inputs).

Every free-text field goes through :func:`clean` (chat text, replies, notes, tags, rating comments, pre-chat
answers, offline name and message, attachment names, profile corrections, invitations, mail subjects and
bodies, log lines), so there is one decision and one switch (``LIVECHAT_MASK_CARD_NUMBERS``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import current_app, has_app_context

_CANDIDATE = re.compile(r"(?<![\d])\d(?:[ .\-]{0,2}\d){12,18}(?![\d])")
_MASK = "•"


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _mask(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = [c for c in text if c.isdigit()]
    if not luhn_valid("".join(digits)):
        return text
    keep_from = len(digits) - 4
    seen = 0
    masked = []
    for char in text:
        if char.isdigit():
            masked.append(char if seen >= keep_from else _MASK)
            seen += 1
        else:
            masked.append(char)
    return "".join(masked)


def mask_card_numbers(text: str) -> str:
    """``"4242 4242 4242 4242"`` becomes ``"•••• •••• •••• 4242"``; anything else is left as it is."""
    return _CANDIDATE.sub(_mask, text)


def masking_on() -> bool:
    """``LIVECHAT_MASK_CARD_NUMBERS`` of the running app (on outside an app: the safe side)."""
    return not has_app_context() or bool(current_app.config.get("LIVECHAT_MASK_CARD_NUMBERS", True))


def clean(text: str) -> str:
    """The one masking step every free-text field passes before it is stored, mailed or logged."""
    return mask_card_numbers(text) if masking_on() else text


def clean_optional(text: str | None) -> str | None:
    return None if text is None else clean(text)


def clean_values(value: Any) -> Any:
    """``clean`` applied to every string however deep it sits (form answers, a host's export)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {key: clean_values(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean_values(item) for item in value]
    return value


class MaskingFilter(logging.Filter):
    """Masks card numbers in the package's log lines (message and arguments) before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not masking_on():
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        masked = mask_card_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
