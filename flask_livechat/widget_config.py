"""The visitor widget's settings: start-up checks of its ``LIVECHAT_*`` keys, and what the widget is told.

The loader tag carries only what drawing the launcher needs; everything else comes from the settings
endpoint when the chat first opens (docs/widget.md).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, url_for

from . import i18n
from .assets import static_url
from .errors import ConfigError
from .hours import parse_business_hours

_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
FIELD_TYPES = ("text", "email", "tel", "textarea", "select")
#: LIVECHAT_THEME: "auto" follows the visitor's prefers-color-scheme; the others force one.
THEMES = ("auto", "light", "dark")
#: The largest LIVECHAT_LAUNCHER_OFFSET_X/Y, in CSS pixels.
MAX_OFFSET = 120


def validate(app: Flask) -> None:
    config = app.config
    for key in (
        "LIVECHAT_REPLY_TIME",
        "LIVECHAT_ATTACHMENT_MAX_SIZE",
        "LIVECHAT_ATTACHMENT_URL_MAX_AGE",
        "LIVECHAT_MAIL_PORT",
        "LIVECHAT_MAIL_TIMEOUT",
    ):
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError(f"{key} must be a positive integer, got {value!r}.")
    for key in ("LIVECHAT_SOUND", "LIVECHAT_ATTACHMENTS", "LIVECHAT_MESSAGE_PREVIEW", "LIVECHAT_EMOJI"):
        if not isinstance(config[key], bool):
            raise ConfigError(f"{key} must be True or False, got {config[key]!r}.")
    _check_translations(config["LIVECHAT_TRANSLATIONS"])
    language = config["LIVECHAT_LANGUAGE"]
    if language is not None and language not in i18n.languages(app):
        raise ConfigError(
            f"LIVECHAT_LANGUAGE is {language!r}; use one of {i18n.languages(app)} or add it to "
            "LIVECHAT_TRANSLATIONS."
        )
    if not isinstance(config["LIVECHAT_COLOR"], str) or not _COLOR.match(config["LIVECHAT_COLOR"]):
        raise ConfigError(
            f"LIVECHAT_COLOR must be a hex colour such as '#1d4ed8', got {config['LIVECHAT_COLOR']!r}."
        )
    if config["LIVECHAT_POSITION"] not in ("right", "left"):
        raise ConfigError(
            f"LIVECHAT_POSITION must be 'right' or 'left', got {config['LIVECHAT_POSITION']!r}."
        )
    if config["LIVECHAT_THEME"] not in THEMES:
        raise ConfigError(f"LIVECHAT_THEME must be one of {THEMES}, got {config['LIVECHAT_THEME']!r}.")
    for key in ("LIVECHAT_LAUNCHER_OFFSET_X", "LIVECHAT_LAUNCHER_OFFSET_Y"):
        value = config[key]
        # Pixels from the corner's two edges; much more puts the launcher over a phone's content.
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_OFFSET:
            raise ConfigError(
                f"{key} must be a whole number of pixels from 0 to {MAX_OFFSET}, got {value!r}."
            )
    for key in ("LIVECHAT_TITLE", "LIVECHAT_GREETING"):
        _check_localizable(key, config[key])
    avatar = config["LIVECHAT_AVATAR_URL"]
    if avatar is not None and not (isinstance(avatar, str) and re.match(r"^(https?://|/)", avatar)):
        raise ConfigError(
            f"LIVECHAT_AVATAR_URL must be an http(s) URL or a path starting with '/', got {avatar!r}."
        )
    try:
        parse_business_hours(config["LIVECHAT_BUSINESS_HOURS"])
    except ValueError as error:
        raise ConfigError(f"LIVECHAT_BUSINESS_HOURS {error}.") from None
    prechat_fields(app, i18n.DEFAULT_LANGUAGE)  # raises on a bad field
    types = config["LIVECHAT_ATTACHMENT_TYPES"]
    if isinstance(types, str) or not all(isinstance(t, str) and "/" in t for t in types):
        raise ConfigError("LIVECHAT_ATTACHMENT_TYPES must be a list of MIME types such as ['image/png'].")
    folder = config["LIVECHAT_ATTACHMENT_FOLDER"]
    if folder is not None and not (isinstance(folder, str) and folder):
        raise ConfigError(f"LIVECHAT_ATTACHMENT_FOLDER must be None or a folder path, got {folder!r}.")
    storage = config["LIVECHAT_ATTACHMENT_STORAGE"]
    methods = ("save", "load", "delete")
    if storage is not None and not all(callable(getattr(storage, name, None)) for name in methods):
        raise ConfigError(
            "LIVECHAT_ATTACHMENT_STORAGE must be None or an object with save(), load() and delete()."
        )


def _check_translations(translations: Any) -> None:
    known = {*i18n.WIDGET, *i18n.WIDGET_PLURALS}
    if not isinstance(translations, dict):
        raise ConfigError("LIVECHAT_TRANSLATIONS must be a dict such as {'fr': {'send': 'Envoyer'}}.")
    for language, table in translations.items():
        if not isinstance(table, dict) or not all(_is_words(k, v) for k, v in table.items()):
            raise ConfigError(
                f"LIVECHAT_TRANSLATIONS[{language!r}] must map string keys to strings (plural keys such as "
                "'unread': a list of the language's forms)."
            )
        for key, value in table.items():
            forms = i18n.plural_count(language)
            if not isinstance(value, str) and len(value) != forms:
                raise ConfigError(
                    f"LIVECHAT_TRANSLATIONS[{language!r}][{key!r}] needs {forms} plural forms, in the "
                    "order of the language's gettext plural rule (docs/translating.md)."
                )
        unknown = set(table) - known
        if unknown:
            raise ConfigError(f"LIVECHAT_TRANSLATIONS[{language!r}] has unknown keys {sorted(unknown)}.")


def _is_words(key: Any, value: Any) -> bool:
    if isinstance(value, str):
        return True
    plural = key in i18n.WIDGET_PLURALS and isinstance(value, list | tuple)
    return plural and all(isinstance(v, str) for v in value)


def _check_localizable(key: str, value: Any) -> None:
    if value is None or isinstance(value, str):
        return
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return
    raise ConfigError(f"{key} must be None, a string, or a dict of strings per language.")


def prechat_fields(app: Flask, language: str) -> list[dict[str, Any]]:
    """``LIVECHAT_PRECHAT_FIELDS`` completed with defaults and labels in ``language``."""
    words = i18n.strings(app, language)
    fields: list[dict[str, Any]] = []
    seen: set[str] = set()
    for raw in app.config["LIVECHAT_PRECHAT_FIELDS"]:
        if isinstance(raw, str):
            raw = {"name": raw}
        if not isinstance(raw, dict):
            raise ConfigError("LIVECHAT_PRECHAT_FIELDS items must be field names or dicts.")
        name = raw.get("name")
        if not isinstance(name, str) or not _FIELD_NAME.match(name) or name in seen:
            raise ConfigError(f"LIVECHAT_PRECHAT_FIELDS: {name!r} is not a unique lower-case field name.")
        seen.add(name)
        unknown = set(raw) - {"name", "label", "type", "required", "options", "max_length"}
        if unknown:
            raise ConfigError(f"LIVECHAT_PRECHAT_FIELDS[{name!r}] has unknown keys {sorted(unknown)}.")
        kind = raw.get("type", "email" if name == "email" else "text")
        if kind not in FIELD_TYPES:
            raise ConfigError(f"LIVECHAT_PRECHAT_FIELDS[{name!r}] type must be one of {FIELD_TYPES}.")
        label = i18n.localized(raw.get("label"), language) or words.get(name)
        if not label:
            raise ConfigError(f"LIVECHAT_PRECHAT_FIELDS[{name!r}] needs a label.")
        options = raw.get("options", [])
        if kind == "select" and (not options or not all(isinstance(o, str) for o in options)):
            raise ConfigError(f"LIVECHAT_PRECHAT_FIELDS[{name!r}] is a select: give it a list of options.")
        max_length = raw.get("max_length", 2000 if kind == "textarea" else 200)
        if isinstance(max_length, bool) or not isinstance(max_length, int) or not 0 < max_length <= 10000:
            raise ConfigError(f"LIVECHAT_PRECHAT_FIELDS[{name!r}] max_length must be 1..10000.")
        fields.append(
            {
                "name": name,
                "label": label,
                "type": kind,
                "required": bool(raw.get("required", True)),
                "options": list(options),
                "max_length": max_length,
            }
        )
    return fields


def text_color(background: str) -> str:
    """White or near-black, whichever reads better on the host's colour (WCAG contrast)."""
    hex_digits = background.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(c * 2 for c in hex_digits)
    channels = [int(hex_digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#ffffff" if (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.05) else "#111827"


def human_size(size: int) -> str:
    for unit, step in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= step:
            return f"{size / step:.3g} {unit}"
    return f"{size} B"


def settings(app: Flask, language: str) -> dict[str, Any]:
    """Everything the chat bundle needs besides the socket: words, appearance, forms, limits."""
    config = app.config
    words = i18n.strings(app, language)
    return {
        "language": language,
        "strings": words,
        "title": i18n.localized(config["LIVECHAT_TITLE"], language) or words["title"],
        "greeting": i18n.localized(config["LIVECHAT_GREETING"], language) or words["greeting"],
        "avatar_url": config["LIVECHAT_AVATAR_URL"],
        "sound": config["LIVECHAT_SOUND"],
        "preview": config["LIVECHAT_MESSAGE_PREVIEW"],
        "emoji": config["LIVECHAT_EMOJI"],
        "reply_time": words["reply_time"].format(
            duration=i18n.duration(app, language, config["LIVECHAT_REPLY_TIME"])
        ),
        # Plural strings: every form, and which form each count takes (widget/text.js ``plural``).
        "plurals": i18n.plurals(app, language),
        "plural_index": i18n.plural_index(language),
        "prechat": prechat_fields(app, language),
        "max_message_length": config["LIVECHAT_MAX_MESSAGE_LENGTH"],
        "urls": {
            "offline": url_for("livechat_widget.offline_message"),
            "upload": url_for("livechat_widget.upload"),
            "privacy": url_for("livechat_privacy.page"),
            "consent": url_for("livechat_privacy.consent_api"),
            "my_data": url_for("livechat_privacy.my_data"),
            "delete_data": url_for("livechat_privacy.delete_api"),
            "profile": url_for("livechat_privacy.profile_api"),
            "emoji": static_url("emoji.js") if config["LIVECHAT_EMOJI"] else None,
        },
        "attachments": {
            "enabled": config["LIVECHAT_ATTACHMENTS"],
            "max_size": config["LIVECHAT_ATTACHMENT_MAX_SIZE"],
            "max_size_text": human_size(config["LIVECHAT_ATTACHMENT_MAX_SIZE"]),
            "types": list(config["LIVECHAT_ATTACHMENT_TYPES"]),
        },
    }
