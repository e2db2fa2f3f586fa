"""The schema, as SQLAlchemy Core tables. Migrations in ``migrations/versions`` must build exactly this."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
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


# -- shared state of a scale-out fleet (issue 12; migration 0004_shared_state) ----------------------

# Which messages of an announcement went out, per publisher and delivery key: a retry after a
# restart, or from another process, sends only the missing parts.
announcement_parts = Table(
    "announcement_parts",
    metadata,
    Column("publisher", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("part", Integer, nullable=False),
    Column("location", Text, nullable=False),
    Column("sent_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("publisher", "key", "part"),
)

# Member rate limits counted across processes (PostgreSQL): one row per counted use, kept for the
# longest window. ``at`` is the database clock in epoch seconds, the same for every process.
rate_limit_hits = Table(
    "rate_limit_hits",
    metadata,
    Column("key", Text, nullable=False),
    Column("at", Float, nullable=False),
)
Index(None, rate_limit_hits.c.key, rate_limit_hits.c.at)

# When each IDENTIFY bucket (shard_id % max_concurrency) may next identify, shared by every
# process of the bot: Discord allows one IDENTIFY per bucket every 5 s across the whole fleet.
discord_identify_slots = Table(
    "discord_identify_slots",
    metadata,
    Column("bucket", Integer, nullable=False),
    Column("next_at", Float, nullable=False),
    PrimaryKeyConstraint("bucket"),
)

# The state of a Discord message's buttons (a directory's filter, search and page), so a click
# works in whichever process owns the guild's shard, and after a restart. ``owner_id`` is the
# Discord user who opened it; rows unused for a while are pruned.
discord_views = Table(
    "discord_views",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", Text, nullable=False),
    Column("community", Text, nullable=False),
    Column("owner_id", Text, nullable=False),
    Column("state", JSON(none_as_null=True), nullable=False),
    Column("used_at", UTCDateTime, nullable=False),
)
Index(None, discord_views.c.used_at)

# Scale-out (bot/cluster): the elected leader of the singleton work, and every live process.
# A lease is a row per singleton name; ``token`` grows by one at every change of holder, so a write
# carrying an older token is recognisably a superseded leader's.
cluster_leases = Table(
    "cluster_leases",
    metadata,
    Column("name", Text, primary_key=True),
    Column("holder", Text, nullable=False),
    Column("token", BigInteger, nullable=False),
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

cluster_processes = Table(
    "cluster_processes",
    metadata,
    Column("id", Text, primary_key=True),
    Column("host", Text, nullable=False),
    Column("pid", Integer, nullable=False),
    Column("role", Text, nullable=False),
    Column("shards", Text, nullable=True),
    Column("version", Text, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
    Column("leader", Boolean, nullable=False, server_default=false()),
)
Index(None, cluster_processes.c.heartbeat_at)

# Announcements a follower hands to the leader for a publisher only the leader runs (Bluesky): one
# row per announcement key and publisher, answered by the leader in ok/location/error.
cluster_relay = Table(
    "cluster_relay",
    metadata,
    Column("key", Text, nullable=False),
    Column("publisher", Text, nullable=False),
    Column("community", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("ok", Boolean, nullable=True),
    Column("location", Text, nullable=True),
    Column("error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("key", "publisher"),
    CheckConstraint(column("state").in_(("pending", "done")), name="state"),
)
Index(None, cluster_relay.c.state, cluster_relay.c.created_at)

# -- insights: aggregates kept up to date from the audit log (see bot/storage/insights.py) ----------

# How far the audit log has been folded into the aggregates below, per community.
insight_state = Table(
    "insight_state",
    metadata,
    Column("community", Text, primary_key=True),
    Column("last_audit_id", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# What each entry adds to the aggregates now, so a change subtracts exactly what was added before.
# ``day`` is the entry's arrival (created_at) as a UTC ``YYYY-MM-DD``.
insight_entries = Table(
    "insight_entries",
    metadata,
    Column("member_id", Integer, nullable=False),
    Column("platform", Text, nullable=False),
    Column("community", Text, nullable=False),
    Column("listed", Boolean, nullable=False),
    Column("public", Boolean, nullable=False),
    Column("verified", Boolean, nullable=False),
    Column("day", Text, nullable=False),
    PrimaryKeyConstraint("member_id", "platform"),
)

# What each member adds to the spread (members per number of platforms).
insight_members = Table(
    "insight_members",
    metadata,
    Column("member_id", Integer, primary_key=True, autoincrement=False),
    Column("community", Text, nullable=False),
    Column("listed", Boolean, nullable=False),
    Column("platforms", Integer, nullable=False),
    Column("public_platforms", Integer, nullable=False),
)

insight_platforms = Table(
    "insight_platforms",
    metadata,
    Column("community", Text, nullable=False),
    Column("platform", Text, nullable=False),
    Column("listed", Integer, nullable=False),
    Column("public", Integer, nullable=False),
    Column("verified", Integer, nullable=False),
    PrimaryKeyConstraint("community", "platform"),
)

insight_spread = Table(
    "insight_spread",
    metadata,
    Column("community", Text, nullable=False),
    Column("platforms", Integer, nullable=False),
    Column("members", Integer, nullable=False),
    Column("public_members", Integer, nullable=False),
    PrimaryKeyConstraint("community", "platforms"),
)

insight_arrivals = Table(
    "insight_arrivals",
    metadata,
    Column("community", Text, nullable=False),
    Column("day", Text, nullable=False),
    Column("platform", Text, nullable=False),
    Column("listed", Integer, nullable=False),
    Column("public", Integer, nullable=False),
    PrimaryKeyConstraint("community", "day", "platform"),
)
