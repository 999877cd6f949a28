"""The agent console page, behind the host's own login."""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from .. import i18n
from ..assets import static_url
from ..csp import protect
from ..csrf import protect_blueprint
from ..services.attachments import KNOWN_EXTENSIONS, check_extensions
from ..state import current_livechat
from . import admin, agent_files, assets, reports, tokens_admin, webhooks_admin
from .access import require_agent

_PACKAGE = os.path.dirname(os.path.dirname(__file__))


def create_blueprint(url_prefix: str) -> Blueprint:
    blueprint = Blueprint(
        "livechat",
        __name__,
        url_prefix=url_prefix,
        template_folder=os.path.join(_PACKAGE, "templates"),
    )
    blueprint.add_url_rule("/agent/", "console", console)
    assets.register(blueprint)
    admin.register(blueprint)
    agent_files.register(blueprint)
    reports.register(blueprint)
    webhooks_admin.register(blueprint)
    tokens_admin.register(blueprint)
    protect_blueprint(blueprint)
    # Our templates' own _() in the staff member's language; the host's Jinja environment is left alone.
    blueprint.context_processor(lambda: i18n.bound(i18n.staff_language(request)))
    # Staff pages show personal data and take actions: strict CSP, never framed (static files get it too).
    protect(blueprint)
    return blueprint


def console() -> str | BaseResponse:
    agent = require_agent()
    return render_template(
        "livechat/agent/console.html",
        agent_name=agent.name,
        is_admin=agent.role == "admin",
        admin_url=url_for("livechat.admin"),
        socketio_path=current_livechat.socketio_path,
        script_url=static_url("console.js"),
        console_words=console_words(i18n.staff_language(request)),
        upload_url=url_for("livechat.agent_upload"),
        upload_token=agent_files.console_upload_token(agent),
        attachments=current_app.config["LIVECHAT_ATTACHMENTS"],
        accept=_accept(current_app.config),
    )


