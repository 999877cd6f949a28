"""What the privacy page says, built from what this installation really does: one list of categories.

Every ``livechat_*`` column that can hold something about a person belongs to a category here (or is named in
``NOT_PERSONAL`` with the reason), and tests/test_privacy_notice.py fails for a column that is in neither, so
a new column cannot reach the database without the page saying so. The page's template only renders this.
Each category names the config key that governs how long it is kept (``kept_by``); the retention test ages
rows past it, runs the purge and checks the tables agree with what the page says.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

logger = logging.getLogger("flask_livechat")

#: Legal bases (GDPR Art. 6(1)), by the key a category names.
BASES = {
    "contract": "Contract or steps before one (Art. 6(1)(b) GDPR)",
    "consent": "Consent (Art. 6(1)(a) GDPR), which you can withdraw",
    "legitimate": "Legitimate interest (Art. 6(1)(f) GDPR); you may object",
    "obligation": "Legal obligation (Art. 6(1)(c) GDPR)",
}

#: Columns that hold nothing about a person, and why ("table.*" for a whole table).
NOT_PERSONAL: dict[str, str] = {
    "livechat_canned_responses.*": "saved replies that staff write once for everyone",
    "livechat_alembic_version.*": "the schema revision the chat's tables are at",
    "livechat_webhook_endpoints.*": "the receivers administrators registered: their URLs, events and secrets",
}

RETENTION_KEY = "LIVECHAT_RETENTION_DAYS"
AUDIT_RETENTION_KEY = "LIVECHAT_AUDIT_RETENTION_DAYS"
CONNECTION_KEY = "LIVECHAT_PRESENCE_TIMEOUT"


@dataclass(frozen=True)
class Category:
    """One kind of data the chat stores: what, why, on which legal basis, who sees it, how long."""

    key: str
    name: str
    what: str
    purpose: str
    basis: str
    who: str
    retention: str
    #: The config key that governs the retention (``None``: kept until erasure).
    kept_by: str | None
    #: The columns it covers, ``table.column`` or ``table.*``.
    columns: tuple[str, ...]
    #: False when this installation does not collect it (say attachments are off): not on the page.
    collected: bool = True
    #: What an erasure leaves of it, and why (``None``: erasure deletes all of it about the person).
    after_erasure: str | None = None

    @property
    def basis_text(self) -> str:
        return BASES[self.basis]


@dataclass(frozen=True)
class Right:
    name: str
    how: str


@dataclass(frozen=True)
class Recipient:
    who: str
    why: str


@dataclass(frozen=True)
class Notice:
    """Everything the privacy page states; the template renders it and adds the visitor's own forms."""

    controller: str | None
    address: str | None
    contact: str | None
    authority: str | None
    consent_mode: str
    categories: list[Category]
    recipients: list[Recipient]
    rights: list[Right]
    statistics: str
    mail_on: bool
    retention_days: int

    @property
    def collected(self) -> list[Category]:
        return [category for category in self.categories if category.collected]


def mail_host(config: Mapping[str, Any]) -> str | None:
    """The SMTP server that mails leave the installation through, when mail is on."""
    server = config.get("LIVECHAT_MAIL_SERVER")
    return str(server) if server and config.get("LIVECHAT_MAIL_SENDER") else None


def field_labels(config: Mapping[str, Any]) -> list[str]:
    """The pre-chat form's questions, as visitors see them (English label when translated)."""
    labels = []
    for item in config.get("LIVECHAT_PRECHAT_FIELDS") or ():
        if isinstance(item, str):
            labels.append(item)
            continue
        label = item.get("label") or item.get("name")
        if isinstance(label, Mapping):
            label = label.get("en") or next(iter(label.values()), item.get("name"))
        labels.append(str(label))
    return labels


