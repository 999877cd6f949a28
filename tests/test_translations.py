"""The gettext catalogs: complete where visitors read them, compiled as committed, shipped in the wheel, with
CLDR plural rules; languages negotiated, host overrides winning, system lines worded for each reader."""

from __future__ import annotations

import fnmatch
import gettext
import html
import io
import json
import re
from configparser import ConfigParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, render_template_string
from flask_socketio import SocketIO

from flask_livechat import i18n
from tests.conftest import agent_client, build_app, say, stop_app, visitor_client
from tests.test_transcripts_mail import MAIL, Inbox, inbox  # noqa: F401 (the fixture)

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "flask_livechat" / "translations"
LANGUAGES = ("de", "fr", "es", "nl")
AGENT_NS, VISITOR_NS = "/livechat-agent", "/livechat"
#: Where a message that must be translated comes from: besides the widget's (keyed) words, the emails, the
#: system lines, the agent console (its page and its JS's words), the admin pages and the privacy page (with
#: the notice that services/privacy_notice.py words). Anything else may lag behind (listed, not failed).
REQUIRED_SOURCES = (
    "flask_livechat/i18n.py",
    "flask_livechat/services/",
    "flask_livechat/templates/livechat/unsubscribe.html",
    "flask_livechat/templates/livechat/agent/",
    "flask_livechat/templates/livechat/admin/",
    "flask_livechat/templates/livechat/privacy.html",
    "flask_livechat/templates/livechat/transcript_link.html",
    "flask_livechat/views/agent.py",
    "flask_livechat/views/admin.py",
    "flask_livechat/views/privacy_admin.py",
    "flask_livechat/views/reports.py",
    "flask_livechat/views/tokens_admin.py",
    "flask_livechat/views/webhooks_admin.py",
)
CONSOLE_WORDS_JS = ROOT / "widget_assets" / "src" / "console" / "words.js"


def thread_words(console: str) -> dict[str, str]:
    match = re.search(r"data-words='([^']*)'", console)
    assert match, console
    return dict(json.loads(html.unescape(match.group(1))))


def po(language: str) -> Any:
    with open(CATALOGS / language / "LC_MESSAGES" / "livechat.po", "rb") as file:
        return read_po(file, locale=language)


def untranslated(language: str) -> tuple[list[str], list[str]]:
    """(required, optional) messages with no translation, or only a fuzzy one."""
    required, optional = [], []
    for message in po(language):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings) and not message.fuzzy:
            continue
        name = f"{message.context}: {message.id}" if message.context else str(message.id)
        places = [path for path, _ in message.locations]
        needed = message.context or any(p.startswith(REQUIRED_SOURCES) for p in places)
        (required if needed else optional).append(name)
    return required, optional


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_required_string_is_translated(language: str) -> None:
    required, optional = untranslated(language)
    assert not required, f"{language}: untranslated {required} (and, not required yet: {optional})"


def test_the_template_holds_every_string_of_the_source() -> None:
    """A string added to the code (say a new WIDGET key) without `make translations` fails here."""
    keywords = {**DEFAULT_KEYWORDS, "translate": (2,), "translate_plural": (2, 3)}
    method_map = [
        ("i18n.py", "flask_livechat.i18n_extract.extract_widget"),
        ("**.py", "python"),
        ("templates/**.html", "jinja2"),
    ]
    found = {
        (context, msgid if isinstance(msgid, str) else msgid[0])
        for _, _, msgid, _, context in extract_from_dir(
            str(ROOT / "flask_livechat"), method_map, keywords=keywords
        )
    }
    with open(CATALOGS / "livechat.pot", "rb") as file:
        template = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(file) if m.id}
    assert found - template == set(), "run `make translations`"
    for language in LANGUAGES:
        catalog = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in po(language) if m.id}
        assert template - catalog == set(), f"{language}: run `make translations`"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogs_match_their_po(language: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, po(language))
    compiled.seek(0)
    expected = gettext.GNUTranslations(compiled)
    with open(CATALOGS / language / "LC_MESSAGES" / "livechat.mo", "rb") as file:
        shipped = gettext.GNUTranslations(file)
    assert shipped._catalog == expected._catalog, "run `make translations` and commit the .mo files"  # type: ignore[attr-defined]


def test_the_wheel_ships_the_compiled_catalogs() -> None:
    """setup.cfg's package_data covers every catalog (`make dist` also checks an installed wheel)."""
    config = ConfigParser()
    config.read(ROOT / "setup.cfg")
    patterns = [p.strip() for p in config["options.package_data"]["flask_livechat"].split("\n") if p.strip()]
    for language in LANGUAGES:
        path = f"translations/{language}/LC_MESSAGES/livechat.mo"
        assert any(fnmatch.fnmatch(path, pattern) for pattern in patterns), path
    assert set(i18n.shipped_languages()) == {"en", *LANGUAGES}


