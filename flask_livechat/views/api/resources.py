"""Visitors, canned responses, reports and the caller itself over the API (conversations have their module).

Every rule (who sees which visitor, who may erase, edit canned responses or read reports) is the services':
these views only translate HTTP to service calls and records to JSON.
"""

from __future__ import annotations

from typing import Any

from ...errors import NotFoundError
from ...schemas import live_visitor_schema
from ...services.permissions import require
from ...services.reports import Table, Window
from ...state import current_livechat
from ..reports import window_of, window_query
from . import schemas
from .auth import Caller, new_csrf_token
from .endpoints import Answer, api

# --- visitors ----------------------------------------------------------------------------------------------


@api.route(
    "GET",
    "/visitors/{visitor_id}",
    scope="read",
    tag="visitors",
    summary="A visitor as the console's visitor panel shows them (in your departments)",
    response=schemas.VisitorDetails,
)
def get_visitor(caller: Caller, visitor_id: str) -> Answer:
    found = current_livechat.visitors.live_visitor(visitor_id, caller.agent.departments)
    if found is None:
        raise NotFoundError("No such visitor, or not in your departments.")
    return dict(live_visitor_schema.dump(found)), 200


@api.route(
    "POST",
    "/visitors/{visitor_id}/erase",
    scope="write",
    tag="visitors",
    summary="Erase everything held about a visitor (admins; audited; cannot be undone)",
    body=schemas.EraseBody,
    response=schemas.Erased,
    admins=True,
)
def erase_visitor(caller: Caller, visitor_id: str, body: dict[str, Any]) -> Answer:
    return {"erased": current_livechat.privacy.erase_visitor(caller.agent, visitor_id)}, 200


# --- canned responses --------------------------------------------------------------------------------------


def _canned(record: Any) -> dict[str, Any]:
    return {"id": record.id, "shortcut": record.shortcut, "body": record.body}


@api.route(
    "GET",
    "/canned-responses",
    scope="read",
    tag="canned responses",
    summary="The canned responses agents insert with /shortcut",
    response=schemas.CannedList,
)
def list_canned(caller: Caller) -> Answer:
    return {"items": [_canned(record) for record in current_livechat.canned.responses()]}, 200


@api.route(
    "POST",
    "/canned-responses",
    scope="write",
    tag="canned responses",
    summary="Create a canned response (admins; 409 when the shortcut is taken)",
    body=schemas.CannedBody,
    response=schemas.CannedSchema,
    status=201,
    admins=True,
)
def create_canned(caller: Caller, body: dict[str, Any]) -> Answer:
    return _canned(current_livechat.canned.create(caller.agent, body["shortcut"], body["body"])), 201


@api.route(
    "PUT",
    "/canned-responses/{canned_id}",
    scope="write",
    tag="canned responses",
    summary="Replace a canned response's shortcut and text (admins)",
    body=schemas.CannedBody,
    response=schemas.CannedSchema,
    admins=True,
)
def update_canned(caller: Caller, canned_id: int, body: dict[str, Any]) -> Answer:
    record = current_livechat.canned.update(caller.agent, canned_id, body["shortcut"], body["body"])
    return _canned(record), 200


@api.route(
    "DELETE",
    "/canned-responses/{canned_id}",
    scope="write",
    tag="canned responses",
    summary="Delete a canned response (admins)",
    status=204,
    admins=True,
)
def delete_canned(caller: Caller, canned_id: int) -> Answer:
    current_livechat.canned.remove(caller.agent, canned_id)
    return None


# --- reports -----------------------------------------------------------------------------------------------


def _window(query: dict[str, Any]) -> Window:
    named = {"preset": query.get("preset"), "tz": query.get("tz"), "period": query.get("period")}
    named.update(
        {
            key: query[field].isoformat()
            for key, field in (("from", "first"), ("to", "last"))
            if field in query
        }
    )
    return window_of(named)


def _report(table: Table) -> dict[str, Any]:
    return {
        "key": table.key,
        "title": table.title,
        "chart": table.chart,
        "columns": list(table.columns),
        "rows": [
            {"label": label, "cells": [{"value": cell.value, "text": cell.text} for cell in cells]}
            for label, cells in table.rows
        ],
        "note": table.note,
    }


@api.route(
    "GET",
    "/reports",
    scope="read",
    tag="reports",
    summary="Every admin report for a window (admins; default: the last 7 days in UTC)",
    query=schemas.ReportQuery,
    response=schemas.Reports,
    admins=True,
)
def all_reports(caller: Caller, query: dict[str, Any]) -> Answer:
    require(caller.agent, "reports")
    window = _window(query)
    tables = current_livechat.reports.all(window)
    return {"window": window_query(window), "reports": [_report(table) for table in tables]}, 200


@api.route(
    "GET",
    "/reports/{key}",
    scope="read",
    tag="reports",
    summary="One admin report by key (admins)",
    query=schemas.ReportQuery,
    response=schemas.Report,
    admins=True,
)
def one_report(caller: Caller, key: str, query: dict[str, Any]) -> Answer:
    require(caller.agent, "reports")
    if key not in current_livechat.reports.keys:
        raise NotFoundError(f"No report {key!r}: the keys are {', '.join(current_livechat.reports.keys)}.")
    return _report(current_livechat.reports.report(key, _window(query))), 200


# --- the caller --------------------------------------------------------------------------------------------


@api.route("GET", "/me", scope="read", tag="meta", summary="Who you are to the API", response=schemas.Me)
def me(caller: Caller) -> Answer:
    agent = caller.agent
    departments = None if agent.departments is None else sorted(agent.departments)
    payload = {
        "user_id": agent.user_id,
        "name": agent.name,
        "role": agent.role,
        "departments": departments,
        "auth": caller.auth,
        "scope": caller.scope,
    }
    return payload, 200


@api.route(
    "GET",
    "/csrf-token",
    scope="read",
    tag="meta",
    summary=f"A token for the {'X-CSRF-Token'} header of a signed-in session's changes",
    response=schemas.CsrfToken,
)
def csrf(caller: Caller) -> Answer:
    return {"csrf_token": new_csrf_token(caller.agent)}, 200
