"""entry_counts on PostgreSQL: one trigger run per statement, counters changed in key order.

Revision ID: 0009_entry_counts_sorted
Revises: 0008_entry_counts_lock
Create Date: 2026-12-07

0007/0008 kept the counters with a row-level trigger on ``entries``. Each changed row upserted its
counters in the order the rows happened to be visited, and a moved entry (a visibility change)
took its old counter before its new one. Two transactions moving entries in opposite directions
over the same pair of counters (one member makes a handle public while another makes theirs
community-only) therefore locked them in opposite orders: a deadlock, which PostgreSQL breaks by
failing one of them (found by the ``COUNT(*)`` property test in tests/bot/storage/test_entry_counts.py).

Now a statement-level trigger per event sees every row the statement changed at once (transition
tables), locks their members in id order (``FOR SHARE``, flags read under the lock, as 0008
requires), adds the changes up per counter and applies them in key order. Every statement takes
its counters in one global order, so two of them can only queue, never wait on each other. One
statement per change also means one upsert per counter, however many rows moved.

PostgreSQL refuses transition tables on a trigger with a column list or several events, so there
are three triggers and the update one runs for any ``UPDATE`` of ``entries``; rows whose counter and
member did not change cancel out in the sum and write nothing. SQLite is unchanged: it has one
writer at a time.

Self-contained like 0001: it imports nothing from the bot.
"""

from __future__ import annotations

from alembic import op

revision = "0009_entry_counts_sorted"
down_revision = "0008_entry_counts_lock"
branch_labels = None
depends_on = None

# One statement per function; the three differ only in the rows they count (``changed``). The
# ``locked`` step takes the members in id order ``FOR SHARE`` and reads their flags under the lock
# (the newest committed version): a hide, ban, unhide or forget running concurrently either
# committed first and is seen, or waits for this transaction and then counts what it committed. A
# member deleted by this transaction (a cascade) joins nothing: its BEFORE DELETE trigger already
# counted it out. Counters are then upserted in key order; a sum of zero writes nothing.
_FUNCTION = """
CREATE FUNCTION ferry_entry_counts_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH changed AS (
        {changed}
    ), locked AS MATERIALIZED (
        SELECT id, NOT (hidden OR banned) AS listed FROM members
        WHERE id IN (SELECT member_id FROM changed) ORDER BY id FOR SHARE
    )
    INSERT INTO entry_counts (community, platform, visibility, shard, n)
    SELECT c.community, c.platform, c.visibility, c.shard, sum(c.n)
    FROM changed c JOIN locked l ON l.id = c.member_id AND l.listed
    GROUP BY c.community, c.platform, c.visibility, c.shard
    HAVING sum(c.n) <> 0
    ORDER BY c.community, c.platform, c.visibility, c.shard
    ON CONFLICT (community, platform, visibility, shard) DO UPDATE SET n = entry_counts.n + EXCLUDED.n;
    RETURN NULL;
END $$
"""
_ADDED = "SELECT member_id, community, platform, visibility, id % 8 AS shard, 1 AS n FROM new_rows"
_REMOVED = "SELECT member_id, community, platform, visibility, id % 8 AS shard, -1 AS n FROM old_rows"
_FUNCTIONS = (
    _FUNCTION.format(name="inserted", changed=_ADDED),
    _FUNCTION.format(name="deleted", changed=_REMOVED),
    # Every row twice, out of its old place and into its new one; a row that kept its counter and
    # its member adds up to zero.
    _FUNCTION.format(name="updated", changed=f"{_REMOVED} UNION ALL {_ADDED}"),
)

_TRIGGERS = (
    """
CREATE TRIGGER trg_entry_counts_inserted AFTER INSERT ON entries
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ferry_entry_counts_inserted()
""",
    """
CREATE TRIGGER trg_entry_counts_deleted AFTER DELETE ON entries
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ferry_entry_counts_deleted()
""",
    """
CREATE TRIGGER trg_entry_counts_updated AFTER UPDATE ON entries
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION ferry_entry_counts_updated()
""",
)

# 0007's row triggers (their function is 0008's), for a downgrade.
_ROW_TRIGGERS = (
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
)


def upgrade() -> None:
    """Swap the PostgreSQL row triggers on ``entries`` for statement triggers; SQLite is unchanged."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER trg_entry_counts_insert_delete ON entries")
    op.execute("DROP TRIGGER trg_entry_counts_update ON entries")
    for statement in (*_FUNCTIONS, *_TRIGGERS):
        op.execute(statement)


def downgrade() -> None:
    """Put the row triggers back."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in ("inserted", "deleted", "updated"):
        op.execute(f"DROP TRIGGER trg_entry_counts_{name} ON entries")
        op.execute(f"DROP FUNCTION ferry_entry_counts_{name}()")
    for statement in _ROW_TRIGGERS:
        op.execute(statement)
