"""Operator commands of the ``ferry`` CLI that moderate: ban, unban, and reading the audit log."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from bot.app import App
from bot.console.table import render_table
from bot.errors import FerryError
from bot.models import AuditRecord, Identity, IdentityKind
from bot.services.moderation import AUDIT_GROUPS, MAX_AUDIT_PAGE, MAX_BAN_REASON

OPERATOR = "operator"  # the audit log's name for whoever runs the CLI on the server


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``ferry ban``, ``ferry unban`` and ``ferry audit``, added to the CLI's subcommands."""
    ban = sub.add_parser("ban", help="stop a member registering and unlist them (their data is kept)")
    _community_arg(ban)
    _who(ban, required=True)
    ban.add_argument("--reason", help=f"kept in the audit log (at most {MAX_BAN_REASON} characters)")

    unban = sub.add_parser("unban", help="lift a member's ban")
    _community_arg(unban)
    _who(unban, required=True)

    audit = sub.add_parser("audit", help="print the audit log, newest first")
    _community_arg(audit)
    _who(audit, required=False)
    audit.add_argument("--action", choices=list(AUDIT_GROUPS), help="only this kind of change")
    audit.add_argument("--platform", help="only changes to this platform (name, alias or key)")
    audit.add_argument("--limit", type=_limit, default=50, help=f"rows, 1-{MAX_AUDIT_PAGE} (default 50)")


def _community_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--community", default=None, help="community slug (default: from the config)")


def _who(parser: argparse.ArgumentParser, *, required: bool) -> None:
    who = parser.add_mutually_exclusive_group(required=required)
    who.add_argument("--discord-id", help="the member's Discord user id")
    who.add_argument("--did", help="the member's Bluesky DID")
    who.add_argument("--console-name", help="the member's console name")


def _limit(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_AUDIT_PAGE:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_AUDIT_PAGE}")
    return value


def identity_of(args: argparse.Namespace) -> Identity | None:
    """The member named by ``--discord-id``, ``--did`` or ``--console-name``, if any."""
    if args.discord_id:
        return Identity(IdentityKind.DISCORD, args.discord_id)
    if args.did:
        return Identity(IdentityKind.BLUESKY, args.did)
    if args.console_name:
        return Identity(IdentityKind.CONSOLE, args.console_name)
    return None


async def dispatch(
    app: App, args: argparse.Namespace, community: str, out: TextIO = sys.stdout
) -> int | None:
    """Run a moderation command; None when ``args`` names another command."""
    identity = identity_of(args) if args.command in ("ban", "unban", "audit") else None
    if args.command == "ban":
        assert identity is not None  # the argument group is required
        await app.moderation.ban(community=community, identity=identity, actor=OPERATOR, reason=args.reason)
        out.write(f"banned {identity} in {community!r}: not listed, cannot register; data kept\n")
        return 0
    if args.command == "unban":
        assert identity is not None
        try:
            await app.moderation.unban(community=community, identity=identity, actor=OPERATOR)
        except FerryError:
            out.write(f"nobody with id {identity} in {community!r}; nothing to unban\n")
            return 1
        out.write(f"unbanned {identity} in {community!r}\n")
        return 0
    if args.command == "audit":
        records = await app.moderation.audit(
            community=community,
            identity=identity,
            group=args.action,
            platform=args.platform,
            limit=args.limit,
        )
        print_audit(records, out)
        return 0
    return None


def print_audit(records: list[AuditRecord], out: TextIO) -> None:
    """The rows as a table (details as key=value), then how many there were."""
    rows = [
        [
            str(record.id),
            record.at.strftime("%Y-%m-%d %H:%M:%S"),
            record.action,
            record.actor,
            "" if record.member_id is None else str(record.member_id),
            record.platform or "",
            ", ".join(f"{key}={value}" for key, value in record.detail.items()),
        ]
        for record in records
    ]
    if rows:
        headers = ["id", "at (UTC)", "action", "actor", "member", "platform", "detail"]
        out.write(render_table(headers, rows) + "\n")
    out.write(f"{len(rows)} audit rows\n")
