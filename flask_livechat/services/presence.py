"""Agent presence (online / away / offline, per agent across tabs) and the live state of connections.

Presence lives in the store, one row per connection, so every server process answers the same. Each process
refreshes the rows of the connections it holds (``realtime/sweeper.py`` calls ``sweep``) and deletes rows
nobody refreshed for longer than ``LIVECHAT_PRESENCE_TIMEOUT``: a process that died cannot leave its agents
"online".
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..changes import PresenceChanged, ViewersChanged, VisitorChanged, publish
from ..store import Store
from ..store.models import utcnow
from ..store.records import AgentPresence
from .refreshed import Refreshed

STATUSES = ("online", "away")

#: How long a process trusts its answer to "is any console open anywhere?" (``consoles_open``).
CONSOLES_CHECK_SECONDS = 2.0
#: How long a process trusts its list of agents with a live console (``agents``): every widget's ``hello``
#: asks it twice (available, the team), and a reconnect storm after a restart asks it thousands of times a
#: second. A change in this process is seen at once; one in another process within this time (its own push
#: tells the consoles at once).
AGENTS_CHECK_SECONDS = 1.0


class PresenceService:
    def __init__(self, store: Store, *, timeout_seconds: int) -> None:
        self._store = store
        self.timeout = timedelta(seconds=timeout_seconds)
        self._consoles = Refreshed(
            lambda: store.presence.any_agent_connected(cutoff=self.cutoff()), lambda: CONSOLES_CHECK_SECONDS
        )
        self._agents = Refreshed(
            lambda: store.presence.agents_presence(cutoff=self.cutoff()), lambda: AGENTS_CHECK_SECONDS
        )

    def cutoff(self, now: datetime | None = None) -> datetime:
        return (now or utcnow()) - self.timeout

    def agents(self) -> list[AgentPresence]:
        """Every agent with a live console tab, online or away (``AGENTS_CHECK_SECONDS``)."""
        return list(self._agents.get())

    def _agents_changed(self) -> None:
        """Something about an agent's presence changed here: seen at once, and pushed."""
        self._agents.forget()
        publish(PresenceChanged())

    def agents_payload(self) -> list[dict[str, str]]:
        """The agent list as the console shows it (``agent_presence`` and ``hello``)."""
        return [{"id": a.agent_id, "name": a.name, "status": a.status} for a in self.agents()]

    def available(self) -> bool:
        """True while at least one agent is online (not away) in a live console tab; business hours are
        applied on top by ``AvailabilityService``, the one decision the widget hears."""
        return any(agent.status == "online" for agent in self.agents())

    def status_of(self, agent_id: str) -> str:
        found = next((a for a in self.agents() if a.agent_id == agent_id), None)
        return found.status if found else "offline"

    def consoles_open(self) -> bool:
        """Whether any agent has a console open in any process: page views and visitor changes push
        nothing (no query, no emit) while nobody could see them. A console opened in this process counts at
        once, one in another process within ``CONSOLES_CHECK_SECONDS``; each console loads the visitor list
        fresh at ``hello``, so nothing it needs is lost in between."""
        return self._consoles.get()

    # --- agent connections --------------------------------------------------------------------

    def agent_connected(
        self, sid: str, *, agent_id: str, name: str, role: str, departments: frozenset[str] | None = None
    ) -> None:
        self._store.presence.agent_connected(
            sid, agent_id=agent_id, name=name, role=role, cutoff=self.cutoff(), departments=departments
        )
        self._consoles.set(True)
        self._agents_changed()

    def agent_disconnected(self, sid: str) -> None:
        viewing = self._store.presence.viewing_of(sid)
        self._store.presence.agent_disconnected(sid)
        self._agents_changed()
        if viewing is not None:
            publish(ViewersChanged(viewing))

    def set_status(self, agent_id: str, status: str) -> None:
        self._store.presence.set_agent_status(agent_id, status)
        self._agents_changed()

    def viewers(self, conversation_id: str) -> list[dict[str, str]]:
        """The agents looking at a conversation now."""
        return [
            {"id": agent_id, "name": name}
            for agent_id, name in self._store.presence.viewers_of(conversation_id, cutoff=self.cutoff())
        ]

    def view(self, sid: str, conversation_id: str | None) -> None:
        """A console tab now shows ``conversation_id`` (or nothing); both conversations hear who views."""
        previous = self._store.presence.viewing_of(sid)
        self._store.presence.set_viewing(sid, conversation_id)
        if previous is not None and previous != conversation_id:
            publish(ViewersChanged(previous))
        if conversation_id is not None:
            publish(ViewersChanged(conversation_id))

    def leave(self, sid: str, conversation_id: str) -> None:
        """The tab moved away from ``conversation_id``: it no longer counts as viewing it."""
        if self._store.presence.viewing_of(sid) == conversation_id:
            self.view(sid, None)

    # --- visitors browsing without the chat loaded ---------------------------------------------

    def browsing(self, visitor_id: str) -> None:
        """The loader of an open page asked in (``GET /widget/pending``, while the page is visible): the
        visitor is on the site, so the consoles list them online, with Invite. Nothing is written while no
        console is open (nobody would see it), nor more than once per quarter of the timeout per visitor; the
        sweep takes the row away once the page stops asking."""
        if not self.agents():
            return
        if self._store.presence.page_present(visitor_id, fresh_after=utcnow() - self.timeout / 4):
            publish(VisitorChanged(visitor_id))

    # --- dead connections ---------------------------------------------------------------------

    def sweep(self, agent_sids: list[str], visitor_sids: list[str]) -> None:
        """Refreshes this process's connections and deletes dead ones; publishes who is gone."""
        agents_gone, visitors = self._store.presence.refresh_and_sweep(
            agent_sids, visitor_sids, cutoff=self.cutoff()
        )
        self._agents.forget()  # refreshed rows are fresh again, swept ones gone
        if agents_gone:
            publish(PresenceChanged())
        for visitor_id in visitors:
            publish(VisitorChanged(visitor_id))
