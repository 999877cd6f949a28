"""The rules of the chat; sockets, views and the CLI are thin adapters over these."""
