"""The chat store: one object with every query, assembled from one mixin per concern.

A new concern adds its own ``XxxQueries(Database)`` module here and joins the bases of ``Store``.
"""

from __future__ import annotations

from .attachments import AttachmentQueries
from .conversations import ConversationQueries
from .history import HistoryQueries
from .privacy import PrivacyQueries
from .profiles import ProfileQueries
from .reads import ReadQueries
from .visitors import VisitorQueries


class Store(
    VisitorQueries,
    AttachmentQueries,
    ConversationQueries,
    ReadQueries,
    ProfileQueries,
    HistoryQueries,
    PrivacyQueries,
):
    """Safe to share between threads and greenlets: one pooled connection per call."""
