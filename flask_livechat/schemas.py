"""Every payload in and out, as marshmallow schemas: the same schema serves a socket event and its HTTP twin.

Inbound schemas raise on unknown fields, so a typo in a client is an error ack instead of silently ignored.
"""

from __future__ import annotations

import functools
from datetime import UTC
from typing import Any

from flask import current_app, url_for
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from . import i18n
from .errors import InvalidPayload
from .inbound import check_payload
from .services import attachments
from .services.contact import check_address, line_problem
from .services.customer import decode as decode_customer
from .state import current_livechat

_PUBLIC_ID = validate.Regexp(r"^[A-Za-z0-9_-]{1,32}$", error="Not a valid id.")
_CLIENT_ID = validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$", error="Use 8 to 64 letters, digits, '-' or '_'.")
#: The id and client id rules, for the REST API's schemas (views/api/schemas.py).
PUBLIC_ID, CLIENT_ID = _PUBLIC_ID, _CLIENT_ID


class InboundSchema(Schema):
    class Meta:
        unknown = RAISE


class PageSchema(InboundSchema):
    url = fields.String(validate=validate.Length(max=2048), allow_none=True)
    title = fields.String(validate=validate.Length(max=512), allow_none=True)
    referrer = fields.String(validate=validate.Length(max=2048), allow_none=True)


class PageChangeSchema(InboundSchema):
    """A single-page app moved to another route (``LiveChat.pageview()``): the socket ``page`` event."""

    page = fields.Nested(PageSchema, required=True)


class PageViewSchema(PageSchema):
    """``POST /api/page-views``: a route change recorded like a page load; the URL is required."""

    url = fields.String(required=True, validate=validate.Length(min=1, max=2048))


class VisitorHelloSchema(InboundSchema):
    page = fields.Nested(PageSchema, allow_none=True)
    #: The browser's IANA time zone (``Intl.DateTimeFormat().resolvedOptions().timeZone``), for agents.
    timezone = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9_+/-]{1,64}$"), allow_none=True)
    #: Resume: the highest seq the widget has of ``conversation_id``; ``hello`` then returns only later ones.
    last_seq = fields.Integer(strict=True, validate=validate.Range(min=0, max=2**53), allow_none=True)
    conversation_id = fields.String(validate=_PUBLIC_ID, allow_none=True)


class FetchMessagesSchema(InboundSchema):
    """Resume and gap filling: the messages of a conversation after ``after_seq``, oldest first."""

    conversation_id = fields.String(validate=_PUBLIC_ID, allow_none=True)
    after_seq = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=2**53))


class AgentFetchMessagesSchema(FetchMessagesSchema):
    conversation_id = fields.String(required=True, validate=_PUBLIC_ID)


class EmptySchema(InboundSchema):
    """An event that takes no fields (``{}`` or no payload)."""


class AgentHelloSchema(EmptySchema):
    pass


class SendMessageSchema(InboundSchema):
    client_id = fields.String(required=True, validate=_CLIENT_ID)
    body = fields.String(required=True)
    client_seq = fields.Integer(strict=True, validate=validate.Range(min=1, max=2**53))

    def __init__(self, *, max_body_length: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Bound per instance so LIVECHAT_MAX_MESSAGE_LENGTH applies without marshmallow-3 "context".
        self.fields["body"].validators = [
            validate.Length(min=1, max=max_body_length),
            _not_blank,
        ]


class AgentSendMessageSchema(SendMessageSchema):
    conversation_id = fields.String(required=True, validate=_PUBLIC_ID)


class ConversationIdSchema(InboundSchema):
    """Any agent event that names one conversation (join, close, reopen)."""

    conversation_id = fields.String(required=True, validate=_PUBLIC_ID)


class VisitorTranscriptSchema(InboundSchema):
    """A visitor's "email me this chat": their own conversation, else their open one."""

    conversation_id = fields.String(validate=_PUBLIC_ID, allow_none=True, load_default=None)


class TypingSchema(InboundSchema):
    typing = fields.Boolean(required=True)


class AgentTypingSchema(TypingSchema):
    conversation_id = fields.String(required=True, validate=_PUBLIC_ID)


class MarkReadSchema(InboundSchema):
    seq = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**53))


class AgentMarkReadSchema(MarkReadSchema):
    conversation_id = fields.String(required=True, validate=_PUBLIC_ID)


