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

from ..i18n import DEFAULT_LANGUAGE, WIDGET, catalog, texts

logger = logging.getLogger("flask_livechat")

#: The legal bases (GDPR Art. 6(1)) a category can name.
BASIS_KEYS = ("contract", "consent", "legitimate", "obligation")


def bases(language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """The legal bases by key, worded as the GDPR's own text in each language cites its articles."""
    _ = texts(language)[0]
    return {
        "contract": _("Contract or steps before one (Art. 6(1)(b) GDPR)"),
        "consent": _("Consent (Art. 6(1)(a) GDPR), which you can withdraw"),
        "legitimate": _("Legitimate interest (Art. 6(1)(f) GDPR); you may object"),
        "obligation": _("Legal obligation (Art. 6(1)(c) GDPR)"),
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
    #: The language the texts above are in.
    language: str = DEFAULT_LANGUAGE

    @property
    def basis_text(self) -> str:
        return bases(self.language)[self.basis]


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


def field_labels(config: Mapping[str, Any], language: str = DEFAULT_LANGUAGE) -> list[str]:
    """The pre-chat form's questions as visitors see them in ``language``: the configured label (English when
    not translated), else the widget's own word for the field (``name``, ``email``), as the form shows it."""
    overrides = (config.get("LIVECHAT_TRANSLATIONS") or {}).get(language) or {}
    labels = []
    for item in config.get("LIVECHAT_PRECHAT_FIELDS") or ():
        field = {"name": item} if isinstance(item, str) else item
        label = field.get("label")
        if isinstance(label, Mapping):
            label = label.get(language) or label.get("en") or next(iter(label.values()), None)
        if not label:
            name = str(field.get("name"))
            label = (
                overrides.get(name) if isinstance(overrides.get(name), str) else widget_word(language, name)
            )
        labels.append(str(label))
    return labels


def widget_word(language: str, key: str) -> str:
    """A widget string by key in ``language`` (the key itself when the widget has no such word)."""
    if key not in WIDGET:
        return key
    return str(catalog(language).pgettext(key, WIDGET[key]))


def categories(
    config: Mapping[str, Any], *, billing: bool, webhooks: bool = False, language: str = DEFAULT_LANGUAGE
) -> list[Category]:
    """Every category of personal data, with this installation's settings: the one list (see module doc).
    ``webhooks``: administrators registered an enabled webhook receiver. Each text is one whole sentence
    in ``language`` (word order differs between languages: nothing is put together from pieces)."""
    _, ngettext = texts(language)
    days = config[RETENTION_KEY]
    network = bool(config["LIVECHAT_STORE_NETWORK_DATA"])
    mode = config["LIVECHAT_CONSENT_MODE"]
    recognition_basis = "consent" if mode == "opt-in" else "legitimate"
    mail = mail_host(config) is not None
    labels = field_labels(config, language)
    audit_days = config[AUDIT_RETENTION_KEY]
    presence = config[CONNECTION_KEY]
    min_count = config["LIVECHAT_REPORTS_MIN_COUNT"]
    allowlist = config["LIVECHAT_URL_QUERY_ALLOWLIST"]
    staff = _("Our staff who answer the chat (agents) and administrators")
    with_conversation = ngettext(
        "Deleted %(num)d day after their last activity, with their conversation",
        "Deleted %(num)d days after their last activity, with their conversation",
        days,
    )
    with_record = ngettext(
        "Kept with your visitor record: deleted %(num)d day after their last activity",
        "Kept with your visitor record: deleted %(num)d days after their last activity",
        days,
    )
    if network:
        visit_what = _(
            "When each visit started and last moved; your browser, operating system and device with their "
            "versions and the full user-agent string your browser sends; your language; the page you came "
            "from (its origin and path only) and the page you landed on; your IP address with its last part "
            "removed (e.g. 203.0.113.0)"
        )
    else:
        visit_what = _(
            "When each visit started and last moved; your browser, operating system and device with their "
            "versions and the full user-agent string your browser sends; your language; the page you came "
            "from (its origin and path only) and the page you landed on"
        )
    if allowlist:
        page_what = _(
            "Each page's address (origin and path, with the parameters %(parameters)s), its title, the page "
            "before it, and when",
            parameters=", ".join(allowlist),
        )
    else:
        page_what = _(
            "Each page's address (origin and path; no query string), its title, the page before it, and when"
        )
    if billing:
        connection_what = _(
            "The page you have open now and its title, and, when you are logged in to this site, your "
            "account name and email and a summary of your plan and billing state (plan, status, renewal "
            "date, card brand and last four digits, never a full card number)"
        )
    else:
        connection_what = _(
            "The page you have open now and its title, and, when you are logged in to this site, your "
            "account name and email"
        )
    mail_what = _(
        "Each email the chat tried to send (transcripts, replies to messages you left, other mail): its "
        "kind, when, the address masked (a\u2022\u2022\u2022@example.com) with a keyed digest of it, whether "
        "it was delivered, and who asked for it; never its subject or text"
    )
    if not mail:
        mail_what = _(
            "Each email the chat tried to send (transcripts, replies to messages you left, other mail): its "
            "kind, when, the address masked (a\u2022\u2022\u2022@example.com) with a keyed digest of it, "
            "whether it was delivered, and who asked for it; never its subject or text (no mail server is "
            "set up here, so none leaves the site)"
        )
    return [
        Category(
            key="messages",
            name=_("Your messages"),
            what=_(
                "What you and our staff write in the chat, with its dates and times, the conversation's "
                "status, duration and department, which staff member it is assigned to, and how far each "
                "side has read"
            ),
            purpose=_("To answer you, and so the conversation is there when you come back"),
            basis="contract",
            who=staff,
            retention=ngettext(
                "Deleted %(num)d day after their last activity (the conversation's last message)",
                "Deleted %(num)d days after their last activity (the conversation's last message)",
                days,
            ),
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
            language=language,
        ),
        Category(
            key="attachments",
            name=_("Files you send"),
            what=_("Files attached in the chat, with their name, type and size"),
            purpose=_("To answer you when a picture or document says it better"),
            basis="contract",
            who=staff,
            retention=with_conversation,
            kept_by=RETENTION_KEY,
            columns=("livechat_attachments.*",),
            collected=bool(config["LIVECHAT_ATTACHMENTS"]),
            language=language,
        ),
        Category(
            key="prechat",
            name=_("Answers to the pre-chat form"),
            what=_("What you answer before your first message: %(questions)s", questions=", ".join(labels))
            if labels
            else _("What you answer before your first message"),
            purpose=_("To route your question and address you"),
            basis="contract",
            who=staff,
            retention=with_record,
            kept_by=RETENTION_KEY,
            columns=("livechat_visitor_profiles.*",),
            collected=bool(labels),
            language=language,
        ),
        Category(
            key="contact",
            name=_("Your name and email"),
            what=_("The name and email you give in the pre-chat or leave-a-message form, or correct here"),
            purpose=_("To reply to you, also by email when you left a message"),
            basis="contract",
            who=staff,
            retention=with_record,
            kept_by=RETENTION_KEY,
            columns=("livechat_visitors.name", "livechat_visitors.email"),
            language=language,
        ),
        Category(
            key="offline",
            name=_("Messages left while nobody is online"),
            what=_("The leave-a-message form's name, email and message, also mailed to our team's address")
            if mail and config.get("LIVECHAT_MAIL_TO")
            else _("The leave-a-message form's name, email and message"),
            purpose=_("To answer you later, by email"),
            basis="contract",
            who=staff,
            retention=ngettext(
                "Deleted %(num)d day after their last activity, as a conversation",
                "Deleted %(num)d days after their last activity, as a conversation",
                days,
            ),
            kept_by=RETENTION_KEY,
            columns=("livechat_visitor_profiles.fields", "livechat_messages.body"),
            language=language,
        ),
        Category(
            key="ratings",
            name=_("Ratings and comments"),
            what=_("The score (1 to 5) you give a conversation, your comment and when you gave it"),
            purpose=_("To learn how well we help"),
            basis="legitimate",
            who=staff,
            retention=with_conversation,
            kept_by=RETENTION_KEY,
            columns=(
                "livechat_conversations.rating",
                "livechat_conversations.rating_comment",
                "livechat_conversations.rated_at",
            ),
            language=language,
        ),
        Category(
            key="notes",
            name=_("Staff notes and tags"),
            what=_(
                "Internal notes and tags our staff add to your conversation (never shown in the chat), with "
                "who wrote them and when"
            ),
            purpose=_("So colleagues can follow up on your question"),
            basis="legitimate",
            who=staff,
            retention=with_conversation,
            kept_by=RETENTION_KEY,
            columns=("livechat_notes.*", "livechat_conversation_tags.*"),
            language=language,
        ),
        Category(
            key="visitor",
            name=_("Returning-visitor record"),
            what=_(
                "A random id (in the recognition cookie), when you were first and last seen, how many "
                "visits, the time zone your browser reports (for your local time), the department of the "
                "last page you viewed, and, when you are logged in to this site, your account id"
            ),
            purpose=_("To recognise you as a returning visitor and keep your conversation"),
            basis=recognition_basis,
            who=staff,
            retention=ngettext(
                "Deleted %(num)d day after your last visit, once no conversation or visit is left",
                "Deleted %(num)d days after your last visit, once no conversation or visit is left",
                days,
            ),
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
            language=language,
        ),
        Category(
            key="visits",
            name=_("Your visits"),
            what=visit_what,
            purpose=_("So the person answering knows where you are coming from and what you use"),
            basis=recognition_basis,
            who=staff,
            retention=ngettext(
                "Deleted %(num)d day after their last activity (the visit's last page view)",
                "Deleted %(num)d days after their last activity (the visit's last page view)",
                days,
            ),
            kept_by=RETENTION_KEY,
            columns=("livechat_visits.*",),
            language=language,
        ),
        Category(
            key="page_views",
            name=_("Pages you view"),
            what=page_what,
            purpose=_("So the person answering knows what you were looking at, and in which order"),
            basis=recognition_basis,
            who=staff,
            retention=ngettext(
                "Deleted %(num)d day after the view", "Deleted %(num)d days after the view", days
            ),
            kept_by=RETENTION_KEY,
            columns=("livechat_page_views.*",),
            collected=bool(config["LIVECHAT_TRACK_PAGE_VIEWS"]),
            language=language,
        ),
        Category(
            key="connections",
            name=_("While you are on the site"),
            what=connection_what,
            purpose=_("To show our staff who is on the site now, and help customers with their account"),
            basis="contract" if billing else recognition_basis,
            who=staff,
            retention=ngettext(
                "Deleted when you leave (at the latest %(num)d second after your browser stops answering)",
                "Deleted when you leave (at the latest %(num)d seconds after your browser stops answering)",
                presence,
            ),
            kept_by=CONNECTION_KEY,
            columns=("livechat_visitor_connections.*",),
            language=language,
        ),
        Category(
            key="consents",
            name=_("Your privacy choices"),
            what=_(
                "Each choice you make here or in the chat (accept or decline), with the policy version and "
                "the time; a decline is kept without any id"
            ),
            purpose=_("To respect your choice and be able to show it was made"),
            basis="obligation",
            who=_("Administrators"),
            retention=ngettext(
                "Kept with your visitor record (deleted %(num)d day after their last activity); declines "
                "%(num)d day after they were made",
                "Kept with your visitor record (deleted %(num)d days after their last activity); declines "
                "%(num)d days after they were made",
                days,
            ),
            kept_by=RETENTION_KEY,
            columns=("livechat_consents.*",),
            language=language,
        ),
        Category(
            key="mail_log",
            name=_("Emails sent to you"),
            what=mail_what,
            purpose=_("To know what we sent you and fix delivery problems"),
            basis="legitimate",
            who=_("Administrators"),
            retention=ngettext(
                "Deleted %(num)d day after it was sent", "Deleted %(num)d days after it was sent", days
            ),
            kept_by=RETENTION_KEY,
            columns=("livechat_mail_log.*",),
            language=language,
        ),
        Category(
            key="unsubscribe_links",
            name=_("Unsubscribe links"),
            what=_(
                "The random id in the unsubscribe link of the emails we send you, standing for a keyed "
                "digest of your address and the kind of email (never the address itself)"
            ),
            purpose=_("So the link in an email can unsubscribe you without a login"),
            basis="legitimate",
            who=_("Nobody reads them; the link you click does"),
            retention=ngettext(
                "Deleted %(num)d day after the last email that carried it",
                "Deleted %(num)d days after the last email that carried it",
                days,
            ),
            kept_by=RETENTION_KEY,
            columns=("livechat_unsubscribe_links.*",),
            language=language,
        ),
        Category(
            key="opt_outs",
            name=_("Email opt-outs"),
            what=_(
                "A keyed digest of your email address (not the address: it only matches when someone "
                "already has your address) and which kind of email (promotional or service) you "
                "unsubscribed from"
            ),
            purpose=_("So we never mail you what you unsubscribed from"),
            basis="obligation",
            who=_("Nobody reads them; our mail sender checks them before every email"),
            retention=_(
                "Kept, even when you ask us to erase your data (otherwise mail you refused would resume)"
            ),
            kept_by=None,
            columns=("livechat_mail_suppressions.*",),
            after_erasure=_(
                "the opt-out, as the digest of your address only, so that mail you refused does not resume"
            ),
            language=language,
        ),
        Category(
            key="audit",
            name=_("Record of privacy actions"),
            what=_(
                "Who looked at, searched for, downloaded or erased someone's chat data, and when; the person "
                "is recorded as a random reference, never by name or id (a history search by what it "
                "filtered on, never the words searched for)"
            ),
            purpose=_("To show that data about you is only used as this page says"),
            basis="obligation",
            who=_("Administrators"),
            retention=ngettext(
                "Deleted %(num)d day after the action", "Deleted %(num)d days after the action", audit_days
            ),
            kept_by=AUDIT_RETENTION_KEY,
            columns=("livechat_audit_log.*", "livechat_audit_subjects.*"),
            after_erasure=_(
                "the record of the erasure itself and earlier actions, under a random reference that "
                "nothing links to you any more"
            ),
            language=language,
        ),
        Category(
            key="moderation",
            name=_("Blocks and moderation"),
            what=_(
                "When staff block a visitor or a network (an address range, never a full address) or remove "
                "a message: who did it, why, when and until when"
            ),
            purpose=_("To protect our staff and visitors from abuse"),
            basis="legitimate",
            who=_("Administrators and agents"),
            retention=ngettext(
                "Blocks are deleted %(num)d day after they end, the record of actions %(num)d day after the "
                "action",
                "Blocks are deleted %(num)d days after they end, the record of actions %(num)d days after "
                "the action",
                days,
            ),
            kept_by=RETENTION_KEY,
            columns=("livechat_blocks.*", "livechat_moderation_log.*"),
            after_erasure=_(
                "what staff did, without any link to you, and a block on a network until it ends"
            ),
            language=language,
        ),
        Category(
            key="reports",
            name=_("Figures for reports"),
            what=_(
                "For each conversation, visit and page view a summary row for the administrators' reports: "
                "its times, first reply and who sent it, duration, rating, department, the customer's plan, "
                "whether it was a left message, browser and operating system, the other site you came from "
                "(origin only), whether you visited before, the page's path, and your visitor id (only to "
                "count distinct visitors)"
            ),
            purpose=_("Aggregate statistics to staff the chat and improve the site"),
            basis="legitimate",
            who=ngettext(
                "Administrators, as totals only: any figure counting fewer than %(num)d person is shown as "
                "\u201c< %(num)d\u201d",
                "Administrators, as totals only: any figure counting fewer than %(num)d people is shown as "
                "\u201c< %(num)d\u201d",
                min_count,
            ),
            retention=ngettext(
                "Deleted with the conversation, visit or page view it summarises (%(num)d day after it), and "
                "when you erase your data",
                "Deleted with the conversation, visit or page view it summarises (%(num)d days after it), "
                "and when you erase your data",
                days,
            ),
            kept_by=RETENTION_KEY,
            columns=("livechat_report_chats.*", "livechat_report_visits.*", "livechat_report_views.*"),
            language=language,
        ),
        Category(
            key="webhooks",
            name=_("Events sent to other services"),
            what=_(
                "When administrators have registered a webhook receiver (see Who receives it): a copy of "
                "each event sent to it (conversation and visitor ids, times, and for a message its text as "
                "stored, card numbers masked; never your IP address), and each delivery attempt's result"
            ),
            purpose=_("To pass conversations on to the tools our team works in (help desk, CRM, team chat)"),
            basis="legitimate",
            who=_("Administrators, and the receivers named under Who receives it"),
            retention=ngettext(
                "Deleted %(num)d day after it was sent, with the conversation, and when you erase your data",
                "Deleted %(num)d days after it was sent, with the conversation, and when you erase your data",
                config["LIVECHAT_WEBHOOK_LOG_DAYS"],
            ),
            kept_by="LIVECHAT_WEBHOOK_LOG_DAYS",
            columns=("livechat_webhook_deliveries.*", "livechat_webhook_attempts.*"),
            collected=webhooks,
            language=language,
        ),
        Category(
            key="staff",
            name=_("Staff using the console"),
            what=_(
                "For our own staff: their account id, name, role, departments, which console tabs are open "
                "and which conversation each shows, and their name on the messages and notes they write"
            ),
            purpose=_("To share the chat among staff and show visitors who answers"),
            basis="contract",
            who=_("Our staff and administrators"),
            retention=ngettext(
                "Console tabs: deleted when closed (at the latest %(num)d second after they stop answering); "
                "names on messages and notes go with them",
                "Console tabs: deleted when closed (at the latest %(num)d seconds after they stop "
                "answering); names on messages and notes go with them",
                presence,
            ),
            kept_by=CONNECTION_KEY,
            columns=("livechat_agent_connections.*",),
            language=language,
        ),
        Category(
            key="api_tokens",
            name=_("Staff API tokens"),
            what=_(
                "For our own staff: the API tokens administrators made to act as them (a digest of each, its "
                "name, scope, the staff member's id, name, role and departments, when it was made, last used "
                "and revoked)"
            ),
            purpose=_("To let the team's own tools use the chat's API with a staff member's rights"),
            basis="contract",
            who=_("Administrators"),
            retention=_(
                "Kept until an administrator revokes them, then listed as revoked; revoked at once when the "
                "staff member's account is deleted or their access is withdrawn"
            ),
            kept_by=None,
            columns=("livechat_api_tokens.*",),
            language=language,
        ),
    ]


def recipients(
    config: Mapping[str, Any],
    webhooks: Sequence[tuple[str, Sequence[str]]] = (),
    language: str = DEFAULT_LANGUAGE,
) -> list[Recipient]:
    """Who receives the data besides the controller's own staff: only what this configuration sends.
    ``webhooks``: each enabled receiver's site and the events it gets."""
    _ = texts(language)[0]
    found = [
        Recipient(
            _("Our staff (agents and administrators) on this site's own servers"),
            _("The chat runs inside this site: its data stays in our own database and files"),
        )
    ]
    host = mail_host(config)
    if host is not None:
        found.append(
            Recipient(
                _(
                    "The mail server %(host)s, which delivers the chat's emails (a processor when it is not "
                    "ours)",
                    host=host,
                ),
                _(
                    "Transcripts you ask for, replies to messages you left, and messages left while nobody "
                    "was online, mailed to our team"
                )
                if config.get("LIVECHAT_MAIL_TO")
                else _("Transcripts you ask for, replies to messages you left"),
            )
        )
    queue = config.get("LIVECHAT_MESSAGE_QUEUE")
    if queue:
        queue_host = urlsplit(str(queue)).hostname
        found.append(
            Recipient(
                _("The message queue at %(host)s", host=queue_host)
                if queue_host
                else _("The message queue at the address this site set"),
                _("Chat messages pass through it between our servers; it keeps nothing"),
            )
        )
    for origin, events in webhooks:
        found.append(
            Recipient(
                _("The webhook receiver at %(site)s, registered by our administrators", site=origin),
                _("It is sent these chat events as they happen: %(events)s", events=", ".join(events)),
            )
        )
    if config.get("LIVECHAT_ATTACHMENT_STORAGE") is not None and config["LIVECHAT_ATTACHMENTS"]:
        found.append(Recipient(_("The file storage this site configured"), _("It holds the files you send")))
    return found


def rights(
    config: Mapping[str, Any], *, contact: str | None, language: str = DEFAULT_LANGUAGE
) -> list[Right]:
    """The data subject's rights and how to use each one here (each in two whole sentences: with the
    privacy contact to write to, and without one)."""
    _ = texts(language)[0]
    mode = config["LIVECHAT_CONSENT_MODE"]
    authority = config.get("LIVECHAT_SUPERVISORY_AUTHORITY")
    if contact:
        access = _(
            "Download my data, below or in the chat's Your data menu: a zip file with everything stored "
            "about you as JSON (conversations, notes and tags our staff added, emails sent to you, your "
            "requests' audit entries) and the files you sent; a JSON-only download too. In the chat it also "
            "covers a conversation held without our cookie; for anything else, write to %(contact)s.",
            contact=contact,
        )
        rectify = _(
            "Correct your name and email under Your chat profile (this browser or your account) or in the "
            "chat's Your data menu; every stored copy changes. For anything else, write to %(contact)s.",
            contact=contact,
        )
        objection = _(
            "Decline recognition under Your choice; unsubscribe with the link in any email; to object to "
            "anything else, write to %(contact)s.",
            contact=contact,
        )
        restriction = _(
            "To have us keep but not use your data while a question is settled, write to %(contact)s.",
            contact=contact,
        )
    else:
        access = _(
            "Download my data, below or in the chat's Your data menu: a zip file with everything stored "
            "about you as JSON (conversations, notes and tags our staff added, emails sent to you, your "
            "requests' audit entries) and the files you sent; a JSON-only download too. In the chat it also "
            "covers a conversation held without our cookie; for anything else, write to us (see Who is "
            "responsible)."
        )
        rectify = _(
            "Correct your name and email under Your chat profile (this browser or your account) or in the "
            "chat's Your data menu; every stored copy changes. For anything else, write to us (see Who is "
            "responsible)."
        )
        objection = _(
            "Decline recognition under Your choice; unsubscribe with the link in any email; to object to "
            "anything else, write to us (see Who is responsible)."
        )
        restriction = _(
            "To have us keep but not use your data while a question is settled, write to us (see Who is "
            "responsible)."
        )
    if authority:
        complaint = _(
            "You may complain to a data protection supervisory authority: ours is %(authority)s; you may "
            "also turn to the one where you live or work.",
            authority=authority,
        )
    else:
        complaint = _(
            "You may complain to a data protection supervisory authority, in particular where you live or "
            "work, or where the problem happened."
        )
    return [
        Right(_("Access and portability"), access),
        Right(_("Rectification"), rectify),
        Right(
            _("Erasure"),
            _(
                "Use the deletion form below (once this browser holds chat data), or the chat's Your data "
                "menu; it is gone at once. For data held under your account, log in first."
            ),
        ),
        Right(_("Objection"), objection),
        Right(_("Restriction"), restriction),
        Right(
            _("Withdrawing consent"),
            _(
                "Change Your choice below, or Stop remembering me in the chat, at any time; it does not "
                "affect what was done before."
            )
            if mode != "off"
            else _("This site's own cookie settings govern the chat."),
        ),
        Right(_("Complaint"), complaint),
    ]


def statistics(config: Mapping[str, Any], language: str = DEFAULT_LANGUAGE) -> str:
    """The aggregate statistics paragraph: three sentences, each translated whole."""
    _, ngettext = texts(language)
    days = config[RETENTION_KEY]
    minimum = config["LIVECHAT_REPORTS_MIN_COUNT"]
    return " ".join(
        (
            _(
                "Administrators see reports of how the chat and the site are doing: conversations, response "
                "times, ratings, visitors, busiest hours, top pages, referring sites, browsers and plans."
            ),
            ngettext(
                "They are computed from the summary rows under Figures for reports and show totals only: any "
                "figure counting fewer than %(num)d person is shown as \u201c< %(num)d\u201d, so no one can "
                "be picked out.",
                "They are computed from the summary rows under Figures for reports and show totals only: any "
                "figure counting fewer than %(num)d people is shown as \u201c< %(num)d\u201d, so no one can "
                "be picked out.",
                minimum,
            ),
            ngettext(
                "The summary rows are deleted with what they summarise (%(num)d day after it) and when you "
                "erase your data.",
                "The summary rows are deleted with what they summarise (%(num)d days after it) and when you "
                "erase your data.",
                days,
            ),
        )
    )


def privacy_notice(
    config: Mapping[str, Any],
    *,
    billing: bool,
    webhooks: Sequence[tuple[str, Sequence[str]]] = (),
    language: str = DEFAULT_LANGUAGE,
) -> Notice:
    """The page's content for this configuration, in ``language``; ``billing``: the host registered a
    ``billing_loader``; ``webhooks``: the enabled webhook receivers, as (site, events)."""
    contact = config.get("LIVECHAT_PRIVACY_CONTACT")
    return Notice(
        controller=config.get("LIVECHAT_COMPANY_NAME"),
        address=config.get("LIVECHAT_COMPANY_ADDRESS"),
        contact=contact,
        authority=config.get("LIVECHAT_SUPERVISORY_AUTHORITY"),
        consent_mode=config["LIVECHAT_CONSENT_MODE"],
        categories=categories(config, billing=billing, webhooks=bool(webhooks), language=language),
        recipients=recipients(config, webhooks, language),
        rights=rights(config, contact=contact, language=language),
        statistics=statistics(config, language),
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
