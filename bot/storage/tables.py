"""The schema, as SQLAlchemy Core tables. Migrations in ``migrations/versions`` must build exactly this."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    column,
    false,
    or_,
)

from bot.models import IdentityKind, Source, Verification, Visibility
from bot.storage.types import UTCDateTime

# Deterministic constraint names let later migrations drop or alter them on both dialects.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _one_of(name: str, values: type[Visibility | Verification | Source | IdentityKind]) -> CheckConstraint:
    return CheckConstraint(column(name).in_([value.value for value in values]), name=name)


# sqlite_autoincrement: without it SQLite reuses the highest rowid after a delete, and a forgotten
# member's id (kept anonymously in audit_log) could be handed to a new person.
members = Table(
    "members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community", Text, nullable=False),
    Column("display_name", Text, nullable=False),
    Column("hidden", Boolean, nullable=False, server_default=false()),
    Column("banned", Boolean, nullable=False, server_default=false()),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    sqlite_autoincrement=True,
)
# Hidden and banned members are few: counting the listed entries subtracts theirs, found through this
# small index, from an index-only count of all (a join over every entry is far slower).
Index(
    "ix_members_unlisted",
    members.c.community,
    sqlite_where=or_(members.c.hidden, members.c.banned),
    postgresql_where=or_(members.c.hidden, members.c.banned),
)

# The stable account ids that lead to a member. The key includes the community so that one Discord
# account is a separate member in each community it belongs to.
member_identities = Table(
    "member_identities",
    metadata,
    Column("community", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("external_id", Text, nullable=False),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False, index=True),
    PrimaryKeyConstraint("community", "kind", "external_id"),
    _one_of("kind", IdentityKind),
)

entries = Table(
    "entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("community", Text, nullable=False),
    Column("platform", Text, nullable=False),
    Column("handle", Text, nullable=False),  # display form
    Column("handle_key", Text, nullable=False),  # normalised form: uniqueness and sort order
    Column("visibility", Text, nullable=False),
    Column("verification", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("member_id", "platform"),
    UniqueConstraint("community", "platform", "handle_key"),
    # Keyset pagination walks these in (handle_key, id) order, with or without a platform filter.
    Index(None, "community", "handle_key", "id"),
    Index(None, "community", "platform", "handle_key", "id"),
    Index(None, "community", "platform", "visibility"),  # covers the counts per platform and visibility
    _one_of("visibility", Visibility),
    _one_of("verification", Verification),
    _one_of("source", Source),
    sqlite_autoincrement=True,
)

COUNT_SHARDS = 8  # counter rows per (community, platform, visibility); see migration 0004

# Listed entries (of members neither hidden nor banned) per community, platform and visibility,
# kept exact by triggers on ``entries`` and ``members`` in the same transaction as each change (see
# migration 0004), so a page's total is a sum of a few rows instead of a count of the directory. Each
# key is spread over ``COUNT_SHARDS`` rows by entry id, so concurrent writers seldom share a row.
entry_counts = Table(
    "entry_counts",
    metadata,
    Column("community", Text, nullable=False),
    Column("platform", Text, nullable=False),
    Column("visibility", Text, nullable=False),
    Column("shard", Integer, nullable=False),
    Column("n", Integer, nullable=False),
    PrimaryKeyConstraint("community", "platform", "visibility", "shard"),
)

# No foreign key on member_id: the row outlives the member (as a bare number) after "forget".
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("action", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("member_id", Integer, nullable=True),
    Column("platform", Text, nullable=True),
    Column("detail", JSON(none_as_null=True), nullable=True),
    Index(None, "community", "id"),
    Index(None, "community", "member_id", "id"),
    sqlite_autoincrement=True,
)

kv_state = Table(
    "kv_state",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# -- the Bluesky front ------------------------------------------------------------------------------

INBOX_STATES = ("pending", "replying", "done", "skipped", "failed")
OUTBOX_STATES = ("pending", "done")

# Every mention or reply notification the bot has seen, keyed by the post's AT-URI, so a notification
# listed twice (pages overlap on purpose) is handled once. ``payload`` keeps what answering needs
# (text, languages, thread root, author's handle) so a restart answers without fetching again.
bsky_inbox = Table(
    "bsky_inbox",
    metadata,
    Column("uri", Text, primary_key=True),
    Column("cid", Text, nullable=False),
    Column("author_did", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("indexed_at", UTCDateTime, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("state", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("not_before", UTCDateTime, nullable=True),  # backoff after a failed attempt
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "state", "indexed_at"),
    Index(None, "author_did", "updated_at"),  # the per-author reply cap
    CheckConstraint(column("state").in_(INBOX_STATES), name="state"),
)

# The answer's posts, planned before the first is written: each part's record key is chosen here, so
# after a crash the bot asks the PDS whether that key exists instead of posting again.
bsky_outbox = Table(
    "bsky_outbox",
    metadata,
    Column("inbox_uri", Text, ForeignKey("bsky_inbox.uri", ondelete="CASCADE"), nullable=False),
    Column("part_no", Integer, nullable=False),
    Column("rkey", Text, nullable=False, unique=True),
    Column("text", Text, nullable=False),
    Column("lang", Text, nullable=False),
    Column("uri", Text, nullable=True),
    Column("cid", Text, nullable=True),
    Column("state", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("inbox_uri", "part_no"),
    CheckConstraint(column("state").in_(OUTBOX_STATES), name="state"),
)

# -- trust: linking a Discord member to their Bluesky account ------------------------------------

LINK_CODE_STATES = ("open", "used", "revoked")

# One-time codes a member asks for on Discord and posts from Bluesky. Only a hash of the code is kept,
# so a copy of the database cannot be used to claim someone's pending link. ``used_by`` is the DID
# that redeemed the code; a second account presenting it is refused by comparing against it.
link_codes = Table(
    "link_codes",
    metadata,
    Column("code_hash", Text, primary_key=True),
    Column("community", Text, nullable=False),
    Column("member_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("state", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Column("used_by", Text, nullable=True),
    CheckConstraint(column("state").in_(LINK_CODE_STATES), name="state"),
)

# -- announcements ---------------------------------------------------------------------------------

ANNOUNCEMENT_STATES = ("claimed", "posted", "skipped", "failed")

# One row per scheduled announcement occurrence, claimed before anything is posted: the primary key
# is what makes "never twice" hold across restarts and processes. ``detail`` keeps where it went
# (message ids, post URIs, planned record keys) or why it was skipped.
announcement_runs = Table(
    "announcement_runs",
    metadata,
    Column("community", Text, nullable=False),
    Column("schedule", Text, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("state", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("detail", JSON(none_as_null=True), nullable=True),
    PrimaryKeyConstraint("community", "schedule", "due_at"),
    CheckConstraint(column("state").in_(ANNOUNCEMENT_STATES), name="state"),
)

# The audit log filtered by action ("every ban", "every refused link code") without a full scan.
Index(None, audit_log.c.community, audit_log.c.action, audit_log.c.id)