class PrechatSchema(InboundSchema):
    """The pre-chat form; each field is checked against ``LIVECHAT_PRECHAT_FIELDS`` by services/prechat.py."""

    answers = fields.Dict(
        data_key="fields", keys=fields.String(), values=fields.String(allow_none=True), required=True
    )


class EmailAddress(fields.String):
    """One plain email address (services/contact.py says which), loaded in its normalised form."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        try:
            return check_address(value)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class OfflineMessageSchema(InboundSchema):
    """The leave-a-message form (HTTP), sent while no agent is available."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = EmailAddress(required=True)
    message = fields.String(required=True)

    def __init__(self, *, max_body_length: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fields["message"].validators = [validate.Length(min=1, max=max_body_length), _not_blank]
        self.fields["name"].validators = [*self.fields["name"].validators, _one_line]


def _one_line(value: str) -> None:
    """Names go into mail subjects and headers: a control or line-separator character is refused, not
    dropped, so the form says so before anything is stored."""
    if not value.strip():
        raise ValidationError("Give a name.")
    problem = line_problem(value)
    if problem:
        raise ValidationError(f"Give a name on one line, without control characters. {problem}")


def _optional_line(value: str) -> None:
    problem = line_problem(value)
    if problem:
        raise ValidationError(problem)


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("A message cannot be blank.")


class MessageSchema(Schema):
    id = fields.String(dump_only=True)
    conversation_id = fields.String(dump_only=True)
    seq = fields.Integer(dump_only=True)
    client_id = fields.String(dump_only=True)
    sender = fields.String(dump_only=True)
    author = fields.String(dump_only=True, allow_none=True)
    body = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    #: ``null``, or ``{id, name, content_type, size, image, url}`` with a fresh signed, expiring ``url``.
    attachment = fields.Method("dump_attachment", dump_only=True)
    #: A system line's event, ``{type: "closed"|"reopened"|"ended", name}``, for each reader to render it in
    #: their own language; ``null`` otherwise (``body`` holds the English line).
    event = fields.Method("dump_event", dump_only=True)

    def dump_event(self, message: Any) -> dict[str, Any] | None:
        if message.sender != "system":
            return None
        return i18n.system_event(message.client_id, message.author)

    def dump_attachment(self, message: Any) -> dict[str, Any] | None:
        attachment_id = getattr(message, "attachment_id", None)
        if attachment_id is None:
            return None
        record = current_livechat.chat.attachment(attachment_id)
        if record is None:
            return None
        return {
            "id": record.id,
            "name": record.filename,
            "content_type": record.content_type,
            "size": record.size,
            "image": record.content_type in attachments.INLINE_IMAGES,
            "url": url_for(
                "livechat_widget.attachment",
                attachment_id=record.id,
                t=attachments.link_token(
                    current_app, record.id, record.conversation_id, attachments.link_audience()
                ),
            ),
        }


class VisitorSummarySchema(Schema):
    id = fields.String(dump_only=True)
    name = fields.String(dump_only=True, allow_none=True)
    email = fields.String(dump_only=True, allow_none=True)
    visit_count = fields.Integer(dump_only=True)
    returning = fields.Function(lambda visitor: visitor.visit_count > 1, dump_only=True)
    #: The IANA zone the widget reported (``Europe/Berlin``): names an anonymous visitor in the console.
    timezone = fields.String(dump_only=True, allow_none=True)


class ConversationSchema(Schema):
    id = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    last_seq = fields.Integer(dump_only=True)
    visitor = fields.Nested(VisitorSummarySchema, dump_only=True, allow_none=True)
    last_message = fields.Nested(MessageSchema, dump_only=True, allow_none=True)
    closed_at = fields.DateTime(dump_only=True, allow_none=True)
    department = fields.String(dump_only=True, allow_none=True)
    assigned_agent_id = fields.String(dump_only=True, allow_none=True)
    assigned_agent_name = fields.String(dump_only=True, allow_none=True)
    tags = fields.List(fields.String(), dump_only=True)
    rating = fields.Integer(dump_only=True, allow_none=True)
    rating_comment = fields.String(dump_only=True, allow_none=True)
    #: 1 for the visitor's first conversation, 2 for their second…
    chat_number = fields.Integer(dump_only=True)
    #: True when it began with the leave-a-message form (nobody was online then).
    left_message = fields.Boolean(dump_only=True)


#: A conversation's own columns without what a message cannot change (its visitor, tags, chat number, how it
#: began): the ``partial`` ``conversation_updated`` that follows each message.
conversation_activity_schema = ConversationSchema(
    exclude=("visitor", "last_message", "tags", "chat_number", "left_message")
)


class ConversationStateSchema(Schema):
    """What a visitor is told about their own conversation: no visitor record, no internals."""

    id = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    last_seq = fields.Integer(dump_only=True)


@functools.lru_cache(maxsize=8)
def send_schema(schema_class: type[SendMessageSchema], max_body_length: int) -> SendMessageSchema:
    """One schema instance per message-length limit, instead of one per message."""
    return schema_class(max_body_length=max_body_length)


# --- agent console (issue 4) ----------------------------------------------------------------------------

_AGENT_ID = validate.Length(min=1, max=128)


class SetPresenceSchema(InboundSchema):
    status = fields.String(required=True, validate=validate.OneOf(["online", "away"]))


class VisitorIdSchema(InboundSchema):
    visitor_id = fields.String(required=True, validate=_PUBLIC_ID)


class InviteVisitorSchema(SendMessageSchema):
    visitor_id = fields.String(required=True, validate=_PUBLIC_ID)


class AddNoteSchema(SendMessageSchema):
    conversation_id = fields.String(required=True, validate=_PUBLIC_ID)


class AssignSchema(ConversationIdSchema):
    agent_id = fields.String(required=True, validate=_AGENT_ID)
    note = fields.String(validate=validate.Length(max=1000), allow_none=True, load_default=None)


class TagsSchema(ConversationIdSchema):
    tags = fields.List(
        fields.String(validate=validate.Length(min=1, max=32)),
        required=True,
        validate=validate.Length(max=10),
    )


class DeleteMessageSchema(ConversationIdSchema):
    message_id = fields.String(required=True, validate=_PUBLIC_ID)


class BlockSchema(InboundSchema):
    visitor_id = fields.String(validate=_PUBLIC_ID, allow_none=True, load_default=None)
    network = fields.String(validate=validate.Length(min=1, max=64), allow_none=True, load_default=None)
    minutes = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=10 * 366 * 24 * 60)
    )
    reason = fields.String(validate=validate.Length(max=500), allow_none=True, load_default=None)


