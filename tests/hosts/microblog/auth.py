"""Login and logout through Flask-Login."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_user, logout_user
from sqlalchemy import select

from . import db
from .models import User

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        user = db.session.scalar(select(User).where(User.email == request.form["email"]))
        if user is not None and user.check_password(request.form["password"]):
            login_user(user)
            return redirect(request.args.get("next") or url_for("main.index"))
        error = "Invalid email or password"
    return render_template("login.html", error=error)


@bp.route("/logout")
def logout() -> Any:
    logout_user()
    return redirect(url_for("main.index"))
