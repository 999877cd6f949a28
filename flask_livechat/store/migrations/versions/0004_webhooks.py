"""webhooks: endpoints, the outbox of deliveries, their attempts (docs/webhooks.md)

New tables only; nothing existing changes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 07:14:42.737035
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "livechat_webhook_endpoints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("events", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("previous_secret", sa.String(length=200), nullable=True),
        sa.Column("previous_until", sa.DateTime(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "livechat_webhook_deliveries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("visitor_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["endpoint_id"], ["livechat_webhook_endpoints.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("livechat_webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_livechat_webhook_deliveries_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_livechat_webhook_deliveries_endpoint_id"), ["endpoint_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_livechat_webhook_deliveries_visitor_id"), ["visitor_id"], unique=False
        )

    op.create_table(
        "livechat_webhook_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.String(length=40), nullable=False),
        sa.Column("attempted_at", sa.DateTime(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["livechat_webhook_deliveries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("livechat_webhook_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_livechat_webhook_attempts_delivery_id"), ["delivery_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("livechat_webhook_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_livechat_webhook_attempts_delivery_id"))

    op.drop_table("livechat_webhook_attempts")
    with op.batch_alter_table("livechat_webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_livechat_webhook_deliveries_visitor_id"))
        batch_op.drop_index(batch_op.f("ix_livechat_webhook_deliveries_endpoint_id"))
        batch_op.drop_index("ix_livechat_webhook_deliveries_due")

    op.drop_table("livechat_webhook_deliveries")
    op.drop_table("livechat_webhook_endpoints")
