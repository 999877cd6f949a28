"""Socket.IO adapters: validate, call a service, emit. No rules live here."""
