"""Self-hosted live chat for Flask sites.

What hosts import lives here (and in ``flask_livechat.signals``); every other module is internal and may
change between releases.
"""

from .errors import ConfigError, LiveChatError
from .extension import LiveChat
from .host import (
    BillingLoader,
    BillingSummary,
    ChatUser,
    DepartmentLoader,
    EraseHook,
    ExportHook,
    RoleLoader,
    UserLoader,
)
from .host_request import skip_in_sockets
from .inject import no_widget
from .neighbours import host_objects_only, host_tables_only
from .services.attachments import AttachmentStorage
from .signals import (
    account_deleted,
    conversation_closed,
    conversation_reopened,
    conversation_started,
    message_stored,
    subject_erased,
)
from .state import current_livechat
from .version import __version__

__all__ = [
    "AttachmentStorage",
    "BillingLoader",
    "BillingSummary",
    "ChatUser",
    "ConfigError",
    "DepartmentLoader",
    "EraseHook",
    "ExportHook",
    "LiveChat",
    "LiveChatError",
    "RoleLoader",
    "UserLoader",
    "__version__",
    "account_deleted",
    "conversation_closed",
    "conversation_reopened",
    "conversation_started",
    "current_livechat",
    "host_objects_only",
    "host_tables_only",
    "message_stored",
    "no_widget",
    "skip_in_sockets",
    "subject_erased",
]
