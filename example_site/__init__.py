"""A small host site: its own users, subscriptions and payments, with flask-livechat installed."""

from .app import create_app

__all__ = ["create_app"]
