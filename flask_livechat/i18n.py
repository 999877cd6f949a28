"""Translations: gettext catalogs (``translations/<lang>/LC_MESSAGES/livechat.po``, compiled ``.mo`` shipped),
loaded once per process; hosts change any widget string by key with ``LIVECHAT_TRANSLATIONS``.

Two kinds of strings share the catalog (docs/translating.md):

- the widget's words, keyed: the key is the gettext *context* (``msgctxt``) and the English text below the
  ``msgid``. The widget gets them resolved, as a dict by key, from settings.json (no gettext in the browser).
  A new widget string is one line in ``WIDGET`` (or ``WIDGET_PLURALS``), then ``make translations``.
- everything rendered on the server (console, admin and privacy pages, emails, system lines): the English
  text as ``msgid`` with ``%(name)s`` placeholders, in ``translate(language, …)`` /
  ``translate_plural(language, …)`` calls in Python and ``_()`` / ``ngettext()`` calls in our Jinja templates,
  extracted by Babel.

The widget's language is ``LIVECHAT_LANGUAGE`` when set, else the best match of the browser's
``Accept-Language``. Widget strings use ``{name}`` placeholders that the widget fills in.
"""

from __future__ import annotations

import functools
import gettext as _gettext
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from babel.core import UnknownLocaleError
from babel.messages.plurals import get_plural
from babel.support import NullTranslations, Translations
from flask import Flask, Request
from markupsafe import Markup

DEFAULT_LANGUAGE = "en"
DOMAIN = "livechat"
CATALOGS = Path(__file__).parent / "translations"

