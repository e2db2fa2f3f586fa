"""Scale-out: the leader's lease, the registry of live processes, the relay to the leader (``bot/cluster``).

Revision ID: 0005_cluster
Revises: 0004_shared_state
Create Date: 2026-12-07

Self-contained like 0001: it imports nothing from the bot.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_cluster"
down_revision = "0004_shared_state"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(32), "sqlite")


def upgrade() -> None:
    """Create ``cluster_leases``, ``cluster_processes`` and ``cluster_relay``."""
    op.create_table(
        "cluster_leases",
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("holder", sa.Text, nullable=False),
        sa.Column("token", sa.BigInteger, nullable=False),
        sa.Column("acquired_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_cluster_leases"),
    )
    op.create_table(
        "cluster_processes",
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("host", sa.Text, nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("shards", sa.Text, nullable=True),
        sa.Column("version", sa.Text, nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("heartbeat_at", TIMESTAMP, nullable=False),
        sa.Column("leader", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("id", name="pk_cluster_processes"),
    )
    op.create_index("ix_cluster_processes_heartbeat_at", "cluster_processes", ["heartbeat_at"])
    op.create_table(
        "cluster_relay",
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("publisher", sa.Text, nullable=False),
        sa.Column("community", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("ok", sa.Boolean, nullable=True),
        sa.Column("location", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("key", "publisher", name="pk_cluster_relay"),
        sa.CheckConstraint("state IN ('pending', 'done')", name=op.f("ck_cluster_relay_state")),
    )
    op.create_index("ix_cluster_relay_state_created_at", "cluster_relay", ["state", "created_at"])


def downgrade() -> None:
    """Drop what upgrade made."""
    op.drop_index("ix_cluster_relay_state_created_at", table_name="cluster_relay")
    op.drop_table("cluster_relay")
    op.drop_index("ix_cluster_processes_heartbeat_at", table_name="cluster_processes")
    op.drop_table("cluster_processes")
    op.drop_table("cluster_leases")
