"""Moderation: delete a message, block a visitor id and/or an IP network for a while; everything logged."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from ..changes import MessageDeleted, VisitorBlocked, publish
from ..errors import ForbiddenError, InvalidPayload, NotFoundError
from ..store import Store
from ..store.models import utcnow
from ..store.moderation import blocks_match
from ..store.records import BlockRecord, LogRecord, MailRecord
from .chat import Agent, ChatService
from .departments import in_scope
from .refreshed import Refreshed

#: Narrowest prefixes we refuse to go beyond: blocking a /8 would block a country's worth of people.
_MIN_PREFIX = {4: 16, 6: 32}


class Blocked(ForbiddenError):
    error_code = "blocked"
    message = "This chat is not available to you."


def parse_network(value: str) -> str:
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise InvalidPayload(
            fields={"network": ["Not an IP address or network (e.g. 203.0.113.0/24)."]}
        ) from None
    if network.prefixlen < _MIN_PREFIX[network.version]:
        raise InvalidPayload(
            fields={
                "network": [
                    f"Too broad: use at least /{_MIN_PREFIX[network.version]} for IPv{network.version}."
                ]
            }
        )
    return str(network)


class ModerationService:
    #: Seconds a process reuses the list of active blocks before reading it again. Blocks made or lifted in
    #: this process apply at once; those made in another process within this many seconds.
    cache_seconds = 2.0

    def __init__(self, store: Store, chat: ChatService, *, max_block_days: int) -> None:
        self._store = store
        self._chat = chat
        self._max = timedelta(days=max_block_days)
        # Checked on every page and message: a short cache keeps a table read off that path.
        self._blocks = Refreshed(store.moderation.active_blocks, lambda: self.cache_seconds)

    def _active(self) -> list[BlockRecord]:
        return [b for b in self._blocks.get() if b.expires_at > utcnow()]

    def forget_cache(self) -> None:
        self._blocks.forget()

    def is_blocked(self, visitor_id: str | None, ip: str | None) -> bool:
        return blocks_match(self._active(), visitor_id, ip)

    def delete_message(self, agent: Agent, conversation_id: str, message_id: str) -> None:
        self._chat.conversation_for_agent(agent, conversation_id)
        if not self._store.workflow.delete_message(conversation_id, message_id):
            raise NotFoundError("No such message in this conversation (system notices cannot be deleted).")
        self._store.moderation.log_moderation(
            "delete_message", actor=agent.name, conversation_id=conversation_id, message_id=message_id
        )
        conversation = self._store.conversations.get_conversation(conversation_id)
        visitor_id = conversation.visitor_id if conversation else None
        publish(MessageDeleted(conversation_id, message_id, visitor_id))

    def block(
        self, agent: Agent, *, visitor_id: str | None, network: str | None, minutes: int, reason: str | None
    ) -> int:
        if visitor_id is None and network is None:
            raise InvalidPayload(fields={"_schema": ["Name a visitor_id, a network, or both."]})
        if visitor_id is not None:
            visitor = self._store.visitors.get_visitor(visitor_id)
            if visitor is None or not in_scope(agent.departments, visitor.department):
                raise NotFoundError("No such visitor, or not in your departments.")
        if network is not None and agent.role != "admin":
            raise ForbiddenError("Only admins can block IP networks.")
        duration = timedelta(minutes=minutes)
        if duration > self._max:
            raise InvalidPayload(
                fields={"minutes": [f"At most {self._max.days} days (LIVECHAT_MAX_BLOCK_DAYS)."]}
            )
        block_id = self._store.moderation.add_block(
            visitor_id=visitor_id,
            network=parse_network(network) if network is not None else None,
            expires_at=utcnow() + duration,
            reason=reason,
            actor=agent.name,
        )
        self.forget_cache()
        if visitor_id is not None:
            publish(VisitorBlocked(visitor_id))
        return block_id

    def lift(self, agent: Agent, block_id: int) -> None:
        if agent.role != "admin":
            raise ForbiddenError("Only admins can lift blocks.")
        if not self._store.moderation.lift_block(block_id, actor=agent.name):
            raise NotFoundError("No such active block.")
        self.forget_cache()

    def lift_from_admin(self, block_id: int, actor: str) -> bool:
        """The admin page's "lift" (the page checked the role): ``False`` when the block is not active."""
        lifted = self._store.moderation.lift_block(block_id, actor=actor)
        self.forget_cache()
        return lifted

    def active_blocks(self) -> list[BlockRecord]:
        return self._store.moderation.active_blocks()

    def log(self, limit: int) -> list[LogRecord]:
        return self._store.moderation.moderation_log(limit=limit)

    def mail_log(self, limit: int) -> list[MailRecord]:
        return self._store.mail.mail_log(limit=limit)

    def check(self, visitor_id: str | None, ip: str | None) -> None:
        """Raises ``Blocked`` for a blocked visitor or address."""
        if self.is_blocked(visitor_id, ip):
            raise Blocked()
