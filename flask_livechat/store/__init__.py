"""The only package that talks to the database."""

from .records import (
    ClientInfo,
    ConversationRecord,
    MessageRecord,
    PageInfo,
    StoredMessage,
    VisitorRecord,
    VisitRecord,
)
from .repository import Store

__all__ = [
    "ClientInfo",
    "ConversationRecord",
    "MessageRecord",
    "PageInfo",
    "Store",
    "StoredMessage",
    "VisitRecord",
    "VisitorRecord",
]
