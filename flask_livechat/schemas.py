"""Every payload in and out, as marshmallow schemas: the same schema serves a socket event and its HTTP twin.

Inbound schemas raise on unknown fields, so a typo in a client is an error ack instead of silently ignored.
"""

from __future__ import annotations

import functools
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from .errors import InvalidPayload

_PUBLIC_ID = validate.Regexp(r"^[A-Za-z0-9_-]{1,32}$", error="Not a valid id.")
_CLIENT_ID = validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$", error="Use 8 to 64 letters, digits, '-' or '_'.")


class InboundSchema(Schema):
    class Meta:
        unknown = RAISE


class PageSchema(InboundSchema):
    url = fields.String(validate=validate.Length(max=2048), allow_none=True)
    title = fields.String(validate=validate.Length(max=512), allow_none=True)
    referrer = fields.String(validate=validate.Length(max=2048), allow_none=True)


class VisitorHelloSchema(InboundSchema):
    page = fields.Nested(PageSchema, allow_none=True)


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


class OfflineMessageSchema(InboundSchema):
    """The leave-a-message form (HTTP), sent while no agent is available."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=320))
    message = fields.String(required=True)

    def __init__(self, *, max_body_length: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fields["message"].validators = [validate.Length(min=1, max=max_body_length), _not_blank]
        self.fields["name"].validators = [*self.fields["name"].validators, _one_line]


def _one_line(value: str) -> None:
    if not value.strip() or any(c in value for c in "\r\n"):
        raise ValidationError("Give a name on one line.")


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

    def dump_attachment(self, message: Any) -> dict[str, Any] | None:
        from .services.attachments import describe  # needs the app; imported when a message is dumped

        return describe(getattr(message, "attachment_id", None))


class VisitorSummarySchema(Schema):
    id = fields.String(dump_only=True)
    name = fields.String(dump_only=True, allow_none=True)
    email = fields.String(dump_only=True, allow_none=True)
    visit_count = fields.Integer(dump_only=True)
    returning = fields.Function(lambda visitor: visitor.visit_count > 1, dump_only=True)


class ConversationSchema(Schema):
    id = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    last_seq = fields.Integer(dump_only=True)
    visitor = fields.Nested(VisitorSummarySchema, dump_only=True, allow_none=True)
    last_message = fields.Nested(MessageSchema, dump_only=True, allow_none=True)


class ConversationStateSchema(Schema):
    """What a visitor is told about their own conversation: no visitor record, no internals."""

    id = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    last_seq = fields.Integer(dump_only=True)


@functools.lru_cache(maxsize=8)
def send_schema(schema_class: type[SendMessageSchema], max_body_length: int) -> SendMessageSchema:
    """One schema instance per message-length limit, instead of one per message."""
    return schema_class(max_body_length=max_body_length)


message_schema = MessageSchema()
conversation_schema = ConversationSchema()
conversation_state_schema = ConversationStateSchema()


def load(schema: Schema, payload: Any) -> dict[str, Any]:
    """Validates an inbound payload; ``None`` counts as an empty object for events with optional fields."""
    try:
        loaded: dict[str, Any] = schema.load({} if payload is None else payload)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        raise InvalidPayload(fields=messages) from None
    return loaded


class ConsentChoiceSchema(InboundSchema):
    choice = fields.String(required=True, validate=validate.OneOf(["accepted", "declined"]))


class EraseConfirmSchema(InboundSchema):
    confirm = fields.Boolean(
        required=True, validate=validate.Equal(True, error="Confirm with true: erasure cannot be undone.")
    )


class ProfileSchema(InboundSchema):
    name = fields.String(validate=validate.Length(max=200), allow_none=True, load_default=None)
    email = fields.Email(validate=validate.Length(max=320), allow_none=True, load_default=None)


class SubjectQuerySchema(InboundSchema):
    """Who an admin looks for: at least one key."""

    visitor_id = fields.String(validate=validate.Length(max=32), load_default=None)
    email = fields.Email(load_default=None)
    user_id = fields.String(validate=validate.Length(max=128), load_default=None)
