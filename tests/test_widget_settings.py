"""What the loader tag and the settings endpoint tell the widget: language, appearance, limits."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from flask_livechat import LiveChat
from flask_livechat.config import ConfigError
from flask_livechat.widget_config import text_color


def loader_tag(client: FlaskClient, **headers: str) -> dict[str, str]:
    page = client.get("/", headers=headers).get_data(as_text=True)
    match = re.search(r"<script defer ([^>]*)></script>", page)
    assert match, page
    return dict(re.findall(r'([\w-]+)(?:="([^"]*)")?', match.group(1)))


def test_the_tag_carries_only_what_the_launcher_needs(client: FlaskClient) -> None:
    tag = loader_tag(client)
    assert tag["src"].startswith("/livechat/static/loader.js")
    assert tag["data-chat"].startswith("/livechat/static/widget.js")
    assert tag["data-settings"].startswith("/livechat/widget/settings.json?lang=en")
    assert (tag["data-label"], tag["data-color"], tag["data-position"]) == ("Open chat", "#1d4ed8", "right")
    assert "data-ongoing" not in tag


def test_an_ongoing_conversation_loads_the_chat_with_the_page(
    client: FlaskClient, visitor: SocketIOTestClient
) -> None:
    visitor.emit(
        "send_message", {"client_id": "c-000001", "body": "Hi"}, namespace="/livechat", callback=True
    )
    assert "data-ongoing" in loader_tag(client)
    visitor.emit("end_conversation", {}, namespace="/livechat", callback=True)
    assert "data-ongoing" not in loader_tag(client)


def test_the_language_follows_accept_language(client: FlaskClient) -> None:
    tag = loader_tag(client, **{"Accept-Language": "de-AT,de;q=0.9,en;q=0.5"})
    assert tag["data-label"] == "Chat \u00f6ffnen" and tag["data-language"] == "de"
    settings = client.get(tag["data-settings"]).json
    assert settings["strings"]["send"] == "Senden" and settings["title"] == "Schreiben Sie uns"
    assert settings["reply_time"] == "Wir antworten meist innerhalb von einem Tag."
    assert loader_tag(client, **{"Accept-Language": "fr-CA"})["data-language"] == "fr"
    assert loader_tag(client, **{"Accept-Language": "ja"})["data-language"] == "en"


@pytest.mark.livechat_config(
    LIVECHAT_LANGUAGE="de",
    LIVECHAT_COLOR="#fde047",
    LIVECHAT_POSITION="left",
    LIVECHAT_TITLE={"en": "Acme help", "de": "Acme-Hilfe"},
    LIVECHAT_GREETING="Moin!",
    LIVECHAT_AVATAR_URL="/static/ada.png",
    LIVECHAT_SOUND=True,
    LIVECHAT_REPLY_TIME=2 * 60 * 60,
    LIVECHAT_TRANSLATIONS={"de": {"send": "Abschicken"}},
)
def test_appearance_and_words_come_from_config(client: FlaskClient) -> None:
    tag = loader_tag(client, **{"Accept-Language": "en"})
    assert tag["data-language"] == "de"  # config wins over the browser
    assert (tag["data-color"], tag["data-text-color"], tag["data-position"]) == ("#fde047", "#111827", "left")
    settings = client.get(tag["data-settings"]).json
    assert settings["title"] == "Acme-Hilfe" and settings["greeting"] == "Moin!"
    assert settings["avatar_url"] == "/static/ada.png" and settings["sound"] is True
    assert settings["strings"]["send"] == "Abschicken"
    assert settings["reply_time"] == "Wir antworten meist innerhalb von 2 Stunden."


def test_theme_offsets_preview_and_emoji_defaults(client: FlaskClient) -> None:
    tag = loader_tag(client)
    assert (tag["data-theme"], tag["data-offset"]) == ("auto", "20 20")
    assert tag["data-emoji"].startswith("/livechat/static/emoji.js?v=")
    settings = client.get(tag["data-settings"]).json
    assert settings["preview"] is True and settings["emoji"] is True
    assert settings["urls"]["emoji"] == tag["data-emoji"]  # the one URL the loader's policy lets through
    assert client.get(tag["data-emoji"]).status_code == 200


@pytest.mark.livechat_config(
    LIVECHAT_THEME="dark",
    LIVECHAT_LAUNCHER_OFFSET_X=0,
    LIVECHAT_LAUNCHER_OFFSET_Y=96,
    LIVECHAT_MESSAGE_PREVIEW=False,
    LIVECHAT_EMOJI=False,
)
def test_theme_offsets_preview_and_emoji_from_config(client: FlaskClient) -> None:
    tag = loader_tag(client)
    assert (tag["data-theme"], tag["data-offset"]) == ("dark", "0 96")
    assert "data-emoji" not in tag
    settings = client.get(tag["data-settings"]).json
    assert settings["preview"] is False and settings["emoji"] is False and settings["urls"]["emoji"] is None


def test_settings_describe_attachments_and_are_cacheable(client: FlaskClient) -> None:
    response = client.get("/livechat/widget/settings.json?lang=xx")
    assert response.json["language"] == "en"
    assert response.json["attachments"]["max_size_text"] == "5 MB"
    assert "image/png" in response.json["attachments"]["types"]
    assert "public" in response.headers["Cache-Control"]
    # Without mail set up, the leave-a-message form must not promise a reply by email.
    assert response.json["reply_by_email"] is False


@pytest.mark.livechat_config(LIVECHAT_MAIL_SERVER="127.0.0.1", LIVECHAT_MAIL_SENDER="chat@example.com")
def test_settings_say_replies_go_by_email_when_mail_is_set_up(client: FlaskClient) -> None:
    assert client.get("/livechat/widget/settings.json").json["reply_by_email"] is True


def test_text_colour_keeps_contrast() -> None:
    assert text_color("#1d4ed8") == "#ffffff"
    assert text_color("#fff") == "#111827"


@pytest.mark.parametrize(
    ("key", "value", "complaint"),
    [
        ("LIVECHAT_LANGUAGE", "xx", "LIVECHAT_LANGUAGE"),
        ("LIVECHAT_TRANSLATIONS", {"de": {"unread": 3}}, "list of the language's forms"),
        ("LIVECHAT_TRANSLATIONS", {"fr": {"unread": ["{count} non lu"]}}, "needs 3 plural forms"),
        ("LIVECHAT_TRANSLATIONS", {"de": {"sned": "x"}}, "unknown keys"),
        ("LIVECHAT_COLOR", "blue", "hex colour"),
        ("LIVECHAT_POSITION", "top", "'right' or 'left'"),
        ("LIVECHAT_TITLE", 3, "LIVECHAT_TITLE"),
        ("LIVECHAT_AVATAR_URL", "javascript:alert(1)", "LIVECHAT_AVATAR_URL"),
        ("LIVECHAT_SOUND", "yes", "True or False"),
        ("LIVECHAT_MESSAGE_PREVIEW", "on", "True or False"),
        ("LIVECHAT_EMOJI", 1, "True or False"),
        ("LIVECHAT_THEME", "night", "LIVECHAT_THEME must be one of"),
        ("LIVECHAT_LAUNCHER_OFFSET_X", -4, "from 0 to 120"),
        ("LIVECHAT_LAUNCHER_OFFSET_Y", 500, "from 0 to 120"),
        ("LIVECHAT_LAUNCHER_OFFSET_X", "20px", "whole number of pixels"),
        ("LIVECHAT_LAUNCHER_OFFSET_Y", True, "whole number of pixels"),
        ("LIVECHAT_REPLY_TIME", 0, "positive integer"),
        ("LIVECHAT_PRECHAT_FIELDS", [{"name": "Bad Name"}], "field name"),
        ("LIVECHAT_PRECHAT_FIELDS", [{"name": "x", "label": "X", "type": "date"}], "type must be"),
        ("LIVECHAT_PRECHAT_FIELDS", [{"name": "shoe"}], "needs a label"),
        ("LIVECHAT_PRECHAT_FIELDS", [{"name": "t", "label": "T", "type": "select"}], "options"),
        ("LIVECHAT_ATTACHMENT_TYPES", "image/png", "list of MIME types"),
        ("LIVECHAT_ATTACHMENT_STORAGE", object(), "save(), load() and delete()"),
        ("LIVECHAT_ATTACHMENT_FOLDER", 3, "LIVECHAT_ATTACHMENT_FOLDER"),
        ("LIVECHAT_ATTACHMENT_MAX_SIZE", -1, "positive integer"),
        ("LIVECHAT_MAIL_SERVER", "smtp.example.com", "LIVECHAT_MAIL_SENDER"),
    ],
)
def test_bad_widget_config_fails_at_start_up(tmp_path: Any, key: str, value: Any, complaint: str) -> None:
    app = Flask("host", instance_path=str(tmp_path))
    app.config.update(SECRET_KEY="k", LIVECHAT_ASYNC_MODE="threading")
    app.config[key] = value
    with pytest.raises(ConfigError, match=re.escape(complaint)):
        LiveChat(app)
