"""Linking codes, scheduled announcement runs, and an audit index by action.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

Self-contained like 0001: it imports nothing from the bot.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(32), "sqlite")


def upgrade() -> None:
    """Create ``link_codes`` and ``announcement_runs``; index the audit log by action."""
    op.create_table(
        "link_codes",
        sa.Column("code_hash", sa.Text, nullable=False),
        sa.Column("community", sa.Text, nullable=False),
        sa.Column("member_id", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("used_at", TIMESTAMP, nullable=True),
        sa.Column("used_by", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("code_hash", name="pk_link_codes"),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_link_codes_member_id_members", ondelete="CASCADE"
        ),
        sa.CheckConstraint("state IN ('open', 'used', 'revoked')", name=op.f("ck_link_codes_state")),
    )
    op.create_index("ix_link_codes_member_id", "link_codes", ["member_id"])

    op.create_table(
        "announcement_runs",
        sa.Column("community", sa.Text, nullable=False),
        sa.Column("schedule", sa.Text, nullable=False),
        sa.Column("due_at", TIMESTAMP, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("detail", sa.JSON, nullable=True),
        sa.PrimaryKeyConstraint("community", "schedule", "due_at", name="pk_announcement_runs"),
        sa.CheckConstraint(
            "state IN ('claimed', 'posted', 'skipped', 'failed')", name=op.f("ck_announcement_runs_state")
        ),
    )
    op.create_index("ix_audit_log_community_action_id", "audit_log", ["community", "action", "id"])


def downgrade() -> None:
    """Drop what upgrade made."""
    op.drop_index("ix_audit_log_community_action_id", table_name="audit_log")
    op.drop_table("announcement_runs")
    op.drop_table("link_codes")
