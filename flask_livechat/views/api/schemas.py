"""The REST API's own payloads: query strings, bodies and the list envelopes. Records themselves are dumped
with the console's schemas (``flask_livechat.schemas``), so the API and the console show the same fields."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from ...schemas import (
    CLIENT_ID,
    PUBLIC_ID,
    ConversationSchema,
    InboundSchema,
    LiveVisitorSchema,
    MessageSchema,
)
from ...services.reports import PERIODS, PRESETS

__all__ = ["ConversationSchema", "MessageSchema"]  # re-exported: the records' answers

MAX_PAGE = 200


def _limit() -> fields.Integer:
    return fields.Integer(validate=validate.Range(min=1, max=MAX_PAGE), load_default=50)


_CURSOR = validate.Length(min=1, max=200)


class UtcDateTime(fields.AwareDateTime):
    """An ISO-8601 time with an offset, as UTC; one the database cannot hold (year 1 at -12:00) is refused."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=UTC, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        loaded = super()._deserialize(value, attr, data, **kwargs)
        try:
            return loaded.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValidationError("That time is out of range.") from None


# --- query strings ---------------------------------------------------------------------------------------


class ConversationListQuery(InboundSchema):
    status = fields.String(validate=validate.OneOf(["open", "closed"]))
    department = fields.String(validate=validate.Length(min=1, max=64))
    #: An agent's host user id; empty for unassigned conversations.
    assignee = fields.String(validate=validate.Length(max=128))
    visitor_id = fields.String(validate=PUBLIC_ID)
    updated_since = UtcDateTime()
    limit = _limit()
    #: A ``next_cursor`` as it came: opaque, with a format of its own (so generators know it is no free text).
    cursor = fields.String(validate=_CURSOR, metadata={"format": "conversation-cursor"})


class MessageListQuery(InboundSchema):
    limit = _limit()
    cursor = fields.String(validate=_CURSOR, metadata={"format": "message-cursor"})


class ReportQuery(InboundSchema):
    first = fields.Date(data_key="from")
    last = fields.Date(data_key="to")
    preset = fields.String(validate=validate.OneOf([key for key, _ in PRESETS]))
    tz = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9_+/-]{1,64}$"))
    period = fields.String(validate=validate.OneOf(PERIODS))


# --- bodies ----------------------------------------------------------------------------------------------

#: A character that is whitespace neither to Python (``str.strip``, which the services use) nor to JSON
#: Schema (ECMA-262 ``\s``): text with one is not blank, for this API and for any client's validator alike.
NOT_BLANK = r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
_NOT_BLANK = {"pattern": NOT_BLANK}
_not_blank_character = re.compile(NOT_BLANK)


def _not_blank(value: str) -> None:
    if not _not_blank_character.search(value):
        raise ValidationError("Text cannot be blank.")


class SendBody(InboundSchema):
    #: The idempotency key: sending again with the same one stores nothing new. Default: a fresh one.
    client_id = fields.String(validate=CLIENT_ID)
    body = fields.String(required=True, metadata=_NOT_BLANK)

    def __init__(self, *, max_body_length: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fields["body"].validators = [validate.Length(min=1, max=max_body_length), _not_blank]


class AssignBody(InboundSchema):
    agent_id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    note = fields.String(validate=validate.Length(max=1000), allow_none=True, load_default=None)
    #: Move a conversation the caller holds (admins: any) to another agent.
    transfer = fields.Boolean(load_default=False)


class TagBody(InboundSchema):
    tag = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Za-z0-9_][A-Za-z0-9_ .-]{0,31}$", error="1 to 32 letters, digits, ' .-_'."
        ),
    )


class CannedBody(InboundSchema):
    #: Stored in lower case, without a leading "/".
    shortcut = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^/?[A-Za-z0-9][A-Za-z0-9_-]{0,31}$", error="1 to 32 letters, digits, '-' or '_'."
        ),
    )
    body = fields.String(
        required=True, validate=[validate.Length(min=1, max=4000), _not_blank], metadata=_NOT_BLANK
    )


class EraseBody(InboundSchema):
    confirm = fields.Boolean(
        required=True, validate=validate.Equal(True, error="Confirm with true: erasure cannot be undone.")
    )


# --- answers ---------------------------------------------------------------------------------------------


class ConversationPage(Schema):
    items = fields.List(fields.Nested(ConversationSchema), required=True)
    #: Pass as ``cursor`` for the next page; ``null`` on the last one.
    next_cursor = fields.String(allow_none=True, required=True)


class MessagePage(Schema):
    items = fields.List(fields.Nested(MessageSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class CannedSchema(Schema):
    id = fields.Integer(required=True)
    shortcut = fields.String(required=True)
    body = fields.String(required=True)


class CannedList(Schema):
    items = fields.List(fields.Nested(CannedSchema), required=True)


class VisitorDetails(LiveVisitorSchema):
    """A visitor as the console's visitor panel shows them."""


class Erased(Schema):
    erased = fields.Integer(required=True)


class Me(Schema):
    user_id = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(["agent", "admin"]))
    #: ``null``: every department.
    departments = fields.List(fields.String(), allow_none=True, required=True)
    #: ``token`` or ``session``.
    auth = fields.String(required=True)
    scope = fields.String(required=True, validate=validate.OneOf(["read", "write"]))


class CsrfToken(Schema):
    csrf_token = fields.String(required=True)


class ReportCell(Schema):
    #: ``null`` when suppressed (fewer people than LIVECHAT_REPORTS_MIN_COUNT) or empty.
    value = fields.Float(allow_none=True, required=True)
    text = fields.String(required=True)


class ReportRow(Schema):
    label = fields.String(required=True)
    cells = fields.List(fields.Nested(ReportCell), required=True)


class Report(Schema):
    key = fields.String(required=True)
    title = fields.String(required=True)
    chart = fields.String(required=True)
    columns = fields.List(fields.String(), required=True)
    rows = fields.List(fields.Nested(ReportRow), required=True)
    note = fields.String(required=True)


class ReportWindow(Schema):
    first = fields.Date(data_key="from", required=True)
    last = fields.Date(data_key="to", required=True)
    zone = fields.String(data_key="tz", required=True)
    period = fields.String(required=True)


class Reports(Schema):
    window = fields.Nested(ReportWindow, required=True)
    reports = fields.List(fields.Nested(Report), required=True)


class Problem(Schema):
    """An RFC 9457 problem document, with the same ``code`` and ``fields`` as a socket error ack."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    code = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields", required=True)