class LiftBlockSchema(InboundSchema):
    block_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class HistorySearchSchema(InboundSchema):
    query = fields.String(validate=validate.Length(max=200), allow_none=True, load_default=None)
    since = fields.AwareDateTime(default_timezone=UTC, allow_none=True, load_default=None)
    until = fields.AwareDateTime(default_timezone=UTC, allow_none=True, load_default=None)
    agent_id = fields.String(validate=_AGENT_ID, allow_none=True, load_default=None)
    tag = fields.String(validate=validate.Length(min=1, max=32), allow_none=True, load_default=None)
    status = fields.String(validate=validate.OneOf(["open", "closed"]), allow_none=True, load_default=None)


class RateConversationSchema(InboundSchema):
    conversation_id = fields.String(required=True, validate=_PUBLIC_ID)
    rating = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(validate=validate.Length(max=1000), allow_none=True, load_default=None)


class NoteSchema(Schema):
    id = fields.String(dump_only=True)
    conversation_id = fields.String(dump_only=True)
    client_id = fields.String(dump_only=True)
    author = fields.String(dump_only=True)
    body = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class PageVisitSchema(Schema):
    url = fields.String(dump_only=True)
    title = fields.String(dump_only=True, allow_none=True)
    viewed_at = fields.DateTime(dump_only=True)


class VisitorConversationSchema(Schema):
    id = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    rating = fields.Integer(dump_only=True, allow_none=True)


def _visit(key: str) -> fields.Function:
    return fields.Function(lambda live: (live.visit or {}).get(key), dump_only=True)


