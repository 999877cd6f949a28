"""report views indexes: the two indexes of livechat_report_views added by 3c9a2d0 (reports, issue 17 point 5)

That commit landed on main before the migrations did, so no revision created them; the webhooks branch needed
head to match the models and adds them here. Indexes only: no data changes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 07:14:42.737035
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("livechat_report_views", schema=None) as batch_op:
        batch_op.create_index("ix_livechat_report_views_path", ["path", "visitor_id", "viewed"], unique=False)
        batch_op.create_index("ix_livechat_report_views_visitor", ["visitor_id", "viewed"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("livechat_report_views", schema=None) as batch_op:
        batch_op.drop_index("ix_livechat_report_views_visitor")
        batch_op.drop_index("ix_livechat_report_views_path")
