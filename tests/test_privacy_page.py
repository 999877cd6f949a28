"""The privacy page: what, why, cookies, retention, rights, contact; versioned and overridable."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import ChoiceLoader, DictLoader


@pytest.mark.livechat_config(
    LIVECHAT_COMPANY_NAME="Acme Cloud GmbH",
    LIVECHAT_COMPANY_ADDRESS="Hauptstraße 1, 10115 Berlin",
    LIVECHAT_PRIVACY_CONTACT="privacy@acme.example",
    LIVECHAT_POLICY_VERSION="2026.2",
    LIVECHAT_POLICY_UPDATED="2026-11-01",
    LIVECHAT_RETENTION_DAYS=90,
)
def test_page_says_what_why_how_long_and_who(client: FlaskClient) -> None:
    client.get("/")
    client.get("/")  # the cookie came back: this browser holds data now
    response = client.get("/livechat/privacy")
    assert response.status_code == 200
    page = response.get_data(as_text=True).replace("<wbr>", "")  # cookie names may break on a phone
    for expected in (
        "Policy version 2026.2",
        "last updated 2026-11-01",
        "Acme Cloud GmbH",
        "Hauptstraße 1, 10115 Berlin",
        "privacy@acme.example",
        "livechat_visitor",
        "livechat_consent",
        "365 days",
        "deleted 90 days after",
        "Download my data",
        "Delete my data",
        "IP address with its last part removed",
        "Card numbers typed into the chat are masked",
    ):
        assert expected in page, expected
    assert b'<script defer src="/livechat/static/widget.js' not in response.data


@pytest.mark.livechat_config(LIVECHAT_STORE_NETWORK_DATA=False)
def test_page_tells_the_truth_when_no_ip_is_kept(client: FlaskClient) -> None:
    assert "IP address" not in client.get("/livechat/privacy").get_data(as_text=True)


def test_host_can_override_the_template(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    app.jinja_loader = ChoiceLoader(
        [DictLoader({"livechat/privacy.html": "Our own words, version {{ version }}."}), app.jinja_loader]
    )
    assert client.get("/livechat/privacy").get_data(as_text=True) == "Our own words, version 1."


def test_a_browser_without_chat_data_is_told_so(client: FlaskClient) -> None:
    page = client.get("/livechat/privacy").get_data(as_text=True)
    assert "This browser holds no chat data with us." in page
    assert "Delete my data" not in page


def test_our_pages_send_a_strict_policy_and_refuse_frames(client: FlaskClient) -> None:
    response = client.get("/livechat/privacy")
    policy = response.headers["Content-Security-Policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert "frame-ancestors 'none'" in policy and "require-trusted-types-for 'script'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert f'<style nonce="{nonce}">' in response.get_data(as_text=True)
    assert client.get("/livechat/privacy").headers["Content-Security-Policy"] != policy  # fresh nonce