@pytest.mark.parametrize(
    ("language", "counts"),
    [
        ("en", {0: "0 unread messages", 1: "1 unread message", 2: "2 unread messages"}),
        ("de", {0: "0 ungelesene Nachrichten", 1: "1 ungelesene Nachricht", 21: "21 ungelesene Nachrichten"}),
        # French: 0 and 1 are singular; CLDR's "many" is for exact millions.
        (
            "fr",
            {
                0: "0 message non lu",
                1: "1 message non lu",
                2: "2 messages non lus",
                1000000: "1000000 de messages non lus",
            },
        ),
        ("es", {0: "0 mensajes sin leer", 1: "1 mensaje sin leer", 5: "5 mensajes sin leer"}),
        ("nl", {0: "0 ongelezen berichten", 1: "1 ongelezen bericht", 3: "3 ongelezen berichten"}),
    ],
)
def test_unread_counts_follow_each_languages_plural_rule(
    app: Flask, language: str, counts: dict[int, str]
) -> None:
    for count, text in counts.items():
        assert i18n.plural(app, language, "unread", count) == text
    # What the widget gets picks the same forms without evaluating any rule (widget/text.js plural()).
    forms, index = i18n.plurals(app, language)["unread"], i18n.plural_index(language)
    for count, text in counts.items():
        if count < i18n.PLURAL_SPAN:
            assert forms[int(index[count])].replace("{count}", str(count)) == text


@pytest.mark.livechat_config(
    LIVECHAT_TRANSLATIONS={
        "fr": {"send": "Expédier", "unread": ["{count} non lu", "{count} de non lus", "{count} non lus"]},
        "pl": {"send": "Wyślij", "unread": ["{count} wiadomość", "{count} wiadomości", "{count} wiad."]},
    }
)
def test_host_overrides_win_and_host_languages_get_cldr_plurals(app: Flask, client: Any) -> None:
    settings = client.get("/livechat/widget/settings.json?lang=fr").json
    assert settings["strings"]["send"] == "Expédier"
    assert settings["strings"]["close_chat"] == "Fermer le chat"  # the catalog underneath
    assert settings["plurals"]["unread"][0] == "{count} non lu"
    polish = client.get("/livechat/widget/settings.json?lang=pl").json
    assert polish["strings"]["send"] == "Wyślij" and polish["strings"]["close_chat"] == "Close chat"
    index = polish["plural_index"]  # Polish (CLDR): 1 one, 2-4 few, 5-21 many, 22-24 few
    assert (index[1], index[2], index[5], index[21], index[22]) == ("0", "1", "2", "2", "1")


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr-CA,fr;q=0.9,en;q=0.5", "fr"),
        ("nl-BE", "nl"),
        ("es-MX,es;q=0.8", "es"),
        ("de-AT", "de"),
        ("pt-BR,pt;q=0.9", "en"),
        ("", "en"),
    ],
)
def test_languages_are_negotiated_from_accept_language(client: Any, header: str, language: str) -> None:
    page = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'data-language="{language}"' in page
    assert i18n.negotiate(header, i18n.shipped_languages()) == language


