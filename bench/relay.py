"""A bare Flask-SocketIO relay: the same events as flask-livechat, nothing stored, nothing checked.

    python bench/relay.py --port 5100 --async-mode eventlet     # or threading, gevent (if installed)
    python bench/relay.py --message-queue redis://127.0.0.1:6379/5  # several relays sharing one queue

It is the yardstick of the throughput, latency and connection benchmarks: every number in bench/README.md
is reported beside this relay measured in the same run, on the same core, by the same load generator, so
the ratio says what the chat costs over Flask-SocketIO itself. It answers what the load generator uses:

- ``GET /`` sets a visitor cookie (as a host page with our extension does); ``GET``/``POST /login`` hand
  out a session cookie with a ``csrf_token`` field in the form, so agents log in the same way.
- ``/livechat``: ``hello`` (ack), ``send_message`` (ack with a message carrying ``id``, ``seq``,
  ``client_id``; ``new_message`` to the visitor's own room and to the conversation's room in
  ``/livechat-agent``, ``conversation_updated`` to all agents).
- ``/livechat-agent``: every connection joins the agents room; ``hello`` (ack lists open conversations)
  and ``join_conversation`` (joins that conversation's room).

State (conversation ids and sequence numbers) is kept in memory only, for the life of the process.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import secrets
import sys
from datetime import UTC, datetime
from typing import Any


def create_relay(
    async_mode: str, message_queue: str | None = None, channel: str = "flask-socketio"
) -> tuple[Any, Any]:
    """The relay's app and SocketIO; with ``message_queue`` its emits go through that queue (Redis), as
    several processes of one chat need (bench/scaleout.py)."""
    from flask import Flask, make_response, request
    from flask_socketio import SocketIO, emit, join_room

    app = Flask(__name__)
    queue = {"message_queue": message_queue, "channel": channel} if message_queue else {}
    # bench/connections.py --ping-interval: the same pings as ours (LIVECHAT_PING_INTERVAL).
    pings = (
        {"ping_interval": float(os.environ["BENCH_PING_INTERVAL"])}
        if "BENCH_PING_INTERVAL" in os.environ
        else {}
    )
    socketio = SocketIO(app, async_mode=async_mode, cors_allowed_origins=None, **queue, **pings)
    conversations: dict[str, dict[str, Any]] = {}  # visitor id -> {"id", "seq"}
    visitors: dict[str, str] = {}  # sid -> visitor id
    message_ids = itertools.count(1)
    page = "<!doctype html><title>relay</title><form method=post><input name=csrf_token value=x></form>"

    @app.get("/")
    def home() -> Any:
        response = make_response(page)
        if "livechat_visitor" not in request.cookies:
            response.set_cookie("livechat_visitor", secrets.token_urlsafe(16), httponly=True, samesite="Lax")
        return response

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        response = make_response(page if request.method == "GET" else ("", 302, {"Location": "/"}))
        response.set_cookie("session", secrets.token_urlsafe(16), httponly=True, samesite="Lax")
        return response

    @socketio.on("connect", namespace="/livechat")
    def visitor_connect(auth: Any = None) -> None:
        visitor = request.cookies.get("livechat_visitor") or secrets.token_urlsafe(16)
        visitors[request.sid] = visitor  # type: ignore[attr-defined]
        join_room("visitor:" + visitor)

    @socketio.on("disconnect", namespace="/livechat")
    def visitor_disconnect(*_: Any) -> None:
        visitors.pop(request.sid, None)  # type: ignore[attr-defined]

    @socketio.on("hello", namespace="/livechat")
    def visitor_hello(_payload: Any = None) -> dict[str, Any]:
        conversation = conversations.get(visitors.get(request.sid, ""))  # type: ignore[attr-defined]
        return {
            "ok": True,
            "conversation": conversation and {"id": conversation["id"], "status": "open"},
            "messages": [],
            "agents_online": True,
        }

    @socketio.on("send_message", namespace="/livechat")
    def visitor_send(payload: Any = None) -> dict[str, Any]:
        if not isinstance(payload, dict) or not isinstance(payload.get("body"), str):
            return {"ok": False, "error": {"code": "invalid", "message": "bad payload", "fields": {}}}
        visitor = visitors.get(request.sid, "")  # type: ignore[attr-defined]
        conversation = conversations.setdefault(visitor, {"id": secrets.token_urlsafe(12), "seq": 0})
        conversation["seq"] += 1
        message = {
            "id": str(next(message_ids)),
            "conversation_id": conversation["id"],
            "seq": conversation["seq"],
            "client_id": payload.get("client_id"),
            "sender": "visitor",
            "author": None,
            "body": payload["body"],
            "created_at": datetime.now(UTC).isoformat(),
        }
        emit("new_message", message, to="visitor:" + visitor, namespace="/livechat")
        emit("new_message", message, to="conversation:" + conversation["id"], namespace="/livechat-agent")
        summary = {"id": conversation["id"], "status": "open", "last_seq": conversation["seq"]}
        summary["last_message"] = message
        emit("conversation_updated", summary, to="agents", namespace="/livechat-agent")
        return {"ok": True, "message": message}

    @socketio.on("connect", namespace="/livechat-agent")
    def agent_connect(auth: Any = None) -> None:
        join_room("agents")  # as ours puts every console connection in its department rooms at connect

    @socketio.on("hello", namespace="/livechat-agent")
    def agent_hello(_payload: Any = None) -> dict[str, Any]:
        listed = [{"id": c["id"], "status": "open", "last_seq": c["seq"]} for c in conversations.values()]
        return {"ok": True, "agent": {"id": "1", "name": "Agent"}, "conversations": listed}

    @socketio.on("join_conversation", namespace="/livechat-agent")
    def agent_join(payload: Any = None) -> dict[str, Any]:
        conversation_id = payload.get("conversation_id") if isinstance(payload, dict) else None
        if not isinstance(conversation_id, str):
            return {"ok": False, "error": {"code": "invalid", "message": "bad payload", "fields": {}}}
        join_room("conversation:" + conversation_id)
        return {"ok": True, "conversation": {"id": conversation_id}, "messages": [], "notes": []}

    return app, socketio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5100")))
    parser.add_argument("--async-mode", default=os.environ.get("ASYNC_MODE", "eventlet"))
    parser.add_argument("--max-size", type=int, default=None, help="eventlet's connection pool (1,024)")
    parser.add_argument(
        "--message-queue",
        default=os.environ.get("BENCH_MESSAGE_QUEUE"),
        help="a redis:// URL (default $BENCH_MESSAGE_QUEUE): emits go through it, for several relays",
    )
    parser.add_argument("--channel", default=os.environ.get("BENCH_QUEUE_CHANNEL") or "flask-socketio")
    arguments = parser.parse_args()
    if arguments.async_mode == "eventlet":
        import eventlet

        eventlet.monkey_patch()
    elif arguments.async_mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    app, socketio = create_relay(arguments.async_mode, arguments.message_queue, arguments.channel)
    print(f"relay on http://127.0.0.1:{arguments.port} ({arguments.async_mode})", file=sys.stderr, flush=True)
    options = (
        {"max_size": arguments.max_size} if arguments.max_size and arguments.async_mode == "eventlet" else {}
    )
    socketio.run(
        app, host="127.0.0.1", port=arguments.port, allow_unsafe_werkzeug=True, log_output=False, **options
    )


if __name__ == "__main__":
    main()
