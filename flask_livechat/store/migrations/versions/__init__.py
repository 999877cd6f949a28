"""One module per schema revision, oldest first, each added by ``flask livechat db revision``."""
