"""An app-factory host like Miguel Grinberg's microblog: Flask-SQLAlchemy, Flask-Login, Flask-Migrate,
blueprints, and a user model with an email but no name. The chat shares the app's database."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from flask_livechat import LiveChat, host_tables_only


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
login = LoginManager()
login.login_view = "auth.login"
migrate = Migrate()
livechat = LiveChat()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="dev",
        SQLALCHEMY_DATABASE_URI=os.environ.get("MICROBLOG_DATABASE_URL", "sqlite:///microblog.sqlite3"),
    )
    app.config.update(test_config or {})
    db.init_app(app)
    login.init_app(app)
    plain_migrate = os.environ.get("MICROBLOG_PLAIN_MIGRATE") == "1"
    if plain_migrate:  # Migrate first and without the filter: LiveChat adds it
        migrate.init_app(app, db)

    from . import auth, main, models

    app.register_blueprint(auth.bp, url_prefix="/auth")
    app.register_blueprint(main.bp)

    # -- the chat: the README's lines for a Flask-Login + Flask-SQLAlchemy factory ---------------------
    app.config.setdefault("LIVECHAT_DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    livechat.init_app(app)
    if not plain_migrate:
        migrate.init_app(app, db, include_name=host_tables_only)
    # ---------------------------------------------------------------------------------------------------
    assert models.User  # the models are registered with db.metadata before any migration
    return app


@livechat.role_loader
def chat_role(user: Any) -> str | None:
    return "agent" if user.is_support else None
