"""Self-hosted live chat for Flask sites."""

__version__ = "0.1.0"

from .errors import LiveChatError
from .extension import LiveChat
from .host import BillingSummary
from .inject import no_widget
from .state import current_livechat

__all__ = ["BillingSummary", "LiveChat", "LiveChatError", "__version__", "current_livechat", "no_widget"]
