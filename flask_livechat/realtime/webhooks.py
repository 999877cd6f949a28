"""This process's webhook worker: sends the outbox's due deliveries while any endpoint is enabled.

It is an OS thread, not a Socket.IO background task: its sockets block for up to the webhook timeouts, and
under eventlet or gevent without monkey patching a blocking call in a greenlet would stall every chat of the
process. Like the presence sweeper it starts on demand (every committed change wakes it, and so does the
first request a process serves) and ends when no endpoint is enabled. Several processes may each run one:
the store's claims give every delivery to one of them.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask

from .. import changes
from ..errors import StoreUnavailable
from ..signals import subject_erased
from ..state import current_livechat

logger = logging.getLogger("flask_livechat")


class WebhookWorker:
    def __init__(self, app: Flask) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def connect(self) -> None:
        """Wakes on every change this app commits, on erasures, and on the first request it serves."""
        changes.changed.connect(self._on_change, sender=self._app, weak=False)
        subject_erased.connect(self._on_change, sender=self._app, weak=False)
        started = False

        @self._app.before_request
        def _first_request() -> None:
            nonlocal started
            if not started:
                started = True
                self.wake()

    def _on_change(self, _app: Flask, **_: Any) -> None:
        self.wake()

    def wake(self) -> None:
        """Delivers what is due now: starts the thread if an endpoint is enabled, else nudges it. Never
        raises (it runs inside the caller's request or socket event, after its commit)."""
        try:
            with self._lock:
                if self._stopped:
                    return
                if self._thread is not None:
                    self._wake.set()
                    return
                if not current_livechat.webhooks.configured():
                    return
                self._thread = threading.Thread(target=self._run, name="livechat-webhooks", daemon=True)
                self._thread.start()
        except StoreUnavailable:
            logger.warning("flask-livechat: webhook worker not started, the chat store is unavailable")
        except Exception:
            logger.exception("flask-livechat: could not wake the webhook worker")

    def stop(self, timeout: float = 10.0) -> None:
        """Ends the thread after its current delivery (tests, shutdown hooks)."""
        with self._lock:
            self._stopped = True
            thread = self._thread
            self._wake.set()
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            wait: float | None = None
            try:
                with self._app.app_context():
                    service = current_livechat.webhooks
                    if not self._stopped and service.configured(fresh=True):
                        if service.deliver_due():
                            continue
                        due = service.seconds_until_due()
                        wait = service.poll_interval if due is None else min(due, service.poll_interval)
            except StoreUnavailable:
                logger.warning("flask-livechat: webhooks wait, the chat store is unavailable")
                wait = self._app.config["LIVECHAT_WEBHOOK_POLL_INTERVAL"]
            except Exception:
                logger.exception("flask-livechat: webhook deliveries failed; retrying")
                wait = self._app.config["LIVECHAT_WEBHOOK_POLL_INTERVAL"]
            with self._lock:
                if wait is None:  # stopped, or no endpoint is enabled any more
                    if self._wake.is_set() and not self._stopped:
                        self._wake.clear()  # woken meanwhile (an endpoint just enabled): look again
                        continue
                    self._thread = None
                    return
            if self._wake.wait(wait):
                self._wake.clear()
