"""Helpers for a host's own tests of its chat integration, in the spirit of Flask-Login's
``FlaskLoginClient``: real Socket.IO test connections to the chat's namespaces, acks returned.

```python
from flask_livechat import ChatUser
from flask_livechat.testing import LiveChatClient, agent_socket, visitor_socket

def test_a_visitor_reaches_support(app):
    app.test_client_class = LiveChatClient
    staff = app.test_client(user=ChatUser(id=1, name="Ada", role="agent"))   # or log in via your form
    agent = agent_socket(app, staff)
    visitor = visitor_socket(app)
    message = visitor.send("Hello?")
    agent.call("join_conversation", {"conversation_id": message["conversation_id"]})
    agent.send("Hi!", conversation_id=message["conversation_id"])
    assert visitor.received("new_message")[-1]["body"] == "Hi!"
```

``LiveChatClient(user=...)`` only works while ``app.testing`` is true; set ``TESTING = True`` before
``LiveChat`` and the chat also keeps its database in a throwaway folder.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from .host_request import TEST_USER_COOKIE, test_users

VISITOR_NAMESPACE = "/livechat"
AGENT_NAMESPACE = "/livechat-agent"

__all__ = ["ChatSocket", "LiveChatClient", "agent_socket", "visitor_socket"]


class LiveChatClient(FlaskClient):
    """A test client whose requests and sockets are made as ``user`` (any object your ``role_loader``
    understands, or a ``ChatUser``), whatever your login does: ``app.test_client(user=...)``."""

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            if not self.application.testing:
                raise RuntimeError("LiveChatClient(user=...) needs app.testing (TESTING = True).")
            token = secrets.token_urlsafe(16)
            test_users[token] = user
            self.set_cookie(TEST_USER_COOKIE, token)


class ChatSocket:
    """One test connection to a chat namespace: ``call`` answers with the ack, ``received`` with the
    payloads of an event pushed since the last look."""

    def __init__(self, connection: SocketIOTestClient, namespace: str) -> None:
        self.connection = connection
        self.namespace = namespace
        self._pending: list[dict[str, Any]] = []

    @property
    def connected(self) -> bool:
        return bool(self.connection.is_connected(self.namespace))

    def call(self, event: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        ack = self.connection.emit(event, payload or {}, namespace=self.namespace, callback=True)
        return dict(ack)

    def send(self, body: str, conversation_id: str | None = None) -> dict[str, Any]:
        """Sends a message and returns it as stored; fails with the error ack when it was refused."""
        payload: dict[str, Any] = {"client_id": uuid.uuid4().hex, "body": body}
        if conversation_id is not None:
            payload["conversation_id"] = conversation_id
        ack = self.call("send_message", payload)
        if not ack.get("ok"):
            raise AssertionError(f"send_message was refused: {ack.get('error')}")
        return dict(ack["message"])

    def received(self, event: str) -> list[Any]:
        self._pending += self.connection.get_received(self.namespace)
        found = [item["args"][0] for item in self._pending if item["name"] == event]
        self._pending = [item for item in self._pending if item["name"] != event]
        return found

    def close(self) -> None:
        if self.connected:
            self.connection.disconnect(self.namespace)


def _socketio(app: Flask) -> Any:
    return app.extensions["livechat"].socketio


def visitor_socket(app: Flask, client: FlaskClient | None = None, path: str = "/") -> ChatSocket:
    """A visitor who loaded ``path`` (so has the chat's cookie) and opened the widget, ``hello`` said."""
    client = client or app.test_client()
    client.get(path)
    connection = _socketio(app).test_client(app, namespace=VISITOR_NAMESPACE, flask_test_client=client)
    socket = ChatSocket(connection, VISITOR_NAMESPACE)
    ack = socket.call("hello", {"page": {"url": "http://localhost" + path}})
    if not ack.get("ok"):
        raise AssertionError(f"the visitor's hello was refused: {ack.get('error')}")
    return socket


def agent_socket(app: Flask, client: FlaskClient) -> ChatSocket:
    """The console's socket for the staff member ``client`` is logged in as (through your login form, or a
    ``LiveChatClient(user=...)``), ``hello`` said; fails saying why when the chat refuses them."""
    connection = _socketio(app).test_client(app, namespace=AGENT_NAMESPACE, flask_test_client=client)
    socket = ChatSocket(connection, AGENT_NAMESPACE)
    if not socket.connected:
        raise AssertionError(
            "the agent socket was refused: is the client logged in, and does your role_loader say "
            "'agent' or 'admin' for that user? The flask_livechat log says why."
        )
    ack = socket.call("hello")
    if not ack.get("ok"):
        raise AssertionError(f"the agent's hello was refused: {ack.get('error')}")
    return socket
