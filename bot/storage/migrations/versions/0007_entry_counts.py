"""Listed-entry counts kept by triggers, so a directory page shows an exact total without a scan.

Revision ID: 0007_entry_counts
Revises: 0006_insights
Create Date: 2026-12-07

``entry_counts`` holds how many listed entries (of members neither hidden nor banned) each
community has per platform and visibility, spread over eight rows by entry id so that
concurrent registrations on PostgreSQL rarely wait on the same counter row. Triggers on ``entries``
and ``members`` change it in the same transaction as the row they react to, so every write path
(registrations, imports, merges, hides, bans, forgets) keeps it exact without remembering to.

Self-contained like 0001: it imports nothing from the bot.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_entry_counts"
down_revision = "0006_insights"
branch_labels = None
depends_on = None

# Counter rows per key: an entry's row is ``id % 8`` (keep equal to bot.storage.tables.COUNT_SHARDS).
# The SQL below is written out in full, without string building, so it reads as it runs.

# -- SQLite: one trigger per event; the member's flags are looked up in the trigger's WHEN --------

_SQLITE_TRIGGERS = (
    """
CREATE TRIGGER trg_entry_counts_insert AFTER INSERT ON entries
WHEN coalesce((SELECT NOT (hidden OR banned) FROM members WHERE id = NEW.member_id), 0)
BEGIN
    INSERT INTO entry_counts (community, platform, visibility, shard, n)
    VALUES (NEW.community, NEW.platform, NEW.visibility, NEW.id % 8, 1)
    ON CONFLICT (community, platform, visibility, shard) DO UPDATE SET n = n + excluded.n;
END
""",
    """
CREATE TRIGGER trg_entry_counts_delete AFTER DELETE ON entries
WHEN coalesce((SELECT NOT (hidden OR banned) FROM members WHERE id = OLD.member_id), 0)
BEGIN
    INSERT INTO entry_counts (community, platform, visibility, shard, n)
    VALUES (OLD.community, OLD.platform, OLD.visibility, OLD.id % 8, -1)
    ON CONFLICT (community, platform, visibility, shard) DO UPDATE SET n = n + excluded.n;
END
""",
    """
CREATE TRIGGER trg_entry_counts_update AFTER UPDATE OF member_id, community, platform, visibility
ON entries
WHEN OLD.member_id IS NOT NEW.member_id OR OLD.community IS NOT NEW.community
    OR OLD.platform IS NOT NEW.platform OR OLD.visibility IS NOT NEW.visibility
BEGIN
    INSERT INTO entry_counts (community, platform, visibility, shard, n)
    SELECT OLD.community, OLD.platform, OLD.visibility, OLD.id % 8, -1
    WHERE coalesce((SELECT NOT (hidden OR banned) FROM members WHERE id = OLD.member_id), 0)
    ON CONFLICT (community, platform, visibility, shard) DO UPDATE SET n = n + excluded.n;
    INSERT INTO entry_counts (community, platform, visibility, shard, n)
    SELECT NEW.community, NEW.platform, NEW.visibility, NEW.id % 8, 1
    WHERE coalesce((SELECT NOT (hidden OR banned) FROM members WHERE id = NEW.member_id), 0)
    ON CONFLICT (community, platform, visibility, shard) DO UPDATE SET n = n + excluded.n;
END
""",
    # Hiding or banning takes all the member's entries out of the count; showing or unbanning puts
    # them back.
    """
CREATE TRIGGER trg_entry_counts_member_flags AFTER UPDATE OF hidden, banned ON members
WHEN (OLD.hidden OR OLD.banned) IS NOT (NEW.hidden OR NEW.banned)
BEGIN
    INSERT INTO entry_counts (community, platform, visibility, shard, n)
    SELECT community, platform, visibility, id % 8,
        CASE WHEN NEW.hidden OR NEW.banned THEN -count(*) ELSE count(*) END
    FROM entries WHERE member_id = NEW.id GROUP BY community, platform, visibility, id % 8
    ON CONFLICT (community, platform, visibility, shard) DO UPDATE SET n = n + excluded.n;
END
""",
    # A member deleted with entries left (a cascade) is subtracted before its entries go; their own
    # delete triggers then find no member and change nothing.
    """
CREATE TRIGGER trg_entry_counts_member_delete BEFORE DELETE ON members
WHEN NOT (OLD.hidden OR OLD.banned)
BEGIN
    INSERT INTO entry_counts (community, platform, visibility, shard, n)
    SELECT community, platform, visibility, id % 8, -count(*)
    FROM entries WHERE member_id = OLD.id GROUP BY community, platform, visibility, id % 8
    ON CONFLICT (community, platform, visibility, shard) DO UPDATE SET n = n + excluded.n;
END
""",
)

# -- PostgreSQL: the same rules as PL/pgSQL trigger functions ---------------------------------------

_PG_FUNCTIONS = (
    """
