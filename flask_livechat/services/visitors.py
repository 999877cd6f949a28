"""Visitor recognition and visit capture: who is on the site, and what they looked at."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from ua_parser import parse as parse_user_agent

from ..store import ClientInfo, PageInfo, Store, VisitorRecord, VisitRecord


def truncate_ip(address: str | None) -> str | None:
    """Keeps the network, drops the host: IPv4 to /24, IPv6 to /48. Unparseable input is not stored."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # an IPv4 client seen through a dual-stack socket
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def _clip(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else None


def describe_client(user_agent: str | None, ip: str | None, accept_language: str | None) -> ClientInfo:
    """What agents see about a visitor's browser, from headers the browser sends anyway."""
    parsed = parse_user_agent(user_agent or "")
    browser = parsed.user_agent
    system = parsed.os
    language = (accept_language or "").split(",")[0].split(";")[0].strip() or None
    return ClientInfo(
        ip=truncate_ip(ip),
        user_agent=_clip(user_agent, 512),
        browser=_clip(browser.family, 64) if browser else None,
        browser_version=_clip(".".join(p for p in (browser.major, browser.minor) if p), 32)
        if browser
        else None,
        os=_clip(system.family, 64) if system else None,
        os_version=_clip(".".join(p for p in (system.major, system.minor) if p), 32) if system else None,
        device=_clip(parsed.device.family, 64) if parsed.device else None,
        language=_clip(language, 64),
    )


class VisitorService:
    def __init__(self, store: Store, *, visit_timeout_seconds: int) -> None:
        self._store = store
        self._visit_timeout = timedelta(seconds=visit_timeout_seconds)

    def record_page_view(
        self,
        visitor_id: str | None,
        page: PageInfo,
        client: ClientInfo,
        department: str | None = None,
        staff: bool = False,
    ) -> VisitRecord:
        return self._store.record_page_view(
            visitor_id,
            PageInfo(url=page.url[:2048], title=_clip(page.title, 512), referrer=_clip(page.referrer, 2048)),
            client,
            visit_timeout=self._visit_timeout,
            department=department,
            staff=staff,
        )

    def for_connection(self, visitor_id: str | None) -> VisitorRecord:
        """The visitor behind a socket: the cookie's, or a new one that lives for this connection only."""
        if visitor_id is not None:
            visitor = self._store.get_visitor(visitor_id)
            if visitor is not None:
                return visitor
        return self._store.create_visitor(persistent=False)