def _days(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


def categories(config: Mapping[str, Any], *, billing: bool, webhooks: bool = False) -> list[Category]:
    """Every category of personal data, with this installation's settings: the one list (see module doc).
    ``webhooks``: administrators registered an enabled webhook receiver."""
    days = config[RETENTION_KEY]
    after = f"Deleted {_days(days)} after their last activity"
    network = bool(config["LIVECHAT_STORE_NETWORK_DATA"])
    mode = config["LIVECHAT_CONSENT_MODE"]
    recognition_basis = "consent" if mode == "opt-in" else "legitimate"
    mail = mail_host(config) is not None
    labels = field_labels(config)
    audit_days = config[AUDIT_RETENTION_KEY]
    presence = config[CONNECTION_KEY]
    min_count = config["LIVECHAT_REPORTS_MIN_COUNT"]
    staff = "Our staff who answer the chat (agents) and administrators"
    visit_what = (
        "When each visit started and last moved; your browser, operating system and device with their "
        "versions and the full user-agent string your browser sends; your language; the page you came from "
        "(its origin and path only) and the page you landed on"
    )
    if network:
        visit_what += "; your IP address with its last part removed (e.g. 203.0.113.0)"
    return [
        Category(
            key="messages",
            name="Your messages",
            what="What you and our staff write in the chat, with its dates and times, the conversation's "
            "status, duration and department, which staff member it is assigned to, and how far each side "
            "has read",
            purpose="To answer you, and so the conversation is there when you come back",
            basis="contract",
            who=staff,
            retention=f"{after} (the conversation's last message)",
            kept_by=RETENTION_KEY,
            columns=(
                "livechat_conversations.id",
                "livechat_conversations.visitor_id",
                "livechat_conversations.status",
                "livechat_conversations.created_at",
                "livechat_conversations.updated_at",
                "livechat_conversations.closed_at",
                "livechat_conversations.last_seq",
                "livechat_conversations.department",
                "livechat_conversations.assigned_agent_id",
                "livechat_conversations.assigned_agent_name",
                "livechat_messages.*",
                "livechat_messages_fts.*",
                "livechat_read_marks.*",
            ),
        ),
        Category(
            key="attachments",
            name="Files you send",
            what="Files attached in the chat, with their name, type and size",
            purpose="To answer you when a picture or document says it better",
            basis="contract",
            who=staff,
            retention=f"{after}, with their conversation",
            kept_by=RETENTION_KEY,
            columns=("livechat_attachments.*",),
            collected=bool(config["LIVECHAT_ATTACHMENTS"]),
        ),
        Category(
            key="prechat",
            name="Answers to the pre-chat form",
            what="What you answer before your first message: " + ", ".join(labels)
            if labels
            else "What you answer before your first message",
            purpose="To route your question and address you",
            basis="contract",
            who=staff,
            retention=f"Kept with your visitor record: {after.lower()}",
            kept_by=RETENTION_KEY,
            columns=("livechat_visitor_profiles.*",),
            collected=bool(labels),
        ),
        Category(
            key="contact",
            name="Your name and email",
            what="The name and email you give in the pre-chat or leave-a-message form, or correct here",
            purpose="To reply to you, also by email when you left a message",
            basis="contract",
            who=staff,
            retention=f"Kept with your visitor record: {after.lower()}",
            kept_by=RETENTION_KEY,
            columns=("livechat_visitors.name", "livechat_visitors.email"),
        ),
        Category(
            key="offline",
            name="Messages left while nobody is online",
            what="The leave-a-message form's name, email and message"
            + (", also mailed to our team's address" if mail and config.get("LIVECHAT_MAIL_TO") else ""),
            purpose="To answer you later, by email",
            basis="contract",
            who=staff,
            retention=f"{after}, as a conversation",
            kept_by=RETENTION_KEY,
            columns=("livechat_visitor_profiles.fields", "livechat_messages.body"),
        ),
        Category(
            key="ratings",
            name="Ratings and comments",
            what="The score (1 to 5) you give a conversation, your comment and when you gave it",
            purpose="To learn how well we help",
            basis="legitimate",
            who=staff,
            retention=f"{after}, with their conversation",
            kept_by=RETENTION_KEY,
            columns=(
                "livechat_conversations.rating",
                "livechat_conversations.rating_comment",
                "livechat_conversations.rated_at",
            ),
        ),
        Category(
            key="notes",
            name="Staff notes and tags",
            what="Internal notes and tags our staff add to your conversation (never shown in the chat), "
            "with who wrote them and when",
            purpose="So colleagues can follow up on your question",
            basis="legitimate",
            who=staff,
            retention=f"{after}, with their conversation",
            kept_by=RETENTION_KEY,
            columns=("livechat_notes.*", "livechat_conversation_tags.*"),
        ),
        Category(
            key="visitor",
            name="Returning-visitor record",
            what="A random id (in the recognition cookie), when you were first and last seen, how many "
            "visits, the time zone your browser reports (for your local time), the department of the last "
            "page you viewed, and, when you are logged in to this site, your account id",
            purpose="To recognise you as a returning visitor and keep your conversation",
            basis=recognition_basis,
            who=staff,
            retention=f"Deleted {_days(days)} after your last visit, once no conversation or visit is left",
            kept_by=RETENTION_KEY,
            columns=(
                "livechat_visitors.id",
                "livechat_visitors.first_seen_at",
                "livechat_visitors.last_seen_at",
                "livechat_visitors.visit_count",
                "livechat_visitors.persistent",
                "livechat_visitors.host_user_id",
                "livechat_visitors.department",
                "livechat_visitors.staff",
                "livechat_visitors.timezone",
            ),
        ),
        Category(
            key="visits",
            name="Your visits",
            what=visit_what,
            purpose="So the person answering knows where you are coming from and what you use",
            basis=recognition_basis,
            who=staff,
            retention=f"{after} (the visit's last page view)",
            kept_by=RETENTION_KEY,
            columns=("livechat_visits.*",),
        ),
        Category(
            key="page_views",
            name="Pages you view",
            what="Each page's address (origin and path"
            + (
                ", with the parameters " + ", ".join(config["LIVECHAT_URL_QUERY_ALLOWLIST"]) + ")"
                if config["LIVECHAT_URL_QUERY_ALLOWLIST"]
                else "; no query string)"
            )
            + ", its title, the page before it, and when",
            purpose="So the person answering knows what you were looking at, and in which order",
            basis=recognition_basis,
            who=staff,
            retention=f"Deleted {_days(days)} after the view",
            kept_by=RETENTION_KEY,
            columns=("livechat_page_views.*",),
            collected=bool(config["LIVECHAT_TRACK_PAGE_VIEWS"]),
        ),
        Category(
            key="connections",
            name="While you are on the site",
            what="The page you have open now and its title, and, when you are logged in to this site, "
            "your account name and email"
            + (
                " and a summary of your plan and billing state (plan, status, renewal date, card brand "
                "and last four digits, never a full card number)"
                if billing
                else ""
            ),
            purpose="To show our staff who is on the site now, and help customers with their account",
            basis="contract" if billing else recognition_basis,
            who=staff,
            retention=f"Deleted when you leave (at the latest {presence} seconds after your browser stops "
            "answering)",
            kept_by=CONNECTION_KEY,
            columns=("livechat_visitor_connections.*",),
        ),
        Category(
            key="consents",
            name="Your privacy choices",
            what="Each choice you make here or in the chat (accept or decline), with the policy version and "
            "the time; a decline is kept without any id",
            purpose="To respect your choice and be able to show it was made",
            basis="obligation",
            who="Administrators",
            retention=f"Kept with your visitor record ({after.lower()}); declines {_days(days)} after they "
            "were made",
            kept_by=RETENTION_KEY,
            columns=("livechat_consents.*",),
        ),
        Category(
            key="mail_log",
            name="Emails sent to you",
            what="Each email the chat tried to send (transcripts, replies to messages you left, other mail): "
            "its kind, when, the address masked (a•••@example.com) with a keyed digest of it, whether it was "
            "delivered, and who asked for it; never its subject or text"
            + ("" if mail else " (no mail server is set up here, so none leaves the site)"),
            purpose="To know what we sent you and fix delivery problems",
            basis="legitimate",
            who="Administrators",
            retention=f"Deleted {_days(days)} after it was sent",
            kept_by=RETENTION_KEY,
            columns=("livechat_mail_log.*",),
        ),
        Category(
            key="unsubscribe_links",
            name="Unsubscribe links",
            what="The random id in the unsubscribe link of the emails we send you, standing for a keyed "
            "digest of your address and the kind of email (never the address itself)",
            purpose="So the link in an email can unsubscribe you without a login",
            basis="legitimate",
            who="Nobody reads them; the link you click does",
            retention=f"Deleted {_days(days)} after the last email that carried it",
            kept_by=RETENTION_KEY,
            columns=("livechat_unsubscribe_links.*",),
        ),
        Category(
            key="opt_outs",
            name="Email opt-outs",
            what="A keyed digest of your email address (not the address: it only matches when someone "
            "already has your address) and which kind of email (promotional or service) you unsubscribed "
            "from",
            purpose="So we never mail you what you unsubscribed from",
            basis="obligation",
            who="Nobody reads them; our mail sender checks them before every email",
            retention="Kept, even when you ask us to erase your data (otherwise mail you refused would "
            "resume)",
            kept_by=None,
            columns=("livechat_mail_suppressions.*",),
            after_erasure="the opt-out, as the digest of your address only, so that mail you refused does "
            "not resume",
        ),
        Category(
            key="audit",
            name="Record of privacy actions",
            what="Who looked at, searched for, downloaded or erased someone's chat data, and when; the "
            "person is recorded as a random reference, never by name or id (a history search by what it "
            "filtered on, never the words searched for)",
            purpose="To show that data about you is only used as this page says",
            basis="obligation",
            who="Administrators",
            retention=f"Deleted {_days(audit_days)} after the action",
            kept_by=AUDIT_RETENTION_KEY,
            columns=("livechat_audit_log.*", "livechat_audit_subjects.*"),
            after_erasure="the record of the erasure itself and earlier actions, under a random reference "
            "that nothing links to you any more",
        ),
        Category(
            key="moderation",
            name="Blocks and moderation",
            what="When staff block a visitor or a network (an address range, never a full address) or "
            "remove a message: who did it, why, when and until when",
            purpose="To protect our staff and visitors from abuse",
            basis="legitimate",
            who="Administrators and agents",
            retention=f"Blocks are deleted {_days(days)} after they end, the record of actions {_days(days)} "
            "after the action",
            kept_by=RETENTION_KEY,
            columns=("livechat_blocks.*", "livechat_moderation_log.*"),
            after_erasure="what staff did, without any link to you, and a block on a network until it ends",
        ),
        Category(
            key="reports",
            name="Figures for reports",
            what="For each conversation, visit and page view a summary row for the administrators' reports: "
            "its times, first reply and who sent it, duration, rating, department, the customer's plan, "
            "whether it was a left message, browser and operating system, the other site you came from "
            "(origin only), whether you visited before, the page's path, and your visitor id (only to "
            "count distinct visitors)",
            purpose="Aggregate statistics to staff the chat and improve the site",
            basis="legitimate",
            who=f"Administrators, as totals only: any figure counting fewer than {min_count} people is "
            f"shown as \u201c< {min_count}\u201d",
            retention="Deleted with the conversation, visit or page view it summarises "
            f"({_days(days)} after it), and when you erase your data",
            kept_by=RETENTION_KEY,
            columns=("livechat_report_chats.*", "livechat_report_visits.*", "livechat_report_views.*"),
        ),
        Category(
            key="webhooks",
            name="Events sent to other services",
            what="When administrators have registered a webhook receiver (see Who receives it): a copy of "
            "each event sent to it (conversation and visitor ids, times, and for a message its text as "
            "stored, card numbers masked; never your IP address), and each delivery attempt's result",
            purpose="To pass conversations on to the tools our team works in (help desk, CRM, team chat)",
            basis="legitimate",
            who="Administrators, and the receivers named under Who receives it",
            retention=f"Deleted {_days(config['LIVECHAT_WEBHOOK_LOG_DAYS'])} after it was sent, with the "
            "conversation, and when you erase your data",
            kept_by="LIVECHAT_WEBHOOK_LOG_DAYS",
            columns=("livechat_webhook_deliveries.*", "livechat_webhook_attempts.*"),
            collected=webhooks,
        ),
        Category(
            key="staff",
            name="Staff using the console",
            what="For our own staff: their account id, name, role, departments, which console tabs are open "
            "and which conversation each shows, and their name on the messages and notes they write",
            purpose="To share the chat among staff and show visitors who answers",
            basis="contract",
            who="Our staff and administrators",
            retention=f"Console tabs: deleted when closed (at the latest {presence} seconds after they stop "
            "answering); names on messages and notes go with them",
            kept_by=CONNECTION_KEY,
            columns=("livechat_agent_connections.*",),
        ),
        Category(
            key="api_tokens",
            name="Staff API tokens",
            what="For our own staff: the API tokens administrators made to act as them (a digest of each, "
            "its name, scope, the staff member's id, name, role and departments, when it was made, last "
            "used and revoked)",
            purpose="To let the team's own tools use the chat's API with a staff member's rights",
            basis="contract",
            who="Administrators",
            retention="Kept until an administrator revokes them, then listed as revoked; revoked at once "
            "when the staff member's account is deleted or their access is withdrawn",
            kept_by=None,
            columns=("livechat_api_tokens.*",),
        ),
    ]


def recipients(
    config: Mapping[str, Any], webhooks: Sequence[tuple[str, Sequence[str]]] = ()
) -> list[Recipient]:
    """Who receives the data besides the controller's own staff: only what this configuration sends.
    ``webhooks``: each enabled receiver's site and the events it gets."""
    found = [
        Recipient(
            "Our staff (agents and administrators) on this site's own servers",
            "The chat runs inside this site: its data stays in our own database and files",
        )
    ]
    host = mail_host(config)
    if host is not None:
        found.append(
            Recipient(
                f"The mail server {host}, which delivers the chat's emails (a processor when it is not ours)",
                "Transcripts you ask for, replies to messages you left"
                + (
                    ", and messages left while nobody was online, mailed to our team"
                    if config.get("LIVECHAT_MAIL_TO")
                    else ""
                ),
            )
        )
    queue = config.get("LIVECHAT_MESSAGE_QUEUE")
    if queue:
        found.append(
            Recipient(
                f"The message queue at {urlsplit(str(queue)).hostname or 'the address this site set'}",
                "Chat messages pass through it between our servers; it keeps nothing",
            )
        )
    for origin, events in webhooks:
        found.append(
            Recipient(
                f"The webhook receiver at {origin}, registered by our administrators",
                "It is sent these chat events as they happen: " + ", ".join(events),
            )
        )
    if config.get("LIVECHAT_ATTACHMENT_STORAGE") is not None and config["LIVECHAT_ATTACHMENTS"]:
        found.append(Recipient("The file storage this site configured", "It holds the files you send"))
    return found


def rights(config: Mapping[str, Any], *, contact: str | None) -> list[Right]:
    """The data subject's rights and how to use each one here."""
    write = f"write to {contact}" if contact else "write to us (see Who is responsible)"
    mode = config["LIVECHAT_CONSENT_MODE"]
    authority = config.get("LIVECHAT_SUPERVISORY_AUTHORITY")
    complaint = "You may complain to a data protection supervisory authority" + (
        f": ours is {authority}; you may also turn to the one where you live or work."
        if authority
        else ", in particular where you live or work, or where the problem happened."
    )
    return [
        Right(
            "Access and portability",
            "Download my data, below or in the chat's Your data menu: a zip file with everything "
            "stored about you as JSON (conversations, notes and tags our staff added, emails sent to "
            "you, your requests' audit entries) and the files you sent; a JSON-only download too. "
            f"In the chat it also covers a conversation held without our cookie; for anything else, {write}.",
        ),
        Right(
            "Rectification",
            "Correct your name and email under Your chat profile (this browser or your account) or "
            "in the chat's Your data menu; every stored copy changes. "
            f"For anything else, {write}.",
        ),
        Right(
            "Erasure",
            "Use the deletion form below (once this browser holds chat data), or the chat's "
            "Your data menu; it is gone at once. For data held under your account, log in first.",
        ),
        Right(
            "Objection",
            "Decline recognition under Your choice; unsubscribe with the link in any email; "
            f"to object to anything else, {write}.",
        ),
        Right("Restriction", f"To have us keep but not use your data while a question is settled, {write}."),
        Right(
            "Withdrawing consent",
            "Change Your choice below, or Stop remembering me in the chat, at any time; it does not affect "
            "what was done before."
            if mode != "off"
            else "This site's own cookie settings govern the chat.",
        ),
        Right("Complaint", complaint),
    ]


def statistics(config: Mapping[str, Any]) -> str:
    days = config[RETENTION_KEY]
    minimum = config["LIVECHAT_REPORTS_MIN_COUNT"]
    return (
        "Administrators see reports of how the chat and the site are doing: conversations, response times, "
        "ratings, visitors, busiest hours, top pages, referring sites, browsers and plans. They are computed "
        "from the summary rows under Figures for reports and show totals only: any figure counting fewer "
        f"than {minimum} people is shown as \u201c< {minimum}\u201d, so no one can be picked out. The "
        f"summary rows are deleted with what they summarise ({_days(days)} after it) and when you erase "
        "your data."
    )


def privacy_notice(
    config: Mapping[str, Any], *, billing: bool, webhooks: Sequence[tuple[str, Sequence[str]]] = ()
) -> Notice:
    """The page's content for this configuration; ``billing``: the host registered a ``billing_loader``;
    ``webhooks``: the enabled webhook receivers, as (site, events)."""
    contact = config.get("LIVECHAT_PRIVACY_CONTACT")
    return Notice(
        controller=config.get("LIVECHAT_COMPANY_NAME"),
        address=config.get("LIVECHAT_COMPANY_ADDRESS"),
        contact=contact,
        authority=config.get("LIVECHAT_SUPERVISORY_AUTHORITY"),
        consent_mode=config["LIVECHAT_CONSENT_MODE"],
        categories=categories(config, billing=billing, webhooks=bool(webhooks)),
        recipients=recipients(config, webhooks),
        rights=rights(config, contact=contact),
        statistics=statistics(config),
        mail_on=mail_host(config) is not None,
        retention_days=config[RETENTION_KEY],
    )


def warn_without_controller(config: Mapping[str, Any], *, debug: bool, testing: bool) -> bool:
    """A privacy page must say who is responsible and how to reach them: a logged warning at start-up
    outside debug and testing when ``LIVECHAT_COMPANY_NAME`` or ``LIVECHAT_PRIVACY_CONTACT`` is unset.
    Returns whether it warned."""
    missing = [key for key in ("LIVECHAT_COMPANY_NAME", "LIVECHAT_PRIVACY_CONTACT") if not config.get(key)]
    if not missing or debug or testing:
        return False
    logger.warning(
        "flask-livechat: set %s: the privacy page at <prefix>/privacy must name who is responsible for the "
        "chat's data (the controller) and how to reach them; it says 'not configured' until then.",
        " and ".join(missing),
    )
    return True
