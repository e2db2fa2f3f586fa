"""Shared state for several processes: announcement parts, rate-limit hits, identify slots, views.

Revision ID: 0004_shared_state
Revises: 0003
Create Date: 2026-12-07

Self-contained like 0001: it imports nothing from the bot.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_shared_state"
down_revision = "0003"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(32), "sqlite")


def upgrade() -> None:
    """Create the four tables."""
    op.create_table(
        "announcement_parts",
        sa.Column("publisher", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("part", sa.Integer, nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("sent_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("publisher", "key", "part", name="pk_announcement_parts"),
    )
    op.create_table(
        "rate_limit_hits",
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_rate_limit_hits_key_at", "rate_limit_hits", ["key", "at"])
    op.create_table(
        "discord_identify_slots",
        sa.Column("bucket", sa.Integer, nullable=False),
        sa.Column("next_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("bucket", name="pk_discord_identify_slots"),
    )
    op.create_table(
        "discord_views",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("community", sa.Text, nullable=False),
        sa.Column("owner_id", sa.Text, nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("used_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_discord_views"),
    )
    op.create_index("ix_discord_views_used_at", "discord_views", ["used_at"])


def downgrade() -> None:
    """Drop what upgrade made."""
    op.drop_index("ix_discord_views_used_at", table_name="discord_views")
    op.drop_table("discord_views")
    op.drop_table("discord_identify_slots")
    op.drop_index("ix_rate_limit_hits_key_at", table_name="rate_limit_hits")
    op.drop_table("rate_limit_hits")
    op.drop_table("announcement_parts")
