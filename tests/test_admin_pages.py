"""The admin pages as an admin reads them: times as ``<time>`` in UTC to the second at most, forms that keep
what was typed, and destructive actions that ask first."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask

from flask_livechat.state import LiveChatState
from flask_livechat.views.admin import iso_utc, utc_text
from tests.helpers import api_token

PAGES = ("/livechat/admin/", "/livechat/admin/webhooks", "/livechat/admin/tokens", "/livechat/admin/privacy")


def test_times_are_utc_instants_without_fractions_of_a_second() -> None:
    moment = datetime(2026, 12, 2, 14, 5, 9, 123456)
    assert iso_utc(moment) == "2026-12-02T14:05:09Z"
    assert iso_utc(moment.replace(tzinfo=UTC)) == "2026-12-02T14:05:09Z"
    assert utc_text(moment) == "2026-12-02 14:05 UTC"
    assert utc_text(moment, True, True) == "14:05:09 UTC"
    assert iso_utc("2026-12-02 14:05:09.123456") == "2026-12-02T14:05:09Z"  # an audit row's text


def test_every_admin_page_shares_the_stylesheet_and_says_times_one_way(
    app: Flask, livechat: LiveChatState
) -> None:
    admin = app.test_client()
    admin.get("/login-as/bob")
    api_token(app)  # a token row: created and last-used times on the tokens page
    token = re.search(r'name="csrf_token" value="([^"]+)"', admin.get("/livechat/admin/privacy").text)
    assert token
    admin.post(
        "/livechat/admin/privacy", data={"csrf_token": token.group(1), "visitor_id": "nobody"}
    )  # audited
    for path in PAGES:
        page = admin.get(path).get_data(as_text=True)
        assert "/livechat/static/admin.css" in page and "<style" not in page, path
        assert 'aria-current="page"' in page, path
        stamps = re.findall(r'<time datetime="([^"]+)"', page)
        assert stamps or path in ("/livechat/admin/", "/livechat/admin/webhooks"), path  # (nothing logged)
        for stamp in stamps:
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp), (path, stamp)
        assert not re.search(r"\d\d:\d\d:\d\d\.\d{3,6}", page), f"{path} shows fractions of a second"
    css = admin.get("/livechat/static/admin.css")
    assert css.status_code == 200 and css.mimetype == "text/css"


def test_a_refused_token_form_keeps_every_choice(app: Flask) -> None:
    admin = app.test_client()
    admin.get("/login-as/bob")
    token = re.search(r'name="csrf_token" value="([^"]+)"', admin.get("/livechat/admin/tokens").text)
    assert token
    typed = {"name": "", "scope": "write", "agent_id": "7", "agent_name": "Robot", "role": "admin"}
    page = admin.post("/livechat/admin/tokens", data={"csrf_token": token.group(1), **typed}).text
    assert '<option value="write" selected>' in page and '<option value="admin" selected>' in page
    assert 'value="Robot"' in page and 'value="7"' in page and 'aria-invalid="true"' in page


def test_revoking_a_token_asks_first(app: Flask, livechat: LiveChatState) -> None:
    api_token(app)
    admin = app.test_client()
    admin.get("/login-as/bob")
    listing = admin.get("/livechat/admin/tokens").text
    link = re.search(r'href="(/livechat/admin/tokens/revoke\?token_id=\d+)"', listing)
    assert link, listing
    ask = admin.get(link.group(1))
    assert ask.status_code == 200 and "Revoke the token" in ask.text and "cannot be undone" in ask.text
    assert all(t.revoked_at is None for t in livechat.store.tokens.tokens())  # asking revoked nothing
    token = re.search(r'name="csrf_token" value="([^"]+)"', ask.text)
    assert token
    token_id = link.group(1).rsplit("=", 1)[1]
    done = admin.post(
        "/livechat/admin/tokens/revoke", data={"csrf_token": token.group(1), "token_id": token_id}
    )
    assert done.status_code == 200 and "Token revoked." in done.text
    assert admin.get(link.group(1)).status_code == 404
