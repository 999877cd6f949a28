"""Reports, point 3 and authorisation: a figure behind 1 to 4 visitors shows as "< 5" on the page and in the
CSV, 5 shows; the threshold is LIVECHAT_REPORTS_MIN_COUNT; only admins get the reports; bad input is a 400."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from flask import Flask

from flask_livechat.state import LiveChatState
from tests.history import Generator, Rows, insert_rows, utc

DAY = "2026-05-04"  # a Monday
QUERY = f"?from={DAY}&to={DAY}&tz=UTC"


def chats_by(livechat: LiveChatState, people: int) -> None:
    """``people`` visitors with one answered chat each on DAY at 10:00 UTC, and 3 page views each."""
    generator = Generator(11, utc(2026, 5, 4, 10), 1, chat_chance=0.0)
    rows = Rows()
    for number in range(people):
        part = generator.visitor()
        part.visits[:] = part.visits[:1]
        part.page_views.clear()  # replaced by three views of one page, below
        moment = utc(2026, 5, 4, 10, number)
        part.page_views.extend(
            {
                "id": 1000 * (number + 1) + k,
                "visit_id": part.visits[0]["id"],
                "visitor_id": part.visitors[0]["id"],
                "url": "https://shop.example/pricing",
                "viewed_at": moment,
            }
            for k in range(3)
        )
        part.visits[0].update(started_at=moment, referrer="https://news.example/a")
        cid = f"k{number}"
        part.conversations.append(
            {
                "id": cid,
                "visitor_id": part.visitors[0]["id"],
                "status": "closed",
                "created_at": moment,
                "updated_at": moment,
                "last_seq": 2,
                "rating": 5,
            }
        )
        for seq, sender in ((1, "visitor"), (2, "agent")):
            part.messages.append(
                {
                    "id": f"{cid}-{seq}",
                    "conversation_id": cid,
                    "seq": seq,
                    "client_id": f"{cid}-{seq}",
                    "sender": sender,
                    "author": "Ada Agent" if sender == "agent" else None,
                    "body": "x",
                    "created_at": moment + timedelta(seconds=30 * seq),
                }
            )
        rows.extend(part)
    insert_rows(livechat.store.engine, rows)
    livechat.store.reports.rebuild()


def admin(app: Flask) -> object:
    http = app.test_client()
    http.get("/login-as/bob")
    return http


def csv_rows(app: Flask, key: str) -> list[list[str]]:
    response = admin(app).get(f"/livechat/admin/reports/{key}.csv{QUERY}")  # type: ignore[attr-defined]
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize(("people", "shown"), [(4, "< 5"), (5, "5")])
def test_figures_behind_fewer_than_five_visitors_are_suppressed(
    app: Flask, livechat: LiveChatState, people: int, shown: str
) -> None:
    chats_by(livechat, people)
    assert csv_rows(app, "conversations")[1] == [DAY, shown, "0"]
    assert csv_rows(app, "summary")[1] == ["Chats", shown]
    assert dict(csv_rows(app, "summary")[1:])["Page views"] == ("< 5" if people == 4 else "15")
    assert csv_rows(app, "agents")[1][:2] == ["Ada Agent", shown]
    assert csv_rows(app, "busiest_hours")[1][1 + 10] == shown  # Monday, 10:00
    assert csv_rows(app, "satisfaction")[5] == ["5 of 5", shown]
    # A page or referrer fewer than 5 visitors saw is not listed at all (its path could name someone).
    assert [row[0] for row in csv_rows(app, "top_pages")[1:]] == ([] if people == 4 else ["/pricing"])
    assert [row[0] for row in csv_rows(app, "referrers")[1:]] == (
        [] if people == 4 else ["https://news.example"]
    )
    page = admin(app).get(f"/livechat/admin/reports{QUERY}").get_data(as_text=True)  # type: ignore[attr-defined]
    cell = '<td class="lc-num lc-suppressed">&lt; 5</td>' if people == 4 else '<td class="lc-num">5</td>'
    assert f'<tr><th scope="row">Chats</th>\n            {cell}' in page
    # Browsers split the 5 visitors into groups under 5: suppressed whatever the total.
    assert "lc-suppressed" in page


@pytest.mark.livechat_config(LIVECHAT_REPORTS_MIN_COUNT=2)
def test_the_threshold_is_a_setting(app: Flask, livechat: LiveChatState) -> None:
    chats_by(livechat, 2)
    assert csv_rows(app, "conversations")[1] == [DAY, "2", "0"]


@pytest.mark.livechat_config(LIVECHAT_REPORTS_MIN_COUNT=3)
def test_a_lower_count_under_a_raised_threshold(app: Flask, livechat: LiveChatState) -> None:
    chats_by(livechat, 2)
    assert csv_rows(app, "conversations")[1] == [DAY, "< 3", "0"]


def test_only_admins_see_reports(app: Flask) -> None:
    for path in ("/livechat/admin/reports", "/livechat/admin/reports/summary.csv"):
        assert app.test_client().get(path).status_code == 401  # no login view configured
        agent = app.test_client()
        agent.get("/login-as/ada")
        assert agent.get(path).status_code == 403
        assert admin(app).get(path).status_code == 200  # type: ignore[attr-defined]
    page = admin(app).get("/livechat/admin/").get_data(as_text=True)  # type: ignore[attr-defined]
    assert 'href="/livechat/admin/reports"' in page


@pytest.mark.parametrize(
    "query",
    [
        "?tz=Mars/Olympus",
        "?tz=../../etc/passwd",
        "?from=2026-13-01&to=2026-13-02",
        "?from=2026-05-02",
        "?from=2026-05-02&to=2026-05-01",
        "?from=2020-01-01&to=2026-01-01",
        "?from=0001-01-01&to=0001-01-02",
        "?period=hour",
        "?preset=forever",
    ],
)
def test_bad_input_is_a_400_that_changes_nothing(app: Flask, livechat: LiveChatState, query: str) -> None:
    before = livechat.store.count_rows()
    assert admin(app).get("/livechat/admin/reports" + query).status_code == 400  # type: ignore[attr-defined]
    assert admin(app).get("/livechat/admin/reports/summary.csv" + query).status_code == 400  # type: ignore[attr-defined]
    assert admin(app).get("/livechat/admin/reports/nothing.csv").status_code == 400  # type: ignore[attr-defined]
    assert livechat.store.count_rows() == before


def test_a_spreadsheet_formula_in_a_name_is_quoted(app: Flask, livechat: LiveChatState) -> None:
    from flask_livechat.views.reports import spreadsheet_safe

    assert spreadsheet_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert spreadsheet_safe("< 5") == "< 5" and spreadsheet_safe("/pricing") == "/pricing"
