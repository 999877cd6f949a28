"""Namespaces and room names. Rooms are always chosen by the server, never taken from a client."""

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
