"""A host behind the usual neighbours: Flask-WTF's ``CSRFProtect`` on every POST and Flask-Talisman with a
strict nonce-based Content-Security-Policy. Its users are plain dicts, handed to the chat as ``ChatUser``."""

from __future__ import annotations

from typing import Any

from flask import Flask, redirect, render_template, request, session, url_for
from flask_talisman import Talisman
from flask_wtf import CSRFProtect, FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired

from flask_livechat import ChatUser, LiveChat

USERS = {"sam": {"id": 7, "password": "sam-pass", "staff": True}, "kim": {"id": 8, "password": "kim-pass"}}
POLICY = {"default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "object-src": "'none'"}


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    submit = SubmitField("Sign in")


def create_app(test_config: dict[str, Any] | None = None, chat_first: bool = False) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="dev", **(test_config or {}))
    livechat = LiveChat(app) if chat_first else None  # the other init order, for the tests
    CSRFProtect(app)
    Talisman(
        app,
        force_https=False,
        content_security_policy=POLICY,
        content_security_policy_nonce_in=["script-src"],
    )

    # -- the chat: the README's lines for a host with its own session login -------------------------
    livechat = livechat or LiveChat(app)

    @livechat.user_loader
    def chat_user() -> ChatUser | None:
        name = session.get("user")
        user = USERS.get(name or "")
        return user and ChatUser(id=user["id"], name=name, role="agent" if user.get("staff") else None)

    # -------------------------------------------------------------------------------------------------

    @app.route("/")
    def index() -> str:
        return render_template("index.html")

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        form = LoginForm()
        if form.validate_on_submit():
            user = USERS.get(form.username.data or "")
            if user is not None and user["password"] == form.password.data:
                session["user"] = form.username.data
                return redirect(request.args.get("next") or url_for("index"))
        return render_template("login.html", form=form)

    @app.post("/logout")
    def logout() -> Any:
        session.pop("user", None)
        return redirect(url_for("index"))

    return app
