"""Contact details people type in: one plain email address, and names on one line.

An address ends up in ``To:`` and ``Reply-To:`` headers, in SMTP envelopes and in opt-out records, so "valid"
must mean one mailbox and nothing a header parser could read as more: no comma, no RFC 2047 encoded word
(``=?utf-8?q?victim=40example.com?=`` decodes to another address), no display name or angle brackets, no
whitespace, control or line-separator character. Every place that takes an address (pre-chat, offline form,
profile, admin search) validates with ``check_address``, and every comparison (opt-outs, erasure) uses its
normalised form, so "Victim@Example.com " and "victim@example.com" are one person.
"""

from __future__ import annotations

import re
import unicodedata

#: RFC 5321: 64 characters before the "@", 254 in all.
MAX_LOCAL_LENGTH = 64
MAX_ADDRESS_LENGTH = 254

# The local part: RFC 5322 "atext" and dots (no quoted strings, no comments). Domain: dot-separated
# LDH labels (international domains in their xn-- form), ending in a label that is not all digits.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"(?:{_LABEL}\.)+(?=[A-Za-z0-9-]*[A-Za-z])(?:{_LABEL})")

ADDRESS_MESSAGE = "Give one email address such as name@example.com, with nothing else around it."
LINE_MESSAGE = "Use one line without control characters."

#: Format characters that may stand in a name (they join letters and emoji); every other one can reorder or
#: hide text.
_JOINERS = frozenset({"\u200c", "\u200d"})


def normalize_address(address: str) -> str:
    """The one form an address is stored, signed and compared in."""
    return address.strip().lower()


def check_address(value: object) -> str:
    """``value`` as one normalised plain address, or ``ValueError`` saying what to give instead.

    Only spaces around the address are forgiven; any other whitespace (a tab, a line break, VT, FF, NEL,
    U+2028) is refused, never stripped, so nothing smuggled in can survive into a header."""
    if not isinstance(value, str):
        raise ValueError(ADDRESS_MESSAGE)
    address = value.strip(" ").lower()  # normalize_address would also strip the line breaks refused here
    local, at, domain = address.rpartition("@")
    if (
        not at
        or "=?" in address
        or len(address) > MAX_ADDRESS_LENGTH
        or len(local) > MAX_LOCAL_LENGTH
        or not _LOCAL.fullmatch(local)
        or not _DOMAIN.fullmatch(domain)
    ):
        raise ValueError(ADDRESS_MESSAGE)
    return address


def line_problem(value: str) -> str | None:
    """Why ``value`` cannot be a one-line name (or subject, or any header-bound text), or ``None``.

    Refused: control characters (C0, DEL, C1 with NEL), line and paragraph separators, surrogates, and format
    characters other than the zero-width joiners."""
    for character in value:
        category = unicodedata.category(character)
        if category in ("Cc", "Cs", "Zl", "Zp") or (category == "Cf" and character not in _JOINERS):
            return LINE_MESSAGE
    return None
