"""entry_counts on PostgreSQL: an entry change locks its member whatever the member's flags.

Revision ID: 0008_entry_counts_lock
Revises: 0007_entry_counts
Create Date: 2026-12-07

0007's entry trigger locked the member ``FOR SHARE`` only when the member was listed (``WHERE NOT
(hidden OR banned) FOR SHARE``). A row the ``WHERE`` filters out is never locked, so an entry added
or removed for a *hidden or banned* member did not wait for a concurrent unhide or unban. The
unhide's trigger then counted the member's entries against a snapshot without the pending change,
and the entry's trigger had already decided "not listed": the kept total drifted by one (found by
the ``COUNT(*)`` property test in tests/bot/storage/test_entry_counts.py).

Now the trigger reads the flags under the lock (``SELECT … FOR SHARE`` with no filter) and decides
after it: a flag change and an entry change of one member always serialise, and whichever runs
second sees the other's committed result. SQLite needs nothing: it has one writer at a time.

Self-contained like 0001: it imports nothing from the bot.
"""

from __future__ import annotations

from alembic import op

revision = "0008_entry_counts_lock"
down_revision = "0007_entry_counts"
branch_labels = None
depends_on = None

_LOCKED = """
CREATE OR REPLACE FUNCTION ferry_entry_counts_entry() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    listed boolean;
BEGIN
    -- The lock is taken whatever the flags say; they are read under it. A member deleted in this
    -- transaction (a cascade) gives NULL: its BEFORE DELETE trigger has already counted it out.
    IF TG_OP <> 'INSERT' THEN
        SELECT NOT (hidden OR banned) INTO listed FROM members WHERE id = OLD.member_id FOR SHARE;
        IF listed THEN
            INSERT INTO entry_counts (community, platform, visibility, shard, n)
            VALUES (OLD.community, OLD.platform, OLD.visibility, OLD.id % 8, -1)
            ON CONFLICT (community, platform, visibility, shard)
            DO UPDATE SET n = entry_counts.n + EXCLUDED.n;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        SELECT NOT (hidden OR banned) INTO listed FROM members WHERE id = NEW.member_id FOR SHARE;
        IF listed THEN
            INSERT INTO entry_counts (community, platform, visibility, shard, n)
            VALUES (NEW.community, NEW.platform, NEW.visibility, NEW.id % 8, 1)
            ON CONFLICT (community, platform, visibility, shard)
            DO UPDATE SET n = entry_counts.n + EXCLUDED.n;
        END IF;
    END IF;
    RETURN NULL;
END $$
"""

# 0007's body, for a downgrade.
_FILTERED = """
CREATE OR REPLACE FUNCTION ferry_entry_counts_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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
"""


def upgrade() -> None:
    """Replace the PostgreSQL entry trigger function; SQLite is unchanged."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_LOCKED)


def downgrade() -> None:
    """Put 0007's function back."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_FILTERED)