def console_words(language: str) -> dict[str, str]:
    """Every word console.js shows, in the agent's language (``src/console/words.js`` ``DEFAULTS`` holds the
    English it falls back to; tests/test_translations.py checks both hold the same keys). ``{name}``
    placeholders are the JS's, filled in the browser."""
    words = {
        "agent": i18n.translate(language, "Agent"),
        "sending": i18n.translate(language, "Sending…"),
        "reply_placeholder": i18n.translate(language, "Write a reply… (type / for canned responses)"),
        "note_placeholder": i18n.translate(language, "Write an internal note… Only agents see it."),
        "chat_closed": i18n.translate(language, "This chat is closed."),
        "add_note": i18n.translate(language, "Add note"),
        "send": i18n.translate(language, "Send"),
        "note_hint": i18n.translate(language, "Only agents see notes, never the visitor."),
        "reply_hint": i18n.translate(language, "The visitor sees your reply."),
        "conversation": i18n.translate(language, "Conversation"),
        "left_message_offline": i18n.translate(language, "Left a message while no one was online"),
        "left_message": i18n.translate(language, "Left a message"),
        "new_badge": i18n.translate(language, "New"),
        "also_viewing": i18n.translate(language, "Also viewing: {names}"),
        "visitor_typing": i18n.translate(language, "The visitor is typing…"),
        "seen_by_visitor": i18n.translate(language, "Seen by the visitor"),
        "prechat_answers": i18n.translate(language, "Pre-chat answers"),
        "agents_list": i18n.translate(language, "Agents: {names}"),
        "agent_away": i18n.translate(language, "{name} (away)"),
        "agent_online": i18n.translate(language, "{name} (online)"),
        "anyone": i18n.translate(language, "Anyone"),
        "internal_note_by": i18n.translate(language, "Internal note · {name}"),
        "message_actions": i18n.translate(language, "Message actions"),
        "delete_message": i18n.translate(language, "Delete message"),
        "delete_message_title": i18n.translate(language, "Delete this message?"),
        "delete_message_text": i18n.translate(
            language, "It is removed for everyone, the visitor's chat too. The deletion is logged."
        ),
        "delete": i18n.translate(language, "Delete"),
        "delete_message_failed": i18n.translate(language, "The message could not be deleted."),
        "new_message_from": i18n.translate(language, "New message from {name}"),
        "new_conversation": i18n.translate(language, "New conversation: {name}"),
        "open_failed": i18n.translate(language, "This conversation could not be opened."),
        "note_failed": i18n.translate(language, "Your note could not be saved."),
        "reply_failed": i18n.translate(language, "Your reply could not be sent."),
        "file_sending": i18n.translate(language, "Sending {name}…"),
        "file_failed": i18n.translate(language, "The file could not be sent."),
        "invitation_sent": i18n.translate(language, "Invitation sent."),
        "status_failed": i18n.translate(language, "Your status could not be changed."),
        "load_failed": i18n.translate(language, "The console could not load conversations."),
        "connecting": i18n.translate(language, "Connecting…"),
        "connected": i18n.translate(language, "Connected"),
        "reconnecting": i18n.translate(language, "Reconnecting…"),
        "disconnected": i18n.translate(language, "Disconnected"),
        "access_changed": i18n.translate(language, "Your access changed."),
        "not_connected": i18n.translate(language, "Not connected: {reason}"),
        "refused": i18n.translate(language, "refused"),
        "someone": i18n.translate(language, "Someone"),
        "assigned_title": i18n.translate(language, "Conversation assigned to you"),
        "assigned_text": i18n.translate(language, "{by} gave you the conversation with {name}."),
        "assigned_note": i18n.translate(language, "{by} gave you the conversation with {name}: {note}"),
        "visitor": i18n.translate(language, "Visitor"),
        "visitor_id": i18n.translate(language, "Visitor {id}"),
        "visitor_zone": i18n.translate(language, "Visitor · {zone} time"),
        "visitor_browser_os": i18n.translate(language, "Visitor · {browser} on {os}"),
        "visitor_one": i18n.translate(language, "Visitor · {what}"),
        "returning_visitor": i18n.translate(language, "Returning visitor"),
        "returning_visits": i18n.translate(language, "Returning visitor, {count} visits"),
        "new_visitor": i18n.translate(language, "New visitor"),
        "status_open": i18n.translate(language, "Open"),
        "status_closed": i18n.translate(language, "Closed"),
        "unassigned": i18n.translate(language, "Unassigned"),
        "assigned_you": i18n.translate(language, "Assigned to you"),
        "assigned_to": i18n.translate(language, "Assigned to {name}"),
        "another_agent": i18n.translate(language, "another agent"),
        "tags_list": i18n.translate(language, "Tags: {tags}"),
        "rated": i18n.translate(language, "Rated {rating}/5"),
        "no_messages": i18n.translate(language, "No messages yet"),
        "search_failed": i18n.translate(language, "The search failed."),
        "no_match": i18n.translate(language, "No conversations match."),
        "opening_transcript": i18n.translate(language, "Opening the transcript…"),
        "transcript_failed": i18n.translate(language, "This transcript could not be opened."),
        "file": i18n.translate(language, "File: {name}"),
        "transcript_title": i18n.translate(language, "Transcript: {name}"),
        "started": i18n.translate(language, "Started {time}"),
        "ended": i18n.translate(language, "Ended {time}"),
        "still_open": i18n.translate(language, "Still open"),
        "duration": i18n.translate(language, "Duration {duration}"),
        "pages_visited": i18n.translate(language, "Pages visited"),
        "messages": i18n.translate(language, "Messages"),
        "transcript_messages": i18n.translate(language, "Transcript messages"),
        "internal_notes": i18n.translate(language, "Internal notes"),
        "emails": i18n.translate(language, "Emails"),
        "claim_failed": i18n.translate(language, "Could not claim it."),
        "close_failed": i18n.translate(language, "Could not close it."),
        "reopen_failed": i18n.translate(language, "Could not reopen it."),
        "email_failed": i18n.translate(language, "The transcript could not be emailed."),
        "transcript_sent": i18n.translate(language, "Transcript sent to {email}."),
        "tags_failed": i18n.translate(language, "Those tags could not be saved."),
        "tags_saved": i18n.translate(language, "Tags saved."),
        "handover_failed": i18n.translate(language, "Could not hand it over."),
        "handed_over": i18n.translate(language, "Handed over."),
        "send_transcript_to": i18n.translate(language, "Send the transcript to {email}"),
        "no_email": i18n.translate(language, "We do not know this visitor's email address."),
        "to_email": i18n.translate(language, "To {email}"),
        "online": i18n.translate(language, "Online"),
        "online_now": i18n.translate(language, "Online now"),
        "offline": i18n.translate(language, "Offline"),
        "seen_at": i18n.translate(language, "Seen {time}"),
        "invite_failed": i18n.translate(language, "The invitation could not be sent."),
        "visitor_blocked": i18n.translate(language, "Visitor blocked."),
        "block_failed": i18n.translate(language, "The visitor could not be blocked."),
        "select_visitor": i18n.translate(language, "Select a visitor or a conversation."),
        "current_page": i18n.translate(language, "Current page"),
        "referrer": i18n.translate(language, "Referrer"),
        "browser": i18n.translate(language, "Browser"),
        "system": i18n.translate(language, "System"),
        "language": i18n.translate(language, "Language"),
        "local_time": i18n.translate(language, "Local time"),
        "visits": i18n.translate(language, "Visits"),
        "visits_returning": i18n.translate(language, "{count} (returning visitor)"),
        "visits_first": i18n.translate(language, "{count} (first visit)"),
        "first_seen": i18n.translate(language, "First seen"),
        "department": i18n.translate(language, "Department"),
        "email": i18n.translate(language, "Email"),
        "network": i18n.translate(language, "Network"),
        "this_visit": i18n.translate(language, "This visit"),
        "customer": i18n.translate(language, "Customer"),
        "name": i18n.translate(language, "Name"),
        "user_id": i18n.translate(language, "User id"),
        "plan": i18n.translate(language, "Plan"),
        "status": i18n.translate(language, "Status"),
        "renews": i18n.translate(language, "Renews"),
        "card": i18n.translate(language, "Card"),
        "pages_this_visit": i18n.translate(language, "Pages this visit"),
        "conversations": i18n.translate(language, "Conversations"),
        "earlier_conversations": i18n.translate(language, "Earlier conversations"),
        "invitation_message": i18n.translate(language, "Invitation message"),
        "invitation_default": i18n.translate(language, "Hi! Can I help you with anything?"),
        "invite": i18n.translate(language, "Invite to chat"),
        "proactive_chat": i18n.translate(language, "Proactive chat"),
        "block_for": i18n.translate(language, "Block for"),
        "block_hour": i18n.translate(language, "1 hour"),
        "block_day": i18n.translate(language, "1 day"),
        "block_week": i18n.translate(language, "7 days"),
        "block_month": i18n.translate(language, "30 days"),
        "block_visitor": i18n.translate(language, "Block visitor"),
        "block_title": i18n.translate(language, "Block this visitor?"),
        "block_text": i18n.translate(language, "They lose the chat widget until the block ends."),
        "block": i18n.translate(language, "Block"),
        "moderation": i18n.translate(language, "Moderation"),
        "system_closed": i18n.system_line(language, {"type": "closed", "name": "{name}"}),
        "system_reopened": i18n.system_line(language, {"type": "reopened", "name": "{name}"}),
        "system_ended": i18n.system_line(language, {"type": "ended", "name": None}),
    }
    if language != i18n.DEFAULT_LANGUAGE:
        # English numbers chats with ordinals in the JS ("2nd chat"); other languages word it here.
        # Translators: a returning visitor's n-th chat ("2nd chat"); {count} is the number, 2 or more.
        words["chat_number"] = i18n.translate(language, "Chat {count}")
    return words


def _accept(config: Any) -> str:
    """The file picker's ``accept``: the extensions the upload check takes (it still decides by content)."""
    allowed = check_extensions(config["LIVECHAT_ATTACHMENT_EXTENSIONS"])
    types = config["LIVECHAT_ATTACHMENT_TYPES"]
    return ",".join(f".{extension}" for extension in allowed if KNOWN_EXTENSIONS[extension] in types)
