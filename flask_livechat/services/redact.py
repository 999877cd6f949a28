"""Masks payment card numbers in chat text before it is stored or broadcast.

A candidate is 13 to 19 digits, optionally grouped by single spaces or dashes, not touching other digits;
only Luhn-valid candidates are masked, so order numbers and phone numbers stay readable. The pattern has no
nested quantifiers and candidates are bounded, so the work is linear in the text's length.
"""

from __future__ import annotations

import re

_CANDIDATE = re.compile(r"(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])")
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
