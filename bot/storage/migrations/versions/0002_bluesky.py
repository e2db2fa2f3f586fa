"""The Bluesky front: the notification inbox and the planned reply posts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Self-contained like 0001: it imports nothing from the bot.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(32), "sqlite")


def upgrade() -> None:
    """Create ``bsky_inbox`` and ``bsky_outbox``."""
    op.create_table(
        "bsky_inbox",
        sa.Column("uri", sa.Text, nullable=False),
        sa.Column("cid", sa.Text, nullable=False),
        sa.Column("author_did", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("indexed_at", TIMESTAMP, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("not_before", TIMESTAMP, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("uri", name="pk_bsky_inbox"),
        sa.CheckConstraint(
            "state IN ('pending', 'replying', 'done', 'skipped', 'failed')",
            name=op.f("ck_bsky_inbox_state"),
        ),
    )
    op.create_index("ix_bsky_inbox_state_indexed_at", "bsky_inbox", ["state", "indexed_at"])
    op.create_index("ix_bsky_inbox_author_did_updated_at", "bsky_inbox", ["author_did", "updated_at"])

    op.create_table(
        "bsky_outbox",
        sa.Column("inbox_uri", sa.Text, nullable=False),
        sa.Column("part_no", sa.Integer, nullable=False),
        sa.Column("rkey", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("lang", sa.Text, nullable=False),
        sa.Column("uri", sa.Text, nullable=True),
        sa.Column("cid", sa.Text, nullable=True),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("inbox_uri", "part_no", name="pk_bsky_outbox"),
        sa.ForeignKeyConstraint(
            ["inbox_uri"], ["bsky_inbox.uri"], name="fk_bsky_outbox_inbox_uri_bsky_inbox", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("rkey", name="uq_bsky_outbox_rkey"),
        sa.CheckConstraint("state IN ('pending', 'done')", name=op.f("ck_bsky_outbox_state")),
    )


def downgrade() -> None:
    """Drop both tables (the outbox first)."""
    op.drop_table("bsky_outbox")
    op.drop_table("bsky_inbox")
