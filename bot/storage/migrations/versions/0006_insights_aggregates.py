"""Insight aggregates: handles per platform, members per number of platforms, arrivals per day.

Revision ID: 0006_insights
Revises: 0005_cluster
Create Date: 2026-12-07

Self-contained like 0001: it imports nothing from the bot. The tables start empty; the first read
of a community's insights builds them from the directory in one pass (see bot/storage/insights.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_insights"
down_revision = "0005_cluster"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(32), "sqlite")


def upgrade() -> None:
    """Create the six ``insight_*`` tables."""
    op.create_table(
        "insight_state",
        sa.Column("community", sa.Text, nullable=False),
        sa.Column("last_audit_id", sa.Integer, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("community", name="pk_insight_state"),
    )
    op.create_table(
        "insight_entries",
        sa.Column("member_id", sa.Integer, nullable=False),
        sa.Column("platform", sa.Text, nullable=False),
        sa.Column("community", sa.Text, nullable=False),
        sa.Column("listed", sa.Boolean, nullable=False),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("verified", sa.Boolean, nullable=False),
        sa.Column("day", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("member_id", "platform", name="pk_insight_entries"),
    )
    op.create_table(
        "insight_members",
        sa.Column("member_id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("community", sa.Text, nullable=False),
        sa.Column("listed", sa.Boolean, nullable=False),
        sa.Column("platforms", sa.Integer, nullable=False),
        sa.Column("public_platforms", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("member_id", name="pk_insight_members"),
    )
    op.create_table(
        "insight_platforms",
        sa.Column("community", sa.Text, nullable=False),
        sa.Column("platform", sa.Text, nullable=False),
        sa.Column("listed", sa.Integer, nullable=False),
        sa.Column("public", sa.Integer, nullable=False),
        sa.Column("verified", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("community", "platform", name="pk_insight_platforms"),
    )
    op.create_table(
        "insight_spread",
        sa.Column("community", sa.Text, nullable=False),
        sa.Column("platforms", sa.Integer, nullable=False),
        sa.Column("members", sa.Integer, nullable=False),
        sa.Column("public_members", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("community", "platforms", name="pk_insight_spread"),
    )
    op.create_table(
        "insight_arrivals",
        sa.Column("community", sa.Text, nullable=False),
        sa.Column("day", sa.Text, nullable=False),
        sa.Column("platform", sa.Text, nullable=False),
        sa.Column("listed", sa.Integer, nullable=False),
        sa.Column("public", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("community", "day", "platform", name="pk_insight_arrivals"),
    )


def downgrade() -> None:
    """Drop what upgrade made."""
    for table in ("insight_arrivals", "insight_spread", "insight_platforms", "insight_members"):
        op.drop_table(table)
    op.drop_table("insight_entries")
    op.drop_table("insight_state")