CREATE FUNCTION ferry_entry_counts_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- FOR SHARE: a concurrent hide, ban or forget of the member waits for this transaction (and
    -- this one for it), then re-reads the committed state; without the lock each could count the
    -- other's change against a snapshot that no longer holds (READ COMMITTED write skew).
    IF TG_OP <> 'INSERT' THEN
        PERFORM 1 FROM members WHERE id = OLD.member_id AND NOT (hidden OR banned) FOR SHARE;
        IF FOUND THEN
            INSERT INTO entry_counts (community, platform, visibility, shard, n)
            VALUES (OLD.community, OLD.platform, OLD.visibility, OLD.id % 8, -1)
            ON CONFLICT (community, platform, visibility, shard)
            DO UPDATE SET n = entry_counts.n + EXCLUDED.n;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM 1 FROM members WHERE id = NEW.member_id AND NOT (hidden OR banned) FOR SHARE;
        IF FOUND THEN
            INSERT INTO entry_counts (community, platform, visibility, shard, n)
            VALUES (NEW.community, NEW.platform, NEW.visibility, NEW.id % 8, 1)
            ON CONFLICT (community, platform, visibility, shard)
            DO UPDATE SET n = entry_counts.n + EXCLUDED.n;
        END IF;
    END IF;
    RETURN NULL;
END $$
""",
    # Counter rows in key order, so two transactions changing several never wait on each other in
    # opposite orders (a deadlock).
    """
CREATE FUNCTION ferry_entry_counts_member() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sign integer := CASE WHEN TG_OP = 'DELETE' OR NEW.hidden OR NEW.banned THEN -1 ELSE 1 END;
BEGIN
    INSERT INTO entry_counts (community, platform, visibility, shard, n)
    SELECT community, platform, visibility, id % 8, sign * count(*) FROM entries
    WHERE member_id = OLD.id GROUP BY community, platform, visibility, id % 8
    ORDER BY community, platform, visibility, id % 8
    ON CONFLICT (community, platform, visibility, shard) DO UPDATE SET n = entry_counts.n + EXCLUDED.n;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;  -- a BEFORE trigger: anything else would cancel the delete
    END IF;
    RETURN NULL;
END $$
""",
)

_PG_TRIGGERS = (
    """
CREATE TRIGGER trg_entry_counts_insert_delete AFTER INSERT OR DELETE ON entries
FOR EACH ROW EXECUTE FUNCTION ferry_entry_counts_entry()
""",
    """
CREATE TRIGGER trg_entry_counts_update AFTER UPDATE OF member_id, community, platform, visibility
ON entries FOR EACH ROW
WHEN ((OLD.member_id, OLD.community, OLD.platform, OLD.visibility)
    IS DISTINCT FROM (NEW.member_id, NEW.community, NEW.platform, NEW.visibility))
EXECUTE FUNCTION ferry_entry_counts_entry()
""",
    """
CREATE TRIGGER trg_entry_counts_member_flags AFTER UPDATE OF hidden, banned ON members
FOR EACH ROW WHEN ((OLD.hidden OR OLD.banned) IS DISTINCT FROM (NEW.hidden OR NEW.banned))
EXECUTE FUNCTION ferry_entry_counts_member()
""",
    """
CREATE TRIGGER trg_entry_counts_member_delete BEFORE DELETE ON members
FOR EACH ROW WHEN (NOT (OLD.hidden OR OLD.banned)) EXECUTE FUNCTION ferry_entry_counts_member()
""",
)

_BACKFILL = """
INSERT INTO entry_counts (community, platform, visibility, shard, n)
SELECT e.community, e.platform, e.visibility, e.id % 8, count(*)
FROM entries e JOIN members m ON m.id = e.member_id
WHERE NOT (m.hidden OR m.banned)
GROUP BY e.community, e.platform, e.visibility, e.id % 8
"""

_TRIGGER_NAMES = {
    "sqlite": (
        ("trg_entry_counts_insert", None),
        ("trg_entry_counts_delete", None),
        ("trg_entry_counts_update", None),
        ("trg_entry_counts_member_flags", None),
        ("trg_entry_counts_member_delete", None),
    ),
    "postgresql": (
        ("trg_entry_counts_insert_delete", "entries"),
        ("trg_entry_counts_update", "entries"),
        ("trg_entry_counts_member_flags", "members"),
        ("trg_entry_counts_member_delete", "members"),
    ),
}


def upgrade() -> None:
    """Create ``entry_counts``, fill it from the existing entries, and install the triggers."""
    op.create_table(
        "entry_counts",
        sa.Column("community", sa.Text, nullable=False),
        sa.Column("platform", sa.Text, nullable=False),
        sa.Column("visibility", sa.Text, nullable=False),
        sa.Column("shard", sa.Integer, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("community", "platform", "visibility", "shard", name="pk_entry_counts"),
    )
    op.execute(_BACKFILL)
    statements: tuple[str, ...]
    if op.get_bind().dialect.name == "postgresql":
        for function in _PG_FUNCTIONS:
            op.execute(function)
        statements = _PG_TRIGGERS
    else:
        statements = _SQLITE_TRIGGERS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    """Drop the triggers, their functions and ``entry_counts``."""
    dialect = op.get_bind().dialect.name
    for name, table in _TRIGGER_NAMES["postgresql" if dialect == "postgresql" else "sqlite"]:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if table else ""))
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ferry_entry_counts_entry()")
        op.execute("DROP FUNCTION IF EXISTS ferry_entry_counts_member()")
    op.drop_table("entry_counts")
