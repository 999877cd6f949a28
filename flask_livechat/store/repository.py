"""The chat store: one object with every query, assembled from one mixin per concern.

A new concern adds its own ``XxxQueries(Database)`` module here and joins the bases of ``Store``.
"""

from __future__ import annotations

from .attachments import AttachmentQueries
from .canned import CannedQueries
from .conversations import ConversationQueries
from .moderation import ModerationQueries
from .presence import PresenceQueries
from .privacy import PrivacyQueries
from .profiles import ProfileQueries
from .reads import ReadQueries
from .search import SearchQueries
from .visitor_list import VisitorListQueries
from .visitors import VisitorQueries
from .workflow import InviteQueries


class Store(
    VisitorQueries,
    AttachmentQueries,
    InviteQueries,
    SearchQueries,
    ConversationQueries,
    PresenceQueries,
    VisitorListQueries,
    CannedQueries,
    ModerationQueries,
    ReadQueries,
    ProfileQueries,
    PrivacyQueries,
):
    """Safe to share between threads and greenlets: one pooled connection per call."""
