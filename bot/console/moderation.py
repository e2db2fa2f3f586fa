"""Operator commands of the ``ferry`` CLI that moderate: ban, unban, hide, unhide, remove, verify,
unverify, and reading the audit log.

Members are named by account id (Discord id, DID or console name), so the operator can reach
people who joined from any front, not only Discord.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from bot.app import App
from bot.console.table import render_table
from bot.errors import FerryError, MemberNotFoundError
from bot.models import AuditRecord, Entry, Identity, IdentityKind
from bot.services.moderation import AUDIT_GROUPS, MAX_AUDIT_PAGE, MAX_BAN_REASON
from bot.services.names import name_key

OPERATOR = "operator"  # the audit log's name for whoever runs the CLI on the server
HELP_UNHIDE = "list a hidden member in the directory again"
ENTRY_COMMANDS = {
    "remove": "remove a member's handle on one platform",
    "verify": "mark a member's handle as verified by an admin",
    "unverify": "take back an admin's verification of a handle",
}
MEMBER_COMMANDS = ("ban", "unban", "audit", "hide", "unhide", *ENTRY_COMMANDS)


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``ferry ban``, ``unban``, ``hide``, ``unhide``, ``remove``, ``verify``, ``unverify`` and ``audit``."""
    ban = sub.add_parser("ban", help="stop a member registering and unlist them (their data is kept)")
    _community_arg(ban)
    _who(ban, required=True)
    ban.add_argument("--reason", help=f"kept in the audit log (at most {MAX_BAN_REASON} characters)")

    unban = sub.add_parser("unban", help="lift a member's ban")
    _community_arg(unban)
    _who(unban, required=True)

    for name, text in (("hide", "hide a member from the directory (data is kept)"), ("unhide", HELP_UNHIDE)):
        _who(_community_arg(sub.add_parser(name, help=text)), required=True)
    for name, text in ENTRY_COMMANDS.items():
        entry_parser = _community_arg(sub.add_parser(name, help=text))
        entry_parser.add_argument("platform", help="the platform of the handle (name, alias or key)")
        _who(entry_parser, required=True)

    audit = sub.add_parser("audit", help="print the audit log, newest first")
    _community_arg(audit)
    _who(audit, required=False)
    audit.add_argument("--action", choices=list(AUDIT_GROUPS), help="only this kind of change")
    audit.add_argument("--platform", help="only changes to this platform (name, alias or key)")
    audit.add_argument("--limit", type=_limit, default=50, help=f"rows, 1-{MAX_AUDIT_PAGE} (default 50)")


def _community_arg(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--community", default=None, help="community slug (default: from the config)")
    return parser


def _who(parser: argparse.ArgumentParser, *, required: bool) -> None:
    who = parser.add_mutually_exclusive_group(required=required)
    who.add_argument("--discord-id", help="the member's Discord user id")
    who.add_argument("--did", help="the member's Bluesky DID")
    who.add_argument("--console-name", type=console_name, help="the member's console name")


def console_name(text: str) -> str:
    """A console name as it keys a member (the key an import and ``--as`` use too)."""
    key = name_key(text)
    if not key:
        raise argparse.ArgumentTypeError("needs a visible name")
    return key


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
    identity = identity_of(args) if args.command in MEMBER_COMMANDS else None
    if args.command in ("hide", "unhide", *ENTRY_COMMANDS):
        assert identity is not None  # the argument group is required
        try:
            return await _change(app, args, community, identity, out)
        except MemberNotFoundError:
            out.write(f"nobody with id {identity} in {community!r}; nothing changed\n")
            return 1
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


async def _change(app: App, args: argparse.Namespace, community: str, identity: Identity, out: TextIO) -> int:
    """Hide, unhide, or change one of the member's entries; one line says what happened."""
    if args.command in ("hide", "unhide"):
        hidden = args.command == "hide"
        await app.moderation.set_hidden(community=community, identity=identity, hidden=hidden, actor=OPERATOR)
        state = "hidden from the directory (data kept)" if hidden else "listed in the directory again"
        out.write(f"{identity} in {community!r} is {state}\n")
        return 0
    where = {"community": community, "identity": identity, "platform": args.platform, "actor": OPERATOR}
    entry: Entry
    if args.command == "remove":
        entry = await app.directory.remove(**where)
        out.write(f"removed {identity}'s {entry.platform} handle {entry.handle} in {community!r}\n")
        return 0
    change = app.moderation.verify if args.command == "verify" else app.moderation.unverify
    entry = await change(**where)
    level = entry.verification.value
    out.write(f"{identity}'s {entry.platform} handle {entry.handle} in {community!r} is now {level}\n")
    return 0


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
