"""The widget's words, in English and German; hosts add languages or change any string with
``LIVECHAT_TRANSLATIONS``.

The language is ``LIVECHAT_LANGUAGE`` when set, else the best match of the browser's ``Accept-Language``.
Strings use ``{name}`` placeholders that the widget fills in.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request

DEFAULT_LANGUAGE = "en"

#: Every string the visitor can see. Keys are stable: hosts override them by key.
CATALOG: dict[str, dict[str, str]] = {
    "en": {
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
        "send_failed": "Your message could not be sent.",
        "unread_one": "1 unread message",
        "unread_many": "{count} unread messages",
        "typing": "{name} is typing\u2026",
        "agent": "Agent",
        "you": "You",
        "seen": "Seen",
        "history": "Earlier conversations",
        "transcript_button": "Email me this chat",
        "transcript_sent": "Sent to {to}.",
        "transcript_confirm": "We emailed {to} a link: open it to get the transcript.",
        "transcript_failed": "The email could not be sent. Please try again later.",
        "offline": "No one is online right now.",
        "closed_hours": "We\u2019re outside our opening hours right now.",
        "reply_time": "We usually reply within {duration}.",
        "offline_intro": "Leave a message and we\u2019ll get back to you by email.",
        "leave_message": "Leave a message",
        "offline_sent": "Thanks! We got your message and will reply by email.",
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
        "minutes": "{count} minutes",
        "hours": "{count} hours",
        "days": "{count} days",
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
    },
    "de": {
        "open_chat": "Chat \u00f6ffnen",
        "close_chat": "Chat schlie\u00dfen",
        "chat": "Chat",
        "title": "Schreiben Sie uns",
        "greeting": "Schreiben Sie uns eine Nachricht, wir antworten gleich hier.",
        "message": "Nachricht",
        "messages": "Nachrichten",
        "placeholder": "Nachricht schreiben\u2026",
        "send": "Senden",
        "end_chat": "Chat beenden",
        "sending": "Wird gesendet\u2026",
        "connecting": "Verbinde\u2026",
        "reconnecting": "Verbindung wird wiederhergestellt\u2026",
        "unavailable": "Der Chat ist gerade nicht erreichbar.",
        "send_failed": "Ihre Nachricht konnte nicht gesendet werden.",
        "unread_one": "1 ungelesene Nachricht",
        "unread_many": "{count} ungelesene Nachrichten",
        "typing": "{name} schreibt\u2026",
        "agent": "Support",
        "you": "Sie",
        "seen": "Gelesen",
        "history": "Fr\u00fchere Gespr\u00e4che",
        "transcript_button": "Diesen Chat per E-Mail senden",
        "transcript_sent": "An {to} gesendet.",
        "transcript_confirm": (
            "Wir haben {to} einen Link geschickt: \u00d6ffnen Sie ihn, um das Protokoll zu erhalten."
        ),
        "transcript_failed": (
            "Die E-Mail konnte nicht gesendet werden. Bitte versuchen Sie es sp\u00e4ter erneut."
        ),
        "offline": "Gerade ist niemand online.",
        "closed_hours": "Wir sind gerade au\u00dferhalb unserer \u00d6ffnungszeiten.",
        "reply_time": "Wir antworten meist innerhalb von {duration}.",
        "offline_intro": "Hinterlassen Sie uns eine Nachricht, wir antworten per E-Mail.",
        "leave_message": "Nachricht hinterlassen",
        "offline_sent": "Danke! Wir haben Ihre Nachricht erhalten und antworten per E-Mail.",
        "name": "Name",
        "email": "E-Mail",
        "required": "Bitte f\u00fcllen Sie \u201e{field}\u201c aus.",
        "email_invalid": "Bitte geben Sie eine g\u00fcltige E-Mail-Adresse ein.",
        "line_invalid": "\u201e{field}\u201c muss eine Zeile ohne Steuerzeichen sein.",
        "too_long": "\u201e{field}\u201c ist zu lang: h\u00f6chstens {max} Zeichen.",
        "choose": "Bitte w\u00e4hlen\u2026",
        "prechat_intro": "Bevor wir beginnen: erz\u00e4hlen Sie uns kurz etwas \u00fcber sich.",
        "start_chat": "Chat starten",
        "attach": "Datei anh\u00e4ngen",
        "uploading": "{name} wird hochgeladen\u2026",
        "file_too_big": "{name} ist zu gro\u00df: h\u00f6chstens {size}.",
        "file_type": "{name} kann nicht gesendet werden: dieser Dateityp ist nicht erlaubt.",
        "upload_failed": "Die Datei konnte nicht gesendet werden.",
        "download": "{name} herunterladen",
        "ended_by_visitor": "Sie haben den Chat beendet.",
        "ended_by_agent": "Der Chat wurde beendet.",
        "new_chat": "Schreiben Sie eine Nachricht, um einen neuen Chat zu beginnen.",
        "rate_prompt": "Wie war dieser Chat?",
        "rate_star": "{count} von 5",
        "rate_comment": "Kommentar (optional)",
        "rate_send": "Bewertung senden",
        "rate_thanks": "Danke f\u00fcr Ihr Feedback!",
        "minutes": "{count} Minuten",
        "hours": "{count} Stunden",
        "days": "{count} Tagen",
        "one_minute": "einer Minute",
        "one_hour": "einer Stunde",
        "one_day": "einem Tag",
        "privacy": "Datenschutz",
        "privacy_choice": "Datenschutz-Auswahl",
        "consent_ask": (
            "D\u00fcrfen wir uns diesen Browser merken? Dann bleibt Ihr Gespr\u00e4ch \u00fcber Besuche "
            "hinweg erhalten."
        ),
        "consent_notice": "Wir merken uns diesen Browser, damit Ihr Gespr\u00e4ch erhalten bleibt.",
        "consent_browser_declined": (
            "Ihr Browser bittet, nicht verfolgt zu werden: dieser Chat merkt sich Sie nicht."
        ),
        "accept": "Akzeptieren",
        "decline": "Ablehnen",
        "ok": "OK",
        "choice_failed": "Ihre Auswahl konnte nicht gespeichert werden. Bitte versuchen Sie es erneut.",
        "your_data": "Ihre Daten",
        "download_data": "Meine Daten herunterladen",
        "delete_data": "Meine Daten l\u00f6schen",
        "delete_confirm": (
            "Ihre Gespr\u00e4che und Ihren Besuchsverlauf jetzt l\u00f6schen? Das kann nicht "
            "r\u00fcckg\u00e4ngig gemacht werden."
        ),
        "delete_yes": "Ja, l\u00f6schen",
        "cancel": "Abbrechen",
        "data_deleted": "Ihre Daten wurden gel\u00f6scht.",
        "delete_failed": "Ihre Daten konnten nicht gel\u00f6scht werden. Bitte versuchen Sie es erneut.",
        "stop_remembering": "Nicht mehr merken",
        "remember_me": "Mich merken",
        "correct_details": "Meine Angaben berichtigen",
        "save": "Speichern",
        "details_saved": "Ihre Angaben wurden berichtigt.",
        "details_failed": "Ihre Angaben konnten nicht gespeichert werden. Bitte versuchen Sie es erneut.",
        "no_details": "Dieser Browser hat bei uns keine Chat-Daten.",
    },
}


def languages(app: Flask) -> list[str]:
    """Shipped languages plus any the host added in ``LIVECHAT_TRANSLATIONS``."""
    return sorted({*CATALOG, *app.config["LIVECHAT_TRANSLATIONS"]})


def language_for(app: Flask, request: Request) -> str:
    configured: str | None = app.config["LIVECHAT_LANGUAGE"]
    if configured:
        return configured
    match = request.accept_languages.best_match(languages(app), default=DEFAULT_LANGUAGE)
    return str(match)


def normalize_language(app: Flask, language: str | None) -> str:
    return language if language in languages(app) else DEFAULT_LANGUAGE


def strings(app: Flask, language: str) -> dict[str, str]:
    """English underneath (so a partial translation never shows a key), then the language, then the host's."""
    merged = dict(CATALOG[DEFAULT_LANGUAGE])
    merged.update(CATALOG.get(language, {}))
    merged.update(app.config["LIVECHAT_TRANSLATIONS"].get(language, {}))
    return merged


def word(app: Flask, language: str, key: str) -> str:
    """One string, without building the whole table (the loader tag needs one on every page)."""
    for table in (app.config["LIVECHAT_TRANSLATIONS"].get(language, {}), CATALOG.get(language, {})):
        if key in table:
            return str(table[key])
    return CATALOG[DEFAULT_LANGUAGE][key]


def localized(value: Any, language: str) -> str | None:
    """A config value given as one string, or as ``{"en": …, "de": …}``."""
    if isinstance(value, dict):
        chosen = value.get(language, value.get(DEFAULT_LANGUAGE))
        return str(chosen) if chosen is not None else None
    return None if value is None else str(value)


def duration(words: dict[str, str], seconds: int) -> str:
    """A reply time in words: "2 hours", "a day"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size or unit == "minute":
            count = max(1, round(seconds / size))
            return words[f"one_{unit}"] if count == 1 else words[f"{unit}s"].format(count=count)
    raise AssertionError("unreachable")
