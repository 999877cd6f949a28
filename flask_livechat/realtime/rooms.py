"""Namespaces and room names. Rooms are always chosen by the server, never taken from a client."""

from __future__ import annotations

from typing import Any

from ..store.records import Departments

VISITOR_NAMESPACE = "/livechat"
AGENT_NAMESPACE = "/livechat-agent"
#: Every agent connection, for presence (not department-scoped).
AGENTS_ROOM = "agents"


def visitor_room(visitor_id: str) -> str:
    return f"visitor:{visitor_id}"


def conversation_room(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


#: Connections that see every department: admins, and everyone when no departments are configured.
ALL_DEPARTMENTS_ROOM = "agents:all-departments"
#: Every visitor connection, for availability pushes.
VISITORS_ROOM = "visitors"


def department_room(department: str) -> str:
    return f"agents:department:{department}"


def agent_room(agent_id: str) -> str:
    """Every tab of one agent."""
    return f"agent:{agent_id}"


def agent_rooms(scope: Departments) -> list[str]:
    """The rooms an agent's connection joins to hear about conversations and visitors in its scope."""
    if scope is None:
        return [ALL_DEPARTMENTS_ROOM]
    return [department_room(name) for name in sorted(scope)]


def audience(department: str | None) -> list[str]:
    """The rooms that may hear about something in ``department``: admins (and everyone without departments)
    plus that department's agents."""
    return (
        [ALL_DEPARTMENTS_ROOM] if department is None else [ALL_DEPARTMENTS_ROOM, department_room(department)]
    )


def local_sids(socketio: Any, namespace: str, room: str) -> list[str]:
    """The connections of a room that this process holds."""
    server = getattr(socketio, "server", None)
    if server is None:
        return []
    return [
        participant[0] if isinstance(participant, tuple) else participant
        for participant in server.manager.get_participants(namespace, room)
    ]
