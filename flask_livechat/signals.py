"""Blinker signals for the host's side effects (notifications, CRM sync, audit)."""

from blinker import Namespace

_signals = Namespace()

#: Sent when a visitor's first message opens a conversation.
#: Sender: the Flask app. Keyword arguments: ``conversation`` (a ``ConversationRecord``).
conversation_started = _signals.signal("livechat.conversation-started")

#: Sent after a message is committed, before it is broadcast.
#: Sender: the Flask app. Keyword arguments: ``message`` (a ``MessageRecord``).
message_stored = _signals.signal("livechat.message-stored")

#: Sent when a conversation is closed. Keyword arguments: ``conversation``, ``by`` ("visitor" or "agent").
conversation_closed = _signals.signal("livechat.conversation-closed")

#: Sent when an agent reopens a closed conversation. Keyword arguments: ``conversation``, ``by``.
conversation_reopened = _signals.signal("livechat.conversation-reopened")

#: Sent after a subject's chat data was erased (by an admin, the CLI, the visitor, or account deletion).
#: Keyword arguments: ``visitors`` (how many visitor records went). Deliberately no identifiers.
subject_erased = _signals.signal("livechat.subject-erased")

#: Send this when your app deletes a user account: flask-livechat erases that user's chat data.
#: ``account_deleted.send(app, user_id="42")``. Same as ``current_livechat.erase_account("42")``.
account_deleted = _signals.signal("livechat.account-deleted")
