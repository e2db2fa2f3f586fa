"""PostgreSQL: lock a rate-limit key and read its hits in one statement; a guard for one-statement
registrations.

Revision ID: 0010_one_statement_registration
Revises: 0009_entry_counts_sorted
Create Date: 2026-12-07

A command counted against the shared rate limit locks its key (an advisory lock), then reads the
key's recent hits. In READ COMMITTED a statement reads from a snapshot taken when it starts, so a
read in the statement that waited for the lock would miss the hits of the transaction that held it:
the read had to be a second statement, a round trip of its own on every registration.

``ferry_locked_hits(key, window_s)`` is VOLATILE, so the query inside it takes a fresh snapshot
after the lock is granted: one call locks the key, reads the database clock and returns the clock
followed by the key's hits within the window, oldest first. A registration's first statement
carries it beside its look-up. SQLite needs nothing: one writer at a time, one process.

``ferry_registration_guard(ok)`` raises (SQLSTATE FY001) when ``ok`` is false: a newcomer's
registration written by one statement (bot/storage/_newcomer_pg.py) calls it after its writes, so a
member made while its identity or its handle was taken meanwhile aborts the whole statement.

Self-contained like 0001: it imports nothing from the bot.
"""

from __future__ import annotations

from alembic import op

revision = "0010_one_statement_registration"
down_revision = "0009_entry_counts_sorted"
branch_labels = None
depends_on = None

_FUNCTION = """
CREATE FUNCTION ferry_locked_hits(k text, window_s double precision) RETURNS double precision[]
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    now_s double precision;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(k, 0));
    now_s := extract(epoch FROM clock_timestamp());
    RETURN now_s || ARRAY(
        SELECT at FROM rate_limit_hits WHERE key = k AND at > now_s - window_s ORDER BY at
    );
END $$
"""

_GUARD = """
CREATE FUNCTION ferry_registration_guard(ok boolean) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF NOT ok THEN
        RAISE EXCEPTION 'registration incomplete: its identity or handle was taken meanwhile'
            USING ERRCODE = 'FY001';
    END IF;
    RETURN true;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTION)
    op.execute(_GUARD)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION ferry_registration_guard(boolean)")
    op.execute("DROP FUNCTION ferry_locked_hits(text, double precision)")
