"""The privacy page in the visitor's language and the admin pages in the admin's: whole sentences from the
catalogs, <html lang> that says so, the legal bases worded as each language cites the GDPR; the REST API
keeps answering in English."""

from __future__ import annotations

import copy
import json
import pickle
import re
from typing import Any

import pytest
from flask import Flask

from flask_livechat import i18n
from tests.conftest import build_app, stop_app
from tests.helpers import api_token

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
FRENCH = {"Accept-Language": "fr-CH, fr;q=0.9"}
ADMIN_PAGES = (
    "/livechat/admin/",
    "/livechat/admin/reports",
    "/livechat/admin/webhooks",
    "/livechat/admin/tokens",
    "/livechat/admin/privacy",
)


def privacy_page(tmp_path: Any, headers: dict[str, str], **config: Any) -> str:
    app = build_app(str(tmp_path / "instance"), **config)
    try:
        response = app.test_client().get("/livechat/privacy", headers=headers)
        assert response.status_code == 200
        return str(response.get_data(as_text=True))
    finally:
        stop_app(app)


def row(page: str, key: str) -> str:
    return page.split(f'id="data-{key}"')[1].split("</tr>")[0]


def test_the_privacy_page_is_in_german(tmp_path: Any) -> None:
    page = privacy_page(
        tmp_path,
        GERMAN,
        LIVECHAT_COMPANY_NAME="Acme GmbH",
        LIVECHAT_PRIVACY_CONTACT="privacy@acme.example",
        LIVECHAT_RETENTION_DAYS=30,
        LIVECHAT_MAIL_SERVER="smtp.mailer.example",
        LIVECHAT_MAIL_SENDER="chat@acme.example",
        LIVECHAT_PRECHAT_FIELDS=[
            "name",
            {"name": "order", "label": {"en": "Order number", "de": "Bestellnummer"}},
        ],
    )
    assert '<html lang="de">' in page and "<title>Datenschutz im Live-Chat · Acme GmbH</title>" in page
    assert "Verantwortlicher für die Daten des Chats ist <strong>Acme GmbH</strong>." in page
    assert "Gelöscht 30 Tage nach der letzten Aktivität (der letzten Nachricht des Gesprächs)" in row(
        page, "messages"
    )
    assert "Berechtigtes Interesse (Art. 6 Abs. 1 lit. f DSGVO)" in row(page, "visits")
    assert "Vertrag oder vorvertragliche Maßnahmen (Art. 6 Abs. 1 lit. b DSGVO)" in row(page, "messages")
    assert "Was Sie vor Ihrer ersten Nachricht beantworten: Name, Bestellnummer" in row(page, "prechat")
    assert "Der Mailserver smtp.mailer.example, der die E-Mails des Chats zustellt" in page
    assert "schreiben Sie an privacy@acme.example." in page  # the rights name the contact in the sentence
    assert 'data-label="Rechtsgrundlage:"' in page and ">365 Tage</td>" in page
    text = re.sub(r"<[^>]+>", " ", page.split("<main>")[1])
    leftovers = ("Deleted", "days after", "Legal basis", "Who receives it", "What we store", "Your rights")
    assert [english for english in leftovers if english in text] == []


def test_the_privacy_page_is_in_french_with_the_gdpr_as_french_cites_it(tmp_path: Any) -> None:
    page = privacy_page(tmp_path, FRENCH, LIVECHAT_CONSENT_MODE="opt-in", LIVECHAT_RETENTION_DAYS=1)
    assert '<html lang="fr">' in page
    assert "Consentement (art. 6, par. 1, point a) du RGPD), que vous pouvez retirer" in row(page, "visits")
    assert "Supprimé 1 jour après la dernière activité" in row(page, "messages")  # the singular form
    assert (
        "Nous ne reconnaissons votre navigateur d\u2019une visite \u00e0 l\u2019autre que si vous "
        "l\u2019autorisez." in page
    )
    assert "Qui est responsable" in page and "Who is responsible" not in page


