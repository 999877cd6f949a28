"""A host in the style of Flask's tutorial ("flaskr"): an app factory, sqlite3 rows for users, ``g.user`` set
in ``before_app_request``, and a base template that closes neither ``<body>`` nor ``<html>``."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, g

from flask_livechat import LiveChat


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY="dev", DATABASE=os.path.join(app.instance_path, "flaskr.sqlite"), SUPPORT_STAFF=["ada"]
    )
    if test_config is not None:
        app.config.update(test_config)

    from . import auth, blog, db

    db.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(blog.bp)
    app.add_url_rule("/", endpoint="index")

    # -- the chat: the README's lines for a g.user host ----------------------------------------------
    app.config["LIVECHAT_LOGIN_VIEW"] = "auth.login"
    livechat = LiveChat(app)
    livechat.user_loader(lambda: g.user)
    livechat.role_loader(lambda user: "agent" if user["username"] in app.config["SUPPORT_STAFF"] else None)
    # -------------------------------------------------------------------------------------------------
    return app
