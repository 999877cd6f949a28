"""The admin's reports page and its CSV downloads: admins only, read-only (GET), nothing is changed."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for

from .. import i18n
from ..assets import static_url
from ..services.reports import PERIODS, PRESETS, Table, Window
from ..state import current_livechat
from .access import require_agent


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/admin/reports", "reports", reports_page)
    blueprint.add_url_rule("/admin/reports/<key>.csv", "reports_csv", reports_csv)


def _window() -> Window:
    return window_of(request.args)


def window_of(args: Mapping[str, Any]) -> Window:
    """The window named by ``from``, ``to``, ``preset``, ``tz`` and ``period`` (the page's and the API's)."""
    return current_livechat.reports.window(
        first=args.get("from") or None,
        last=args.get("to") or None,
        preset=args.get("preset") or None,
        zone=args.get("tz") or None,
        period=args.get("period") or None,
    )


def window_query(window: Window) -> dict[str, str]:
    """The parameters that name ``window`` again (links, and the API's answer)."""
    return {
        "from": window.first.isoformat(),
        "to": window.last.isoformat(),
        "tz": window.zone,
        "period": window.period,
    }


def localized(table: Table, language: str) -> Table:
    """The table's own words (title, headings, note, labels such as weekdays) in the admin's language; the
    figures and the data's own labels (paths, names) as they are."""

    def say(text: str) -> str:
        return i18n.localize(language, text)

    return dataclasses.replace(
        table,
        title=say(table.title),
        columns=tuple(say(column) for column in table.columns),
        rows=tuple((say(label), cells) for label, cells in table.rows),
        note=say(table.note),
    )


def reports_page() -> str:
    require_agent("admin")
    window = _window()
    service = current_livechat.reports
    language = i18n.staff_language(request)
    tables = [localized(table, language) for table in service.all(window)]
    query = window_query(window)
    return render_template(
        "livechat/admin/reports.html",
        window=window,
        tables=tables,
        charts=[table.chart_data() for table in tables if table.chart != "none"],
        csv_urls={table.key: _csv_url(table.key, query) for table in tables},
        presets=[
            (
                i18n.localize(language, label),
                url_for("livechat.reports", preset=key, tz=window.zone, period=window.period),
            )
            for key, label in PRESETS
        ],
        periods=PERIODS,
        min_count=service.min_count,
        script_url=static_url("reports.js"),
    )


def _csv_url(key: str, query: dict[str, Any]) -> str:
    return url_for("livechat.reports_csv", key=key, **query)


def reports_csv(key: str) -> Response:
    require_agent("admin")
    window = _window()
    table = localized(current_livechat.reports.report(key, window), i18n.staff_language(request))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in table.csv_rows():
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    name = f"livechat-{key}-{window.first.isoformat()}-{window.last.isoformat()}.csv"
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def spreadsheet_safe(cell: str) -> str:
    """A cell starting with = + - @ would be a formula in a spreadsheet (an agent's name, a path): as text."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
