"""The only package that talks to the database."""

from . import privacy_models as _privacy_models  # noqa: F401  (registers its tables)
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