def test_system_lines_are_worded_in_each_readers_language(app: Flask, socketio: SocketIO) -> None:
    visitor = visitor_client(app, socketio, "/", **{"Accept-Language": "fr"})
    conversation = say(visitor, "Bonjour", "c-i18n-0001")["conversation_id"]
    agent = agent_client(app, socketio, "ada")
    visitor.get_received(VISITOR_NS)
    agent.emit("close_conversation", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True)
    [line] = [e["args"][0] for e in visitor.get_received(VISITOR_NS) if e["name"] == "new_message"]
    # Stored once, in English (search, exports, webhooks); the event lets each reader word it.
    assert line["body"] == "Ada Agent closed the chat."
    assert line["event"] == {"type": "closed", "name": "Ada Agent"}
    words = app.test_client().get("/livechat/widget/settings.json?lang=fr").json["strings"]
    assert words["system_closed"].replace("{name}", line["event"]["name"]) == "Ada Agent a clôturé le chat."
    # The agent's console words the same line in the agent's language.
    http = app.test_client()
    http.get("/login-as/ada")
    console = http.get("/livechat/agent/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert thread_words(console)["system_closed"] == "{name} hat den Chat beendet."
    # A visitor's own ending is "You ended the chat." for them.
    visitor2 = visitor_client(app, socketio, "/", **{"Accept-Language": "es"})
    say(visitor2, "Hola", "c-i18n-0002")
    visitor2.get_received(VISITOR_NS)
    visitor2.emit("end_conversation", {}, namespace=VISITOR_NS, callback=True)
    [ended] = [e["args"][0] for e in visitor2.get_received(VISITOR_NS) if e["name"] == "new_message"]
    assert ended["event"] == {"type": "ended", "name": None}
    assert i18n.visitor_system_line(app, "es", ended["event"]) == "Ha terminado el chat."


def test_older_system_lines_keep_their_stored_words() -> None:
    assert i18n.system_event("status-closed-0123abcd", None) is None  # before events: unnamed
    assert i18n.system_event("c-000001", "Ada") is None
    assert i18n.system_event("status-reopened-0123abcd", "Ada") == {"type": "reopened", "name": "Ada"}


@pytest.mark.livechat_config(**MAIL)
def test_the_transcript_email_is_in_the_visitors_language(
    app: Flask,
    socketio: SocketIO,
    inbox: Inbox,  # noqa: F811
) -> None:
    http = app.test_client()
    http.get("/login-as/carol", headers={"Accept-Language": "nl-NL,nl;q=0.9"})
    carol = visitor_client(app, socketio, "/", http=http, **{"Accept-Language": "nl-NL,nl;q=0.9"})
    conversation = say(carol, "Waar is mijn factuur?", "c-i18n-mail1")["conversation_id"]
    ada = agent_client(app, socketio, "ada")
    ada.emit("close_conversation", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True)
    ack = ada.emit("email_transcript", {"conversation_id": conversation}, namespace=AGENT_NS, callback=True)
    assert ack["ok"], ack
    [(_, _, message)] = inbox.messages
    assert message["Subject"].startswith("Verslag van je chat van ")
    text = message.get_body(("plain",)).get_content()
    assert "Jij: Waar is mijn factuur?" in text
    assert "Ada Agent heeft de chat gesloten." in text
    assert "Open http" in text and "om deze service-e-mails niet meer te ontvangen" in text
    link = re.search(r"http://localhost(/livechat/unsubscribe/\S+)", text)
    assert link, text
    page = app.test_client().get(link.group(1), headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert '<html lang="nl">' in page and "Geen service-e-mails meer van ons ontvangen?" in page


def test_a_host_using_flask_babel_keeps_its_own_gettext(tmp_path: Path) -> None:
    """Flask-Babel installs its ``_`` in the host's Jinja environment; ours live only in our templates'
    context, so both work side by side."""
    flask_babel = pytest.importorskip("flask_babel")
    app = build_app(str(tmp_path / "instance"))
    try:
        flask_babel.Babel(app, locale_selector=lambda: "fr")
        with app.test_request_context("/"):
            assert render_template_string("{{ _('Hello %(name)s', name='Ada') }}") == "Hello Ada"
            assert "jinja2.ext.InternationalizationExtension" in str(app.jinja_env.extensions)
        http = app.test_client()
        http.get("/login-as/ada")
        console = http.get("/livechat/agent/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
        assert thread_words(console)["system_closed"] == "{name} a clôturé le chat."
    finally:
        stop_app(app)


def test_the_console_js_words_are_the_servers() -> None:
    """console.js falls back to its English DEFAULTS (src/console/words.js) for a key the page leaves out;
    the server sends the same keys, with the same English, so nothing drifts untranslated."""
    source = CONSOLE_WORDS_JS.read_text(encoding="utf-8")
    body = source.split("export const DEFAULTS = {", 1)[1].split("\n};", 1)[0]
    defaults = {key: json.loads(text) for key, text in re.findall(r'^  (\w+): (".*"),$', body, re.M)}
    from flask_livechat.views.agent import console_words

    assert len(defaults) > 100
    assert console_words("en") == defaults
    assert set(console_words("de")) == {*defaults, "chat_number"}  # ordinals: English only in the JS


def test_the_console_is_in_the_agents_language(app: Flask) -> None:
    http = app.test_client()
    http.get("/login-as/ada")
    german = {"Accept-Language": "de-DE,de;q=0.9"}
    console = http.get("/livechat/agent/", headers=german).get_data(as_text=True)
    assert '<html lang="de">' in console
    assert "<title>Live-Chat-Konsole</title>" in console
    assert ">Gespräche <span" in console and 'aria-label="Weitere Aktionen"' in console
    words = thread_words(console)
    assert words["reply_placeholder"] == "Antwort schreiben … (/ für Textbausteine)"
    assert words["visitor_zone"] == "Besucher · Zeitzone {zone}"
    english = http.get("/livechat/agent/", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert '<html lang="en">' in english and ">Conversations <span" in english
    assert thread_words(english)["reply_placeholder"].startswith("Write a reply")
