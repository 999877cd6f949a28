"""The host's own models: flask-livechat never touches these tables, it asks through its loaders."""

from __future__ import annotations

import secrets
from datetime import date

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String, inspect, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    #: "agent", "admin" or None: what the site's own staff system says, handed to the chat's role_loader.
    staff_role: Mapped[str | None] = mapped_column(String(16))
    #: The chat departments a staff member works in, space-separated (see LIVECHAT_DEPARTMENTS in app.py).
    chat_departments: Mapped[str | None] = mapped_column(String(200))
    #: Kept in the session cookie at login; logout replaces it, so an old copy of the cookie stops working.
    session_nonce: Mapped[str | None] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    subscription: Mapped[Subscription | None] = relationship(back_populates="user")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class Subscription(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    plan: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    renews_on: Mapped[date]
    user: Mapped[User] = relationship(back_populates="subscription")
    payments: Mapped[list[Payment]] = relationship(back_populates="subscription")


class Payment(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    amount_cents: Mapped[int]
    paid_on: Mapped[date]
    card_brand: Mapped[str] = mapped_column(String(32))
    card_last4: Mapped[str] = mapped_column(String(4))
    subscription: Mapped[Subscription] = relationship(back_populates="payments")


DEMO_USERS = (
    ("admin@example.com", "admin", "Ada Admin", "admin"),
    ("agent@example.com", "agent", "Sam Agent", "agent"),
    ("alice@example.com", "alice", "Alice Customer", None),
)


def add_session_nonce() -> None:
    """Databases made before logout ended sessions server side lack the column: add it."""
    columns = {column["name"] for column in inspect(db.engine).get_columns("users")}
    if "session_nonce" not in columns:
        with db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE users ADD COLUMN session_nonce VARCHAR(32)"))


def seed_demo_data() -> None:
    """Creates the demo users of the README once; running it again changes nothing."""
    add_session_nonce()
    for user in db.session.scalars(db.select(User).filter_by(session_nonce=None)):
        user.session_nonce = secrets.token_hex(16)
    for email, password, name, role in DEMO_USERS:
        if db.session.scalar(db.select(User).filter_by(email=email)) is not None:
            continue
        departments = "sales support" if role else None
        user = User(email=email, name=name, staff_role=role, chat_departments=departments)
        user.set_password(password)
        db.session.add(user)
        if email == "alice@example.com":
            subscription = Subscription(user=user, plan="Pro", status="active", renews_on=date(2027, 1, 1))
            db.session.add(subscription)
            db.session.add(
                Payment(
                    subscription=subscription,
                    amount_cents=2900,
                    paid_on=date(2026, 11, 1),
                    card_brand="Visa",
                    card_last4="4242",
                )
            )
    db.session.commit()
