"""The only package that talks to the database."""

from .repository import ConversationRecord, MessageRecord, Store, VisitRecord

__all__ = ["ConversationRecord", "MessageRecord", "Store", "VisitRecord"]