#: The widget's words in English, by key: the one place a new widget string is added. Keys are stable: hosts
#: override them by key (``LIVECHAT_TRANSLATIONS``), translators see them as the message context.
WIDGET: dict[str, str] = {
    "open_chat": "Open chat",
    "close_chat": "Close chat",
    "chat": "Chat",
    "title": "Chat with us",
    "greeting": "Send us a message and we\u2019ll reply right here.",
    "message": "Message",
    "messages": "Messages",
    "placeholder": "Write a message\u2026",
    "send": "Send",
    "end_chat": "End chat",
    "sending": "Sending\u2026",
    "connecting": "Connecting\u2026",
    "reconnecting": "Reconnecting\u2026",
    "unavailable": "Chat is unavailable right now.",
    "busy": "The chat is very busy right now. Trying again\u2026",
    "send_failed": "Your message could not be sent.",
    "typing": "{name} is typing\u2026",
    "agent": "Agent",
    "you": "You",
    "seen": "Seen",
    "history": "Earlier conversations",
    "offline": "No one is online right now.",
    "closed_hours": "We\u2019re outside our opening hours right now.",
    "reply_time": "We usually reply within {duration}.",
    "offline_intro": "Leave a message and we\u2019ll get back to you by email.",
    "leave_message": "Leave a message",
    "offline_intro_plain": "Leave a message and we\u2019ll get back to you.",
    "offline_sent": "Thanks! We got your message.",
    "offline_sent_email": "We\u2019ll reply by email to {email}.",
    "offline_sent_later": "We\u2019ll reply by email.",
    "offline_sent_here": "Our reply will be waiting here in the chat when you come back.",
    "offline_sent_contact": "We\u2019ll get back to you at {email}.",
    "offline_again": "Send another message",
    "too_many": "That was a lot at once. Please wait a moment and try again.",
    "rate_failed": "Your rating could not be sent. Please try again.",
    "file_refused": "{name} cannot be sent: its content is not what its name says.",
    "dismiss": "Dismiss",
    "transcript_button": "Email me this chat",
    "transcript_sent": "Sent to {to}.",
    "transcript_confirm": "We emailed {to} a link: open it to get the transcript.",
    "transcript_failed": "The email could not be sent. Please try again later.",
    "consent_saved_accepted": (
        "Saved: we\u2019ll remember this browser. Change it under \u201cYour data\u201d."
    ),
    "consent_saved_declined": (
        "Saved: this chat won\u2019t remember you. Change it under \u201cYour data\u201d."
    ),
    "name": "Name",
    "email": "Email",
    "required": "Please fill in {field}.",
    "email_invalid": "Please enter a valid email address.",
    "line_invalid": "{field} must be one line, without control characters.",
    "too_long": "{field} is too long: at most {max} characters.",
    "choose": "Choose\u2026",
    "prechat_intro": "Before we start, please tell us a little about you.",
    "start_chat": "Start chat",
    "attach": "Attach a file",
    "uploading": "Uploading {name}\u2026",
    "file_too_big": "{name} is too big: at most {size}.",
    "file_type": "{name} cannot be sent: this type of file is not allowed.",
    "upload_failed": "The file could not be sent.",
    "download": "Download {name}",
    "ended_by_visitor": "You ended the chat.",
    "ended_by_agent": "The chat was closed.",
    "new_chat": "Send a message to start a new chat.",
    "rate_prompt": "How was this chat?",
    "rate_star": "{count} out of 5",
    "rate_comment": "Comment (optional)",
    "rate_send": "Send rating",
    "rate_thanks": "Thanks for your feedback!",
    "one_minute": "a minute",
    "one_hour": "an hour",
    "one_day": "a day",
    "privacy": "Privacy",
    "privacy_choice": "Privacy choice",
    "consent_ask": "May we remember this browser? Then your conversation is kept across visits.",
    "consent_notice": "We remember this browser to keep your conversation.",
    "consent_browser_declined": "Your browser asks not to be tracked: this chat won\u2019t remember you.",
    "accept": "Accept",
    "decline": "Decline",
    "ok": "OK",
    "choice_failed": "Your choice could not be saved. Please try again.",
    "your_data": "Your data",
    "download_data": "Download my data",
    "delete_data": "Delete my data",
    "delete_confirm": "Delete your conversations and visit history now? This cannot be undone.",
    "delete_yes": "Yes, delete",
    "cancel": "Cancel",
    "data_deleted": "Your data has been deleted.",
    "delete_failed": "Your data could not be deleted. Please try again.",
    "stop_remembering": "Stop remembering me",
    "remember_me": "Remember me",
    "correct_details": "Correct my details",
    "save": "Save",
    "details_saved": "Your details have been corrected.",
    "details_failed": "Your details could not be saved. Please try again.",
    "no_details": "This browser holds no chat data with us.",
    "online_now": "We\u2019re online",
    "online_names": "Online now: {names}",
    "away_now": "Away right now",
    "empty_hint": "Ask us anything \u2014 we\u2019re here to help.",
    "preview_dismiss": "Dismiss this preview",
    "emoji": "Emoji",
    "emoji_categories": "Emoji categories",
    "emoji_smileys": "Smileys",
    "emoji_gestures": "Gestures",
    "emoji_symbols": "Hearts and symbols",
    "emoji_nature": "Animals and nature",
    "emoji_food": "Food and drink",
    "emoji_things": "Travel and things",
    # System lines, rendered for the visitor from the message's ``event`` (docs/protocol.md).
    "system_closed": "{name} closed the chat.",
    "system_reopened": "{name} reopened the chat.",
    "system_ended": "You ended the chat.",
}

#: Widget strings with plural forms: English singular and plural. The widget gets every form of the language
#: and picks one by count (``plural_index`` in settings.json); overrides give the list of forms.
WIDGET_PLURALS: dict[str, tuple[str, str]] = {
    "unread": ("{count} unread message", "{count} unread messages"),
    "minutes": ("{count} minute", "{count} minutes"),
    "hours": ("{count} hour", "{count} hours"),
    "days": ("{count} day", "{count} days"),
}

