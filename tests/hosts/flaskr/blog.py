"""The tutorial's blog blueprint, reduced to its index."""

from __future__ import annotations

from flask import Blueprint, render_template

from .db import get_db

bp = Blueprint("blog", __name__)


@bp.route("/")
def index() -> str:
    posts = (
        get_db()
        .execute("SELECT p.id, title, body, created, username FROM post p JOIN user u ON p.author_id = u.id")
        .fetchall()
    )
    return render_template("blog/index.html", posts=posts)
