"""Namespaces and room names. Rooms are always chosen by the server, never taken from a client."""

VISITOR_NAMESPACE = "/livechat"
AGENT_NAMESPACE = "/livechat-agent"
AGENTS_ROOM = "agents"


def visitor_room(visitor_id: str) -> str:
    return f"visitor:{visitor_id}"


def conversation_room(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"
