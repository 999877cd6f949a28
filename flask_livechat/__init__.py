"""Self-hosted live chat for Flask sites.

What hosts import lives here (and in ``flask_livechat.signals``); every other module is internal and may
change between releases.
"""

from .errors import ConfigError, LiveChatError
from .extension import LiveChat
from .host import (
    BillingLoader,
    BillingSummary,
    DepartmentLoader,
    EraseHook,
    ExportHook,
    RoleLoader,
    UserLoader,
)
from .inject import no_widget
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
    "message_stored",
    "no_widget",
    "subject_erased",
]
