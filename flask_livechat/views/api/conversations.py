"""Conversations and their messages over the API: the console's actions, through the console's services."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app

from ...schemas import conversation_schema, message_schema
from ...state import current_livechat
from ...store.records import ConversationFilters
from . import schemas
from .auth import Caller
from .cursors import conversation_cursor, message_cursor, read_conversation_cursor, read_message_cursor
from .endpoints import Answer, api

TAG = "conversations"


def _conversation(caller: Caller, conversation_id: str) -> dict[str, Any]:
    record = current_livechat.chat.conversation_for_agent(caller.agent, conversation_id)
    return dict(conversation_schema.dump(record))


@api.route(
    "GET",
    "/conversations",
    scope="read",
    tag=TAG,
    summary="List the conversations you may see, newest first",
    query=schemas.ConversationListQuery,
    response=schemas.ConversationPage,
)
def list_conversations(caller: Caller, query: dict[str, Any]) -> Answer:
    filters = ConversationFilters(
        status=query.get("status"),
        department=query.get("department"),
        assignee=query.get("assignee"),
        visitor_id=query.get("visitor_id"),
        updated_since=query.get("updated_since"),
    )
    cursor = query.get("cursor")
    before = read_conversation_cursor(cursor) if cursor else None
    found, more = current_livechat.chat.conversations_page(
        caller.agent, filters, before=before, size=query["limit"]
    )
    next_cursor = conversation_cursor(found[-1].created_at, found[-1].id) if more else None
    return {"items": conversation_schema.dump(found, many=True), "next_cursor": next_cursor}, 200


@api.route(
    "GET",
    "/conversations/{conversation_id}",
    scope="read",
    tag=TAG,
    summary="One conversation",
    response=schemas.ConversationSchema,
)
def get_conversation(caller: Caller, conversation_id: str) -> Answer:
    return _conversation(caller, conversation_id), 200


@api.route(
    "POST",
    "/conversations/{conversation_id}/close",
    scope="write",
    tag=TAG,
    summary="Close a conversation (closing a closed one changes nothing)",
    response=schemas.ConversationSchema,
)
def close_conversation(caller: Caller, conversation_id: str) -> Answer:
    current_livechat.chat.close(caller.agent, conversation_id)
    return _conversation(caller, conversation_id), 200


@api.route(
    "POST",
    "/conversations/{conversation_id}/reopen",
    scope="write",
    tag=TAG,
    summary="Reopen a closed conversation (409 when the visitor has started another since)",
    response=schemas.ConversationSchema,
)
def reopen_conversation(caller: Caller, conversation_id: str) -> Answer:
    current_livechat.chat.reopen(caller.agent, conversation_id)
    return _conversation(caller, conversation_id), 200


@api.route(
    "POST",
    "/conversations/{conversation_id}/assign",
    scope="write",
    tag=TAG,
    summary="Assign (or with transfer, hand over) a conversation to an agent who is online or away",
    body=schemas.AssignBody,
    response=schemas.ConversationSchema,
)
def assign_conversation(caller: Caller, conversation_id: str, body: dict[str, Any]) -> Answer:
    assigned, _ = current_livechat.workflow.assign(
        caller.agent, conversation_id, body["agent_id"], body["note"], transfer=body["transfer"]
    )
    return dict(conversation_schema.dump(assigned)), 200


@api.route(
    "POST",
    "/conversations/{conversation_id}/tags",
    scope="write",
    tag=TAG,
    summary="Add a tag (adding one it has changes nothing)",
    body=schemas.TagBody,
    response=schemas.ConversationSchema,
)
def add_tag(caller: Caller, conversation_id: str, body: dict[str, Any]) -> Answer:
    current = current_livechat.chat.conversation_for_agent(caller.agent, conversation_id)
    tags = [*current.tags, body["tag"]]
    updated = current_livechat.workflow.set_tags(caller.agent, conversation_id, tags)
    return dict(conversation_schema.dump(updated)), 200


@api.route(
    "DELETE",
    "/conversations/{conversation_id}/tags/{tag}",
    scope="write",
    tag=TAG,
    summary="Remove a tag (removing one it lacks changes nothing)",
    response=schemas.ConversationSchema,
)
def remove_tag(caller: Caller, conversation_id: str, tag: str) -> Answer:
    current = current_livechat.chat.conversation_for_agent(caller.agent, conversation_id)
    tags = [t for t in current.tags if t != tag.strip().lower()]
    updated = current_livechat.workflow.set_tags(caller.agent, conversation_id, tags)
    return dict(conversation_schema.dump(updated)), 200


# --- messages ----------------------------------------------------------------------------------------------


@api.route(
    "GET",
    "/conversations/{conversation_id}/messages",
    scope="read",
    tag="messages",
    summary="A conversation's messages, oldest first",
    query=schemas.MessageListQuery,
    response=schemas.MessagePage,
)
def list_messages(caller: Caller, conversation_id: str, query: dict[str, Any]) -> Answer:
    cursor = query.get("cursor")
    after = read_message_cursor(cursor) if cursor else 0
    found, more = current_livechat.chat.agent_messages_page(
        caller.agent, conversation_id, after, query["limit"]
    )
    next_cursor = message_cursor(found[-1].seq) if more else None
    return {"items": message_schema.dump(found, many=True), "next_cursor": next_cursor}, 200


def _send_body() -> schemas.SendBody:
    return schemas.SendBody(max_body_length=current_app.config["LIVECHAT_MAX_MESSAGE_LENGTH"])


@api.route(
    "POST",
    "/conversations/{conversation_id}/messages",
    scope="write",
    tag="messages",
    summary="Send a message as the agent (201; 200 when this client_id was already stored)",
    body=_send_body,
    response=schemas.MessageSchema,
    status=201,
    also=(200,),
)
def send_message(caller: Caller, conversation_id: str, body: dict[str, Any]) -> Answer:
    state = current_livechat
    agent = caller.agent
    state.limiter.hit("agent_message", f"agent:{agent.user_id}")  # the console's limit, shared with it
    client_id = body.get("client_id") or f"api-{uuid.uuid4().hex}"
    stored = state.chat.send_agent_message(agent, conversation_id, client_id=client_id, body=body["body"])
    state.offline.mail_reply(stored)  # answers to left messages also go by email, as from the console
    return dict(message_schema.dump(stored.message)), 200 if stored.duplicate else 201


@api.route(
    "DELETE",
    "/conversations/{conversation_id}/messages/{message_id}",
    scope="write",
    tag="messages",
    summary="Delete a message (moderation; logged)",
    status=204,
)
def delete_message(caller: Caller, conversation_id: str, message_id: str) -> Answer:
    current_livechat.moderation.delete_message(caller.agent, conversation_id, message_id)
    return None