def test_an_unknown_language_gets_english_and_the_site_language_wins(tmp_path: Any) -> None:
    assert '<html lang="en">' in privacy_page(tmp_path, {"Accept-Language": "ja"})
    dutch = privacy_page(tmp_path, GERMAN, LIVECHAT_LANGUAGE="nl")
    assert '<html lang="nl">' in dutch and "Gerechtvaardigd belang (art. 6, lid 1, onder f AVG)" in dutch


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_every_admin_page_follows_the_admins_browser(app: Flask, path: str) -> None:
    admin = app.test_client()
    admin.get("/login-as/bob")
    german = admin.get(path, headers=GERMAN).get_data(as_text=True)
    assert '<html lang="de">' in german, path
    english = admin.get(path).get_data(as_text=True)
    assert '<html lang="en">' in english, path
    if path != "/livechat/admin/reports":  # the reports page has its own header
        assert "Textbausteine &amp; Moderation" in german and "Datenschutzanfragen" in german


def test_admin_messages_and_service_errors_are_in_the_admins_language(app: Flask) -> None:
    admin = app.test_client()
    admin.get("/login-as/bob")
    page = admin.get("/livechat/admin/", headers=GERMAN).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token and "<h1>Textbausteine &amp; Moderation</h1>" in page
    refused = admin.post(
        "/livechat/admin/canned",
        data={"csrf_token": token.group(1), "shortcut": "Not OK!", "body": "Hallo"},
        headers=GERMAN,
    ).get_data(as_text=True)
    assert "Nicht gespeichert: Ein Kürzel besteht aus 1 bis 32 Kleinbuchstaben" in refused
    assert "A shortcut is" not in refused
    saved = admin.post(
        "/livechat/admin/canned",
        data={"csrf_token": token.group(1), "shortcut": "hallo", "body": "Guten Tag!"},
        headers=GERMAN,
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "/hallo gespeichert." in saved
    tokens = admin.post(
        "/livechat/admin/tokens", data={"csrf_token": token.group(1), "scope": "all"}, headers=FRENCH
    ).get_data(as_text=True)
    assert "La portée est &#39;read&#39; ou &#39;write&#39;." in tokens and "Non créé" in tokens


def test_reports_are_worded_for_the_admin_and_the_api_stays_english(app: Flask) -> None:
    admin = app.test_client()
    admin.get("/login-as/bob")
    page = admin.get("/livechat/admin/reports?period=week", headers=FRENCH).get_data(as_text=True)
    assert "<h1>Rapports du chat en direct</h1>" in page
    assert "Chats par semaine" in page and ">Lundi</th>" in page and ">Semaine</th>" in page
    assert "Télécharger le CSV\u00a0: Synthèse" in page
    csv = admin.get("/livechat/admin/reports/summary.csv", headers=GERMAN).get_data(as_text=True)
    assert csv.startswith("Kennzahl,Wert")
    bearer = {"Authorization": f"Bearer {api_token(app, role='admin', agent_id='2')}", **GERMAN}
    answer = app.test_client().get("/livechat/api/v1/reports/summary", headers=bearer).get_json()
    assert answer["title"] == "Summary" and answer["columns"] == ["Figure", "Value"], answer


def test_values_are_escaped_in_a_sentence_that_carries_markup(tmp_path: Any) -> None:
    page = privacy_page(
        tmp_path,
        GERMAN,
        LIVECHAT_COMPANY_NAME="Tom & <b>Jerry</b>",
        LIVECHAT_COMPANY_ADDRESS="<script>x</script>",
        LIVECHAT_PRIVACY_CONTACT="privacy@acme.example",
    )
    assert "ist <strong>Tom &amp; &lt;b&gt;Jerry&lt;/b&gt;</strong>, &lt;script&gt;x&lt;/script&gt;." in page


def test_a_service_message_keeps_its_words_for_later() -> None:
    """``N_`` texts are the English string for the API and JSON, and translate later, also after a copy."""
    message = i18n.N_("Local time in %(zone)s.", zone="Europe/Berlin")
    assert (
        message == "Local time in Europe/Berlin." and json.dumps(message) == '"Local time in Europe/Berlin."'
    )
    for kept in (message, copy.deepcopy(message), pickle.loads(pickle.dumps(message))):
        assert i18n.localize("de", kept) == "Ortszeit in Europe/Berlin."
    assert i18n.localize("de", "plain words") == "plain words"
