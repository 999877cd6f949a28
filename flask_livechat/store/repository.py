"""The chat store: one query object per aggregate, all sharing one ``Database``.

No aggregate inherits another's queries. Where one needs another's SQL (a message appended with an attachment
or an invitation, a conversation list of search results), it calls the module-level helpers in
``conversations.py``, which run in the caller's transaction. A new aggregate is a class taking the
``Database``, and an attribute here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from .attachments import AttachmentQueries
from .canned import CannedQueries
from .conversations import ConversationQueries
from .database import Database
from .mail import MailQueries
from .models import Base
from .moderation import ModerationQueries
from .presence import PresenceQueries
from .privacy import PrivacyQueries
from .profiles import ProfileQueries
from .reads import ReadQueries
from .reports import ReportQueries
from .schema import SchemaQueries
from .search import SearchQueries
from .tokens import TokenQueries
from .visitors import VisitorQueries
from .webhooks import WebhookQueries
from .workflow import WorkflowQueries

#: The tables an erasure or a purge deletes from, vacuumed afterwards on PostgreSQL.
_PERSONAL_TABLES = frozenset(
    {
        "livechat_visitors",
        "livechat_visits",
        "livechat_page_views",
        "livechat_conversations",
        "livechat_messages",
        "livechat_attachments",
        "livechat_notes",
        "livechat_conversation_tags",
        "livechat_visitor_profiles",
        "livechat_visitor_connections",
        "livechat_consents",
        "livechat_mail_log",
        "livechat_unsubscribe_links",
        "livechat_audit_subjects",
        "livechat_moderation_log",
        "livechat_blocks",
        "livechat_audit_log",
        "livechat_webhook_deliveries",
        "livechat_webhook_attempts",
    }
)


class Store:
    """Safe to share between threads and greenlets: one pooled connection per call."""

    def __init__(self, url: str, *, auto_migrate: bool = False, **engine_options: Any) -> None:
        self.database = Database(url, **engine_options)
        #: Whether first use may upgrade a database that is behind (``LIVECHAT_AUTO_MIGRATE``).
        self.auto_migrate = auto_migrate
        #: The schema's revision: start-up check, ``flask livechat db upgrade`` and friends.
        self.schema = SchemaQueries(self.database)
        #: Visitors, visits, page views, and the console's live visitor list.
        self.visitors = VisitorQueries(self.database)
        #: Conversations and their messages, a returning visitor's earlier messages.
        self.conversations = ConversationQueries(self.database)
        #: Assignment, tags, notes, ratings, message deletion, invitations.
        self.workflow = WorkflowQueries(self.database)
        self.attachments = AttachmentQueries(self.database)
        #: Read receipts.
        self.reads = ReadQueries(self.database)
        #: The pre-chat and leave-a-message forms.
        self.profiles = ProfileQueries(self.database)
        #: Agents' console tabs and visitors' widget connections.
        self.presence = PresenceQueries(self.database)
        #: Blocks and the moderation log.
        self.moderation = ModerationQueries(self.database)
        #: The mail log, opt-outs (suppressions by digest) and unsubscribe link ids.
        self.mail = MailQueries(self.database)
        self.canned = CannedQueries(self.database)
        #: History search and the pages a conversation overlapped.
        self.search = SearchQueries(self.database)
        #: Consent, subject export and erasure, retention, the audit log.
        self.privacy = PrivacyQueries(self.database)
        #: The admin's reports: facts kept as rows are stored, read as aggregates.
        self.reports = ReportQueries(self.database)
        #: Outgoing webhooks: endpoints, the outbox of deliveries, their attempts.
        self.webhooks = WebhookQueries(self.database)
        #: The REST API's personal access tokens.
        self.tokens = TokenQueries(self.database)

        self.database.prepare = self.create_all

    @property
    def engine(self) -> Engine:
        """The engine, with the schema in place (created on first use)."""
        self.database.ensure_prepared()
        return self.database.engine

    def create_all(self) -> None:
        """Brings the schema to head (``SchemaQueries.prepare``: a fresh database is built, one that is behind
        refused unless ``auto_migrate``) and the full-text index in step; safe to run on every start."""
        self.schema.prepare(auto_upgrade=self.auto_migrate)
        self.search.create_index()
        if self.reports.is_behind():  # history stored before the reports existed
            self.reports.rebuild()

    def dispose(self) -> None:
        self.database.dispose()

    def scrub(self) -> bool:
        """After an erasure or a purge: no deleted text left in the full-text index, free pages or WAL
        (see ``SearchQueries.drop_deleted`` and ``Database.release_deleted``)."""
        self.search.drop_deleted()
        return self.database.release_deleted(
            [table.name for table in Base.metadata.sorted_tables if table.name in _PERSONAL_TABLES]
        )

    def count_rows(self) -> dict[str, int]:
        """Row counts per table; used by tests and the CLI to show what the store holds."""
        return self.database.count_rows()