class LiveVisitorSchema(Schema):
    """A visitor in the console's live list, with the context agents see (never sent to visitors)."""

    id = fields.Function(lambda live: live.visitor.id, dump_only=True)
    name = fields.Function(lambda live: live.visitor.name, dump_only=True)
    email = fields.Function(lambda live: live.visitor.email, dump_only=True)
    department = fields.Function(lambda live: live.visitor.department, dump_only=True)
    timezone = fields.Function(lambda live: live.visitor.timezone, dump_only=True)
    visit_count = fields.Function(lambda live: live.visitor.visit_count, dump_only=True)
    returning = fields.Function(lambda live: live.visitor.visit_count > 1, dump_only=True)
    first_seen_at = fields.Function(lambda live: live.visitor.first_seen_at.isoformat(), dump_only=True)
    last_seen_at = fields.DateTime(dump_only=True)
    online = fields.Function(lambda live: live.connections > 0, dump_only=True)
    #: False for staff browsing their own site: the console drops them from its list.
    listed = fields.Function(lambda live: not live.visitor.staff, dump_only=True)
    current_url = fields.String(dump_only=True, allow_none=True)
    current_title = fields.String(dump_only=True, allow_none=True)
    referrer = _visit("referrer")
    browser = _visit("browser")
    browser_version = _visit("browser_version")
    os = _visit("os")
    os_version = _visit("os_version")
    device = _visit("device")
    language = _visit("language")
    ip = _visit("ip")
    pages = fields.List(fields.Nested(PageVisitSchema), dump_only=True)
    conversations = fields.List(fields.Nested(VisitorConversationSchema), dump_only=True)
    customer = fields.Function(lambda live: decode_customer(live.customer), dump_only=True)
    #: The pre-chat answers as ``[{label, value}]`` (only in ``visitor_details``).
    answers = fields.Function(
        lambda record: [{"label": label, "value": value} for label, value in record.answers], dump_only=True
    )


class MailLogSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True)
    category = fields.String(dump_only=True)
    #: Masked: ``c•••@example.com``.
    recipient = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    error = fields.String(dump_only=True, allow_none=True)
    requested_by = fields.String(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class TranscriptSchema(Schema):
    conversation = fields.Nested(ConversationSchema, dump_only=True)
    messages = fields.List(fields.Nested(MessageSchema), dump_only=True)
    notes = fields.List(fields.Nested(NoteSchema), dump_only=True)
    started_at = fields.DateTime(dump_only=True)
    ended_at = fields.DateTime(dump_only=True, allow_none=True)
    duration_seconds = fields.Integer(dump_only=True)
    pages = fields.Function(
        lambda t: [{"url": u, "title": title, "viewed_at": at.isoformat()} for u, title, at in t.pages],
        dump_only=True,
    )
    mail = fields.List(fields.Nested(MailLogSchema), dump_only=True)
    #: The visitor's pre-chat answers as ``[{label, value}]``.
    answers = fields.Function(
        lambda record: [{"label": label, "value": value} for label, value in record.answers], dump_only=True
    )


note_schema = NoteSchema()
live_visitor_schema = LiveVisitorSchema()
transcript_schema = TranscriptSchema()
mail_log_schema = MailLogSchema()

message_schema = MessageSchema()
conversation_schema = ConversationSchema()
conversation_state_schema = ConversationStateSchema()


def load(schema: Schema, payload: Any) -> dict[str, Any]:
    """Validates an inbound payload; ``None`` counts as an empty object for events with optional fields."""
    check_payload(payload)
    try:
        loaded: dict[str, Any] = schema.load({} if payload is None else payload)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        raise InvalidPayload(fields=messages) from None
    return loaded


class ConsentChoiceSchema(InboundSchema):
    #: ``noticed``: the widget showed its notice (notice mode), see services/consent.py.
    choice = fields.String(required=True, validate=validate.OneOf(["accepted", "declined", "noticed"]))


class EraseConfirmSchema(InboundSchema):
    confirm = fields.Boolean(
        required=True, validate=validate.Equal(True, error="Confirm with true: erasure cannot be undone.")
    )


class ProfileSchema(InboundSchema):
    # No defaults: a field left out is not changed (a partial correction keeps the other one).
    name = fields.String(validate=validate.Length(max=200), allow_none=True)
    email = EmailAddress(allow_none=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fields["name"].validators = [*self.fields["name"].validators, _optional_line]


class SubjectQuerySchema(InboundSchema):
    """Who an admin looks for: at least one key."""

    visitor_id = fields.String(validate=validate.Length(max=32), load_default=None)
    email = EmailAddress(load_default=None)
    user_id = fields.String(validate=validate.Length(max=128), load_default=None)
