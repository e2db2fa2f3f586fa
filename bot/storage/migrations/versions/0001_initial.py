"""Initial schema: members, their identities, directory entries, the audit log and key-value state.

Revision ID: 0001
Revises:
Create Date: 2025-01-20

Written by hand and self-contained (it imports nothing from the bot), so it keeps building the same
schema however ``bot.storage.tables`` evolves later.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# bot.storage.types.UTCDateTime: timestamptz on PostgreSQL, fixed-width ISO-8601 text on SQLite.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(32), "sqlite")

# Names are spelled out in full. Check constraint names go through op.f() because the metadata's naming
# convention would otherwise prefix them again ("ck_<table>_" + name).


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
    ]


def upgrade() -> None:
    """Create the five tables."""
    op.create_table(
        "members",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("community", sa.Text, nullable=False),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("banned", sa.Boolean, nullable=False, server_default=sa.false()),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_members"),
        sqlite_autoincrement=True,
    )
    # Few members are hidden or banned; directory counts subtract their entries, found through this.
    unlisted = sa.or_(sa.column("hidden", sa.Boolean), sa.column("banned", sa.Boolean))
    op.create_index(
        "ix_members_unlisted", "members", ["community"], sqlite_where=unlisted, postgresql_where=unlisted
    )

    op.create_table(
        "member_identities",
        sa.Column("community", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("external_id", sa.Text, nullable=False),
        sa.Column("member_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("community", "kind", "external_id", name="pk_member_identities"),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name="fk_member_identities_member_id_members",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "kind IN ('discord', 'bluesky', 'console')", name=op.f("ck_member_identities_kind")
        ),
    )
    op.create_index("ix_member_identities_member_id", "member_identities", ["member_id"])

    op.create_table(
        "entries",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("member_id", sa.Integer, nullable=False),
        sa.Column("community", sa.Text, nullable=False),
        sa.Column("platform", sa.Text, nullable=False),
        sa.Column("handle", sa.Text, nullable=False),
        sa.Column("handle_key", sa.Text, nullable=False),
        sa.Column("visibility", sa.Text, nullable=False),
        sa.Column("verification", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_entries"),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_entries_member_id_members", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("member_id", "platform", name="uq_entries_member_id_platform"),
        sa.UniqueConstraint(
            "community", "platform", "handle_key", name="uq_entries_community_platform_handle_key"
        ),
        sa.CheckConstraint("visibility IN ('community', 'public')", name=op.f("ck_entries_visibility")),
        sa.CheckConstraint(
            "verification IN ('self-reported', 'bluesky-proven', 'admin-verified')",
            name=op.f("ck_entries_verification"),
        ),
        sa.CheckConstraint(
            "source IN ('discord', 'bluesky', 'console', 'import', 'admin')", name=op.f("ck_entries_source")
        ),
        sqlite_autoincrement=True,
    )
    # The directory pages through entries in (handle_key, id) order, optionally within one platform.
    op.create_index("ix_entries_community_handle_key_id", "entries", ["community", "handle_key", "id"])
    op.create_index(
        "ix_entries_community_platform_handle_key_id",
        "entries",
        ["community", "platform", "handle_key", "id"],
    )
    # Counts per platform and visibility read only this index.
    op.create_index(
        "ix_entries_community_platform_visibility", "entries", ["community", "platform", "visibility"]
    )

    # member_id has no foreign key on purpose: audit rows outlive a forgotten member.
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("community", sa.Text, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("member_id", sa.Integer, nullable=True),
        sa.Column("platform", sa.Text, nullable=True),
        sa.Column("detail", sa.JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_log_community_id", "audit_log", ["community", "id"])
    op.create_index("ix_audit_log_community_member_id_id", "audit_log", ["community", "member_id", "id"])

    op.create_table(
        "kv_state",
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_kv_state"),
    )


def downgrade() -> None:
    """Drop everything (children first)."""
    op.drop_table("kv_state")
    op.drop_table("audit_log")
    op.drop_table("entries")
    op.drop_table("member_identities")
    op.drop_table("members")