#: How many counts ``plural_index`` covers. Gettext plural rules look at ``n``, ``n % 10`` and ``n % 100``, so
#: from 200 on ``n`` takes the form of ``100 + n % 100``; the one exception, CLDR's "many" of French, Spanish
#: or Italian for exact millions ("1 000 000 de messages"), is a count an unread badge never reaches.
PLURAL_SPAN = 200


@functools.cache
def shipped_languages() -> tuple[str, ...]:
    """English (the source) and every language with a compiled catalog in the package."""
    found = {p.parent.parent.name for p in CATALOGS.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    return tuple(sorted({DEFAULT_LANGUAGE, *found}))


@functools.cache
def catalog(language: str) -> NullTranslations:
    """The compiled catalog of ``language`` (English: none, the source strings are English)."""
    if language == DEFAULT_LANGUAGE or language not in shipped_languages():
        return NullTranslations()
    return Translations.load(str(CATALOGS), [language], DOMAIN)


def languages(app: Flask) -> list[str]:
    """Shipped languages plus any the host added in ``LIVECHAT_TRANSLATIONS``."""
    return sorted({*shipped_languages(), *app.config["LIVECHAT_TRANSLATIONS"]})


def negotiate(accepted: Iterable[str] | str | None, available: Iterable[str]) -> str:
    """The best of ``available`` for an ``Accept-Language`` value (or a list of tags), ``en`` otherwise.
    A regional tag matches its language: ``fr-CA`` gets ``fr``."""
    from werkzeug.datastructures import LanguageAccept
    from werkzeug.http import parse_accept_header

    header = accepted if isinstance(accepted, str) or accepted is None else ",".join(accepted)
    parsed = parse_accept_header(header or "", LanguageAccept)
    return str(parsed.best_match(list(available), default=DEFAULT_LANGUAGE))


def language_for(app: Flask, request: Request) -> str:
    """The widget's (and the visitor's pages') language."""
    configured: str | None = app.config["LIVECHAT_LANGUAGE"]
    if configured:
        return configured
    return str(request.accept_languages.best_match(languages(app), default=DEFAULT_LANGUAGE))


def staff_language(request: Request) -> str:
    """The console's and admin pages' language: the staff member's browser, among the shipped catalogs."""
    return str(request.accept_languages.best_match(shipped_languages(), default=DEFAULT_LANGUAGE))


def visitor_language(app: Flask, accepted: str | None) -> str:
    """A visitor's language away from their request (emails): ``LIVECHAT_LANGUAGE``, else the best match of
    the language their browser sent (stored on the visitor)."""
    configured: str | None = app.config["LIVECHAT_LANGUAGE"]
    return configured or negotiate(accepted, languages(app))


def host_language(app: Flask) -> str:
    """The language of mail to the host's own inbox: the site's configured language, else English."""
    configured: str | None = app.config["LIVECHAT_LANGUAGE"]
    return configured or DEFAULT_LANGUAGE


def normalize_language(app: Flask, language: str | None) -> str:
    return language if language in languages(app) else DEFAULT_LANGUAGE


# --- server-rendered strings ------------------------------------------------------------------------


def translate(language: str, message: str, **values: Any) -> str:
    """``message`` in ``language``, ``%(name)s`` placeholders filled from ``values``."""
    text = catalog(language).gettext(message)
    return text % values if values else text


def translate_plural(language: str, singular: str, plural: str, count: int, **values: Any) -> str:
    """The form for ``count`` (``%(num)d`` is the count, as in Flask-Babel)."""
    return catalog(language).ngettext(singular, plural, count) % {"num": count, **values}


def texts(language: str) -> tuple[Callable[..., str], Callable[..., str]]:
    """``_`` and ``ngettext`` in ``language``, for a module that words a whole page (the privacy notice):
    bound to local names ``_`` and ``ngettext``, their calls are extracted like any other."""

    def text(message: str, **values: Any) -> str:
        return translate(language, message, **values)

    def plural(singular: str, plural: str, count: int, **values: Any) -> str:
        return translate_plural(language, singular, plural, count, **values)

    return text, plural


def staff_text(message: str, **values: Any) -> str:
    """``message`` in the language of the staff member making the request (the admin pages' flashes and
    labels); imported as ``_`` so Babel extracts its calls."""
    from flask import request

    return translate(staff_language(request), message, **values)


class Text(str):
    """An English message that keeps its ``msgid`` and values, so that a page can show it in its reader's
    language later (``localize``) while the REST API, which answers in English, uses it as the plain string
    it is. Made by ``N_``."""

    msgid: str
    values: dict[str, Any]

    def __new__(cls, message: str, values: dict[str, Any] | None = None) -> Text:
        # ``values`` may be left out: copy and pickle make a str subclass from its text alone, then restore
        # the attributes.
        made = super().__new__(cls, message % values if values else message)
        made.msgid, made.values = message, values or {}
        return made


def N_(message: str, **values: Any) -> Text:
    """Marks a service's message for extraction and keeps it translatable (see ``Text``)."""
    return Text(message, values)


def localize(language: str, message: str) -> str:
    """A ``Text`` in ``language``; any other string as it is."""
    if isinstance(message, Text):
        return translate(language, message.msgid, **message.values)
    return message


def bound(language: str) -> dict[str, Any]:
    """``_``, ``gettext`` and ``ngettext`` in ``language``, for our templates' context (never the host's
    Jinja environment: a host using Flask-Babel keeps its own ``_``)."""

    def text(message: str, **values: Any) -> str:
        if any(isinstance(value, Markup) for value in values.values()):
            # A value with markup (a <strong>, a link) that the template made: as Jinja's own i18n does, the
            # sentence (ours, from the shipped catalog) is taken as markup and every other value is escaped.
            return Markup(catalog(language).gettext(message)) % values
        return translate(language, message, **values)

    def plural(singular: str, plural: str, count: int, **values: Any) -> str:
        return translate_plural(language, singular, plural, count, **values)

    return {"_": text, "gettext": text, "ngettext": plural, "page_language": language}  # type: ignore[dict-item]


# --- the widget's words -----------------------------------------------------------------------------


@functools.cache
def plural_rule(language: str) -> Callable[[int], int]:
    """The gettext plural rule (from CLDR, through Babel) of a shipped or host-added language."""
    rule = getattr(catalog(language), "plural", None)
    if language != DEFAULT_LANGUAGE and callable(rule) and language in shipped_languages():
        return rule  # type: ignore[no-any-return]
    try:
        expression = get_plural(language).plural_expr
    except (ValueError, UnknownLocaleError):  # a language tag Babel does not know: English's rule
        expression = "(n != 1)"
    return _gettext.c2py(expression)


@functools.cache
def plural_index(language: str) -> str:
    """The form for each count below ``PLURAL_SPAN``, one digit each: the widget picks ``forms[index[n]]``
    (or ``index[100 + n % 100]`` from ``PLURAL_SPAN`` on) without evaluating code (CSP: no ``eval``)."""
    rule = plural_rule(language)
    return "".join(str(rule(n)) for n in range(PLURAL_SPAN))


def plural_count(language: str) -> int:
    """How many forms the language has (its catalog's ``nplurals``; English's two without one)."""
    declared = getattr(catalog(language), "_info", {}).get("plural-forms", "")
    if "nplurals=" in declared:
        return int(declared.split("nplurals=")[1].split(";")[0])
    try:
        return int(get_plural(language).num_plurals)
    except (ValueError, UnknownLocaleError):
        return 2


@functools.cache
def _shipped_words(language: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    found = catalog(language)
    words = {key: str(found.pgettext(key, text)) for key, text in WIDGET.items()}
    rule, forms_count = plural_rule(language), plural_count(language)
    plurals: dict[str, list[str]] = {}
    # One sample count per form (the catalog answers by count, not by form number); CLDR's "many" of French or
    # Spanish is for exact millions only.
    samples = {rule(n): n for n in (10**9, 10**6, *reversed(range(PLURAL_SPAN)))}
    for key, (singular, plural) in WIDGET_PLURALS.items():
        plurals[key] = [
            str(found.npgettext(key, singular, plural, samples.get(i, 2))) for i in range(forms_count)
        ]
    return words, plurals


def strings(app: Flask, language: str) -> dict[str, str]:
    """English underneath (so a partial translation never shows a key), then the language, then the host's."""
    words = dict(_shipped_words(language)[0])
    words.update(
        (key, value)
        for key, value in app.config["LIVECHAT_TRANSLATIONS"].get(language, {}).items()
        if isinstance(value, str) and key in WIDGET
    )
    return words


def plurals(app: Flask, language: str) -> dict[str, list[str]]:
    """Every form of each plural string, in the language's order (a host override is a list of forms)."""
    forms = {key: list(value) for key, value in _shipped_words(language)[1].items()}
    for key, value in app.config["LIVECHAT_TRANSLATIONS"].get(language, {}).items():
        if key in WIDGET_PLURALS:
            forms[key] = [value] if isinstance(value, str) else list(value)
    return forms


def plural(app: Flask, language: str, key: str, count: int) -> str:
    """One plural string for ``count``, its ``{count}`` filled (what the widget does, on the server)."""
    forms = plurals(app, language)[key]
    index = plural_rule(language)(count)
    return forms[min(index, len(forms) - 1)].replace("{count}", str(count))


def word(app: Flask, language: str, key: str) -> str:
    """One string, without building the whole table (the loader tag needs one on every page)."""
    override = app.config["LIVECHAT_TRANSLATIONS"].get(language, {}).get(key)
    if isinstance(override, str):
        return override
    return _shipped_words(language)[0][key]


def localized(value: Any, language: str) -> str | None:
    """A config value given as one string, or as ``{"en": …, "de": …}``."""
    if isinstance(value, dict):
        chosen = value.get(language, value.get(DEFAULT_LANGUAGE))
        return str(chosen) if chosen is not None else None
    return None if value is None else str(value)


def duration(app: Flask, language: str, seconds: int) -> str:
    """A reply time in words: "2 hours", "a day"."""
    words = strings(app, language)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size or unit == "minute":
            count = max(1, round(seconds / size))
            return words[f"one_{unit}"] if count == 1 else plural(app, language, f"{unit}s", count)
    raise AssertionError("unreachable")


# --- system lines -----------------------------------------------------------------------------------

#: A system line's kind, from its ``client_id`` (``status-<kind>-<hex>``): what the line says happened.
SYSTEM_EVENTS = ("closed", "reopened", "ended")


def system_event(client_id: str, author: str | None) -> dict[str, Any] | None:
    """The structured event of a system line (``None`` for an older line: its stored English body stands)."""
    parts = client_id.split("-")
    if len(parts) != 3 or parts[0] != "status" or parts[1] not in SYSTEM_EVENTS:
        return None
    if parts[1] != "ended" and not author:  # before 0.2 a visitor's "ended" was "closed", unnamed
        return None
    return {"type": parts[1], "name": author}


def system_line(language: str, event: dict[str, Any]) -> str:
    """A system line for staff (console, transcripts), in ``language``."""
    if event["type"] == "closed":
        return translate(language, "%(name)s closed the chat.", name=event["name"] or "")
    if event["type"] == "reopened":
        return translate(language, "%(name)s reopened the chat.", name=event["name"] or "")
    return translate(language, "The visitor ended the chat.")


def visitor_system_line(app: Flask, language: str, event: dict[str, Any]) -> str:
    """The same line as the widget shows it (transcript emails to the visitor)."""
    return strings(app, language)[f"system_{event['type']}"].replace("{name}", event["name"] or "")
