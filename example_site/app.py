"""The example host application."""

from __future__ import annotations

import hmac
import os
import secrets
import stat
from typing import Any

from flask import Flask, Response, abort, flash, g, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_socketio import SocketIO

from flask_livechat import BillingSummary, LiveChat

from .models import User, db, seed_demo_data

login_manager = LoginManager()
login_manager.login_view = "login"
socketio = SocketIO()


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session counts only with the user's current session nonce, which logout replaces. (The nonce is
    kept beside the id, not in it: ``get_id()`` is the stable id the chat knows the user by.)"""
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    nonce = session.get("session_nonce")
    if user is None or not isinstance(nonce, str) or not hmac.compare_digest(nonce, user.session_nonce or ""):
        return None
    return user


def secret_key(instance_path: str) -> str:
    """``SECRET_KEY`` from the environment, else a random key made on first run and kept in the instance
    folder (mode 0600), so that a copy of this site never signs its cookies with a key published here."""
    configured = os.environ.get("SECRET_KEY")
    if configured:
        return configured
    path = os.path.join(instance_path, "secret_key")
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if stat.S_IMODE(os.stat(path).st_mode) & 0o077:
            os.chmod(path, 0o600)
        with open(path, encoding="ascii") as handle:
            key = handle.read().strip()
        if len(key) < 32:
            raise RuntimeError(f"{path} holds no usable key: delete it and start again.") from None
        return key
    key = secrets.token_hex(32)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


def csrf_token() -> str:
    """The login and logout forms' token, bound to the browser's session."""
    if "csrf_token" not in session:
        session["csrf_token"] = secrets.token_urlsafe(32)
    return str(session["csrf_token"])


def check_csrf() -> None:
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf_token", "")
    if not expected or not hmac.compare_digest(str(expected), sent):
        abort(400, "The form expired or did not come from this site: reload the page and try again.")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    instance_path = os.environ.get("EXAMPLE_INSTANCE_PATH") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "instance"
    )
    app = Flask(__name__, instance_path=instance_path)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(
        SECRET_KEY=secret_key(app.instance_path),
        SQLALCHEMY_DATABASE_URI="sqlite:///" + os.path.join(app.instance_path, "example.sqlite3"),
        # Pricing questions go to sales, everything else to support; admins see both.
        LIVECHAT_DEPARTMENTS={"sales": ["/pricing"], "support": ["/"]},
        # Who is responsible for the chat's data, named on its privacy page (/livechat/privacy).
        LIVECHAT_COMPANY_NAME="Example Shop Ltd (demo)",
        LIVECHAT_COMPANY_ADDRESS="1 Demo Street, Example City",
        LIVECHAT_PRIVACY_CONTACT="privacy@example.com",
    )
    app.config.update(config or {})

    db.init_app(app)
    login_manager.init_app(app)
    socketio.init_app(app, async_mode=app.config.get("ASYNC_MODE", "eventlet"))
    with app.app_context():
        db.create_all()
        seed_demo_data()

    # --- flask-livechat: the whole installation ------------------------------------------------
    livechat = LiveChat(app, socketio=socketio)

    @livechat.role_loader
    def chat_role(user: User) -> str | None:
        return user.staff_role

    @livechat.department_loader
    def chat_departments(user: User) -> list[str]:
        return (user.chat_departments or "").split()

    @livechat.agent_avatar
    def chat_avatar(agent_id: str) -> str | None:
        # The site's own staff pictures; Ada has none, so the widget draws her initials.
        user = db.session.get(User, int(agent_id))
        # A path, not url_for: the chat may ask outside a request (its presence sweep).
        return f"/staff/{user.id}.svg" if user and user.email in STAFF_PICTURES else None

    @livechat.billing_loader
    def chat_billing(user: User) -> BillingSummary | None:
        subscription = user.subscription
        if subscription is None:
            return None
        last = max(subscription.payments, key=lambda payment: payment.paid_on, default=None)
        return BillingSummary(
            plan=subscription.plan,
            status=subscription.status,
            renews_on=subscription.renews_on,
            card_brand=last and last.card_brand,
            card_last4=last and last.card_last4,
        )

    # ---------------------------------------------------------------------------------------------

    register_views(app)
    if app.config.get("EXAMPLE_STRICT_CSP"):
        strict_csp(app)
    return app


def strict_csp(app: Flask) -> None:
    """A host with a strict policy and Trusted Types (the browser tests check the widget works under it).

    The nonce goes in ``g.csp_nonce``, where the loader tag and our templates find it."""

    @app.before_request
    def make_nonce() -> None:
        g.csp_nonce = secrets.token_urlsafe(18)

    @app.after_request
    def send_policy(response: Response) -> Response:
        # setdefault: the chat's own pages (console, admin, privacy) send their own, stricter policy.
        response.headers.setdefault(
            "Content-Security-Policy",
            f"default-src 'self'; script-src 'self' 'nonce-{g.csp_nonce}'; "
            f"style-src 'self' 'nonce-{g.csp_nonce}'; connect-src 'self'; img-src 'self' data: blob:; "
            "require-trusted-types-for 'script'; trusted-types livechat",
        )
        return response


#: Staff with a picture on this site (drawn below; a real site would store an uploaded file).
STAFF_PICTURES = {"agent@example.com": "#0f766e"}


def register_views(app: Flask) -> None:
    app.jinja_env.globals["csrf_token"] = csrf_token

    @app.get("/staff/<int:user_id>.svg")
    def staff_picture(user_id: int) -> Response:
        user = db.session.get(User, user_id)
        if user is None or user.email not in STAFF_PICTURES:
            abort(404)
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
            f'<rect width="64" height="64" fill="{STAFF_PICTURES[user.email]}"/>'
            '<circle cx="32" cy="25" r="12" fill="#fde68a"/>'
            '<path d="M10 64c2-14 11-21 22-21s20 7 22 21z" fill="#fde68a"/></svg>'
        )
        response = Response(svg, mimetype="image/svg+xml")
        response.cache_control.max_age = 3600
        return response

    @app.get("/")
    def home() -> str:
        return render_template("home.html")

    @app.get("/pricing")
    def pricing() -> str:
        return render_template("pricing.html")

    help_topics = {"billing": "Billing", "api": "API keys", "sso": "Single sign-on"}

    @app.get("/help/")
    @app.get("/help/<topic>")
    def help_page(topic: str = "") -> str:
        """A small single-page app: the page API records its client-side route changes (docs/widget.md)."""
        return render_template("help.html", topics=help_topics, topic=topic)

    @app.get("/account")
    @login_required
    def account() -> str:
        return render_template("account.html", user=current_user)

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if request.method == "POST":
            check_csrf()
            user = db.session.scalar(db.select(User).filter_by(email=request.form.get("email", "")))
            if user is not None and user.check_password(request.form.get("password", "")):
                login_user(user)
                session["session_nonce"] = user.session_nonce
                next_url = request.args.get("next", "")
                # Only local paths: an open redirect on a login form is a phishing aid.
                if not next_url.startswith("/") or next_url.startswith("//"):
                    next_url = url_for("home")
                return redirect(next_url)
            flash("Wrong email or password.")
        return render_template("login.html")

    @app.post("/logout")
    def logout() -> Any:
        check_csrf()
        if current_user.is_authenticated:
            # A new nonce ends every session of this user, also a copy of the cookie taken before.
            current_user.session_nonce = secrets.token_hex(16)
            db.session.commit()
        logout_user()
        session.pop("session_nonce", None)
        return redirect(url_for("home"))
