"""privacy: mail suppressions, unsubscribe ids, mail log without content, audit subject references

Opt-outs become suppressions (a keyed digest of the address, which needs ``SECRET_KEY``: run it with
``flask livechat db upgrade``, or with ``LIVECHAT_AUTO_MIGRATE`` inside the app); the mail log loses its
subjects and masks its recipients; audit entries get random references in place of the digests anyone holding
``SECRET_KEY`` could recompute (one reference per former digest, so entries still line up).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 06:22:01.263795
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

logger = logging.getLogger("flask_livechat")

# As services/mail.py and identity.py computed them when this revision was written (kept here as they were).
_SUPPRESSION_LABEL = b"flask-livechat.mail-suppression.v1"


def _secret_key() -> bytes | None:
    from flask import current_app, has_app_context

    if not has_app_context() or not current_app.config.get("SECRET_KEY"):
        return None
    secret = current_app.config["SECRET_KEY"]
    return secret if isinstance(secret, bytes) else str(secret).encode()


def _digest(secret: bytes, address: str) -> str:
    key = hmac.new(secret, _SUPPRESSION_LABEL, hashlib.sha256).digest()
    return hmac.new(key, address.strip().lower().encode(), hashlib.sha256).hexdigest()


def _mask(address: str) -> str:
    local, at, domain = address.strip().lower().rpartition("@")
    return f"{local[:1]}•••@{domain}" if at else "•••"


def upgrade() -> None:
    connection = op.get_bind()
    secret = _secret_key()
    opt_outs = connection.execute(sa.text("SELECT email, kind FROM livechat_mail_opt_outs")).all()
    if opt_outs and secret is None:
        raise RuntimeError(
            "Moving mail opt-outs to suppressions needs the app's SECRET_KEY: "
            "run `flask livechat db upgrade`."
        )

    op.create_table(
        "livechat_audit_subjects",
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("ref", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("key_digest"),
    )
    with op.batch_alter_table("livechat_audit_subjects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_livechat_audit_subjects_ref"), ["ref"], unique=False)

    suppressions = op.create_table(
        "livechat_mail_suppressions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest", "kind", name="uq_livechat_mail_suppressions"),
    )
    op.create_table(
        "livechat_unsubscribe_links",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest", "kind", name="uq_livechat_unsubscribe_links"),
    )
    with op.batch_alter_table("livechat_unsubscribe_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_livechat_unsubscribe_links_sent_at"), ["sent_at"], unique=False)

    # Opt-outs: the address goes, a keyed digest of its normalised form stays.
    if opt_outs:
        assert secret is not None
        moved = sorted({(_digest(secret, row.email), row.kind) for row in opt_outs})
        op.bulk_insert(suppressions, [{"digest": digest, "kind": kind} for digest, kind in moved])
    with op.batch_alter_table("livechat_mail_opt_outs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_livechat_mail_opt_outs_email"))
    op.drop_table("livechat_mail_opt_outs")

    # Audit entries: a random reference per former digest.
    with op.batch_alter_table("livechat_audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_ref", sa.String(length=32), nullable=True))
    digests = connection.execute(sa.text("SELECT DISTINCT subject_digest FROM livechat_audit_log")).scalars()
    for digest in list(digests):
        connection.execute(
            sa.text("UPDATE livechat_audit_log SET subject_ref = :ref WHERE subject_digest = :digest"),
            {"ref": secrets.token_hex(16), "digest": digest},
        )
    with op.batch_alter_table("livechat_audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_livechat_audit_log_subject_digest"))
        batch_op.create_index(batch_op.f("ix_livechat_audit_log_subject_ref"), ["subject_ref"], unique=False)
        batch_op.drop_column("subject_digest")

    # The mail log: no subject, a masked recipient and its digest (when the key is at hand).
    with op.batch_alter_table("livechat_mail_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("recipient_digest", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_livechat_mail_log_recipient_digest"), ["recipient_digest"], unique=False
        )
    logged = connection.execute(sa.text("SELECT id, recipient FROM livechat_mail_log")).all()
    for row in logged:
        connection.execute(
            sa.text(
                "UPDATE livechat_mail_log SET category = 'transactional', recipient = :masked, "
                "recipient_digest = :digest WHERE id = :id"
            ),
            {
                "masked": _mask(row.recipient),
                "digest": _digest(secret, row.recipient) if secret is not None else None,
                "id": row.id,
            },
        )
    with op.batch_alter_table("livechat_mail_log", schema=None) as batch_op:
        batch_op.alter_column("category", existing_type=sa.String(length=16), nullable=False)
        batch_op.drop_column("subject")


def downgrade() -> None:
    connection = op.get_bind()
    kept = connection.execute(sa.text("SELECT COUNT(*) FROM livechat_mail_suppressions")).scalar()
    if kept:
        logger.warning(
            "flask-livechat: %s mail opt-out(s) are kept as digests only and cannot be turned back into "
            "addresses: below revision 0003 they are gone, and mail to those people may resume",
            kept,
        )
    with op.batch_alter_table("livechat_mail_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=300), nullable=False, server_default=""))
        batch_op.drop_index(batch_op.f("ix_livechat_mail_log_recipient_digest"))
        batch_op.drop_column("recipient_digest")
        batch_op.drop_column("category")

    with op.batch_alter_table("livechat_audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_digest", sa.String(length=64), nullable=True))
    connection.execute(sa.text("UPDATE livechat_audit_log SET subject_digest = COALESCE(subject_ref, '-')"))
    with op.batch_alter_table("livechat_audit_log", schema=None) as batch_op:
        batch_op.alter_column("subject_digest", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_index(batch_op.f("ix_livechat_audit_log_subject_ref"))
        batch_op.create_index(
            batch_op.f("ix_livechat_audit_log_subject_digest"), ["subject_digest"], unique=False
        )
        batch_op.drop_column("subject_ref")

    op.create_table(
        "livechat_mail_opt_outs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email", "kind", name="uq_livechat_mail_opt_outs"),
    )
    with op.batch_alter_table("livechat_mail_opt_outs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_livechat_mail_opt_outs_email"), ["email"], unique=False)

    with op.batch_alter_table("livechat_unsubscribe_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_livechat_unsubscribe_links_sent_at"))
    op.drop_table("livechat_unsubscribe_links")
    op.drop_table("livechat_mail_suppressions")
    with op.batch_alter_table("livechat_audit_subjects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_livechat_audit_subjects_ref"))
    op.drop_table("livechat_audit_subjects")
