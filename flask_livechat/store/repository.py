"""The chat store: one object with every query, assembled from one mixin per concern.

A new concern adds its own ``XxxQueries(Database)`` module here and joins the bases of ``Store``.
"""

from __future__ import annotations

from .conversations import ConversationQueries
from .privacy import PrivacyQueries
from .visitors import VisitorQueries


class Store(VisitorQueries, ConversationQueries, PrivacyQueries):
    """Safe to share between threads and greenlets: one pooled connection per call."""
