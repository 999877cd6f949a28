"""Resume and gap filling for both namespaces: the database and ``seq`` are the record, not the socket.

Socket.IO delivers at most once and a message queue outage drops broadcasts silently, so a client that
reconnects (or sees a ``new_message`` skip a seq) asks for what it is missing here.
"""

from __future__ import annotations

from typing import Any

from ..schemas import message_schema
from ..state import current_livechat
from ..store import ConversationRecord, MessageRecord

#: Messages per answer; a client asks again from the last seq it got while ``more`` is true.
PAGE_SIZE = 500


def messages_after(conversation_id: str, after_seq: int) -> tuple[list[MessageRecord], bool]:
    """One page of the messages after ``after_seq``, and whether there are more."""
    return current_livechat.chat.messages_page(conversation_id, after_seq, PAGE_SIZE)


def fetch_ack(conversation: ConversationRecord, after_seq: int) -> dict[str, Any]:
    messages, more = messages_after(conversation.id, after_seq)
    return {
        "ok": True,
        "conversation_id": conversation.id,
        "last_seq": conversation.last_seq,
        "messages": message_schema.dump(messages, many=True),
        "more": more,
    }
