"""The ``ferry`` command: run the bot, the local console, and the operator's tools.

Settings are built here, once, and passed down; nothing below reads the environment itself.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.app import App, open_app
from bot.config import ConfigError, check_config, format_problems
from bot.console import admin, moderation
from bot.console import insights as insight_commands
from bot.console.front import ConsoleFront
from bot.console.schedule import print_schedules
from bot.errors import FerryError, UnknownCommunityError
from bot.log import setup_logging
from bot.models import IdentityKind
from bot.runner import NoFrontError, run_fronts
from bot.services.transfer import ExportFormat, ExportScope
from bot.settings import Settings, SettingsError, load_settings
from bot.storage.database import Database
from bot.text.handler import TextCommands
from bot.text.messages import locale_for


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ferry", description="Ferry: help a community move house together.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("run", help="run every front whose credentials are set (Discord, Bluesky)")

    console = sub.add_parser("console", help="talk to Ferry locally as one member (no tokens needed)")
    console.add_argument("--community", default=None, help="community slug (default: from the config)")
    console.add_argument("--as", dest="member", default="console", help="the member you speak as")
    console.add_argument("--locale", default="en", help="answer language, e.g. en or zh-CN")

    check = sub.add_parser("check-config", help="validate the config files and list every problem")
    check.add_argument("file", nargs="?", type=Path, help="file or directory (default: FERRY_CONFIG)")

    directory = sub.add_parser("directory", help="print a community's directory as a table")
    _community_arg(directory)
    directory.add_argument("--platform", help="only this platform (name or alias)")
    directory.add_argument("--search", help="case-insensitive text in a name or handle")
    directory.add_argument("--visibility", choices=sorted(admin.VISIBILITY_CHOICES), default="all")

    export = sub.add_parser(
        "export", help="export a community's directory: CSV, JSON, Mastodon follow list, Bluesky DIDs"
    )
    _community_arg(export)
    export.add_argument("--format", choices=[f.value for f in ExportFormat], default="csv")
    export.add_argument(
        "--visibility",
        choices=[s.value for s in ExportScope],
        default="all",
        help="public entries only, or all (public and community-only)",
    )
    export.add_argument(
        "--output", "-o", type=Path, help="file, or directory for a named file (default: stdout)"
    )

    imp = sub.add_parser("import", help="import a CSV sheet, long or wide layout (see the README)")
    _community_arg(imp)
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="check every row, change nothing")

    forget = sub.add_parser("forget", help="erase a member on request (privacy)")
    _community_arg(forget)
    who = forget.add_mutually_exclusive_group(required=True)
    who.add_argument("--discord-id")
    who.add_argument("--did")
    who.add_argument("--console-name")

    moderation.add_parsers(sub)
    insight_commands.add_parsers(sub)

    sync = sub.add_parser("sync-commands", help="publish the Discord slash commands, then exit")
    sync.add_argument("--guild", type=int, help="only to this server id (instant); default: globally")

    _schedule_parser(sub)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply migrations up to the newest")
    db_sub.add_parser("current", help="print the applied migration")
    return parser


def _schedule_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    schedule = sub.add_parser("schedule", help="print the scheduled announcements and their latest runs")
    schedule.add_argument(
        "--community", default=None, help="only this community (default: all with schedules)"
    )


async def _schedule(settings: Settings, slug: str | None) -> int:
    async with open_app(settings) as app:
        config = app.config()
        if slug is None:
            chosen = [c for c in config.communities.values() if c.schedules]
        else:
            try:
                chosen = [config.community(slug)]
            except UnknownCommunityError as exc:
                print(f"ferry: {exc}: a slug is 2-32 lower-case letters, digits and dashes", file=sys.stderr)
                return 2
        return await print_schedules(app, chosen)


def _community_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--community", default=None, help="community slug (default: from the config)")


async def _with_app(settings: Settings, args: argparse.Namespace) -> int:
    async with open_app(settings) as app:
        community = getattr(args, "community", None) or app.config().default_community_slug
        try:
            app.config().community(community)
        except UnknownCommunityError as exc:
            print(f"ferry: {exc}: a slug is 2-32 lower-case letters, digits and dashes", file=sys.stderr)
            return 2
        admin.note_unconfigured(app, community)
        return await _dispatch(app, args, community)


async def _dispatch(app: App, args: argparse.Namespace, community: str) -> int:
    if args.command == "console":
        front = ConsoleFront(
            TextCommands(app.directory, app.moderation),
            community=community,
            member=args.member,
            locale=locale_for(args.locale),
        )
        await front.run()
        return 0
    if args.command == "directory":
        await admin.print_directory(
            app,
            community=community,
            platform=args.platform,
            search=args.search,
            visibilities=admin.VISIBILITY_CHOICES[args.visibility],
        )
        return 0
    if args.command == "export":
        await admin.export(
            app,
            community=community,
            fmt=ExportFormat(args.format),
            scope=ExportScope(args.visibility),
            output=args.output,
        )
        return 0
    if args.command == "import":
        return await admin.import_file(app, community=community, path=args.file, dry_run=args.dry_run)
    if args.command == "forget":
        if args.discord_id:
            kind, external_id = IdentityKind.DISCORD, args.discord_id
        elif args.did:
            kind, external_id = IdentityKind.BLUESKY, args.did
        else:
            kind, external_id = IdentityKind.CONSOLE, args.console_name
        return await admin.forget(app, community=community, kind=kind, external_id=external_id)
    status = await moderation.dispatch(app, args, community)
    if status is None:
        status = await insight_commands.dispatch(app, args, community)
    if status is not None:
        return status
    raise AssertionError(f"unhandled command {args.command}")


async def _db(settings: Settings, action: str) -> int:
    async with await Database.open(settings.database_url) as database:
        if action == "upgrade":
            await database.upgrade()
        print(f"database at revision {await database.current_revision() or 'none'}")
    return 0


async def _sync_commands(settings: Settings, guild: int | None) -> int:
    if not settings.discord_enabled:
        print("DISCORD_TOKEN is not set (environment or .env); see docs/discord.md", file=sys.stderr)
        return 2
    # Imported here so the other commands never load discord.py.
    from bot.discord.front import sync_commands

    async with open_app(settings) as app:
        count = await sync_commands(app, guild_id=guild)
    where = f"to server {guild}" if guild is not None else "globally (may take up to an hour to show)"
    print(f"synced {count} commands {where}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ferry`` console script; returns the process exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    level = settings.log_level
    if args.command == "console" and "log_level" not in settings.model_fields_set:
        # Log lines between a prompt and its answer confuse a person at the console; an operator
        # who wants them sets LOG_LEVEL explicitly.
        level = "WARNING"
    setup_logging(level, settings.log_format)

    if args.command == "check-config":
        path = args.file or settings.config_path
        problems = check_config(path)
        if problems:
            print(format_problems(problems), file=sys.stderr)
            print(f"{len(problems)} problem(s) in {path}", file=sys.stderr)
            return 1
        print(f"{path}: config OK")
        return 0
    try:
        if args.command == "run":
            return asyncio.run(run_fronts(settings))
        if args.command == "db":
            return asyncio.run(_db(settings, args.db_command))
        if args.command == "sync-commands":
            return asyncio.run(_sync_commands(settings, args.guild))
        if args.command == "schedule":
            return asyncio.run(_schedule(settings, args.community))
        return asyncio.run(_with_app(settings, args))
    except ConfigError as exc:
        print(format_problems(exc.problems), file=sys.stderr)
        return 1
    except NoFrontError as exc:
        print(exc, file=sys.stderr)
        return 2
    except FerryError as exc:
        # Bad input to an operator command (an unknown platform, a malformed CSV header): one
        # line that says what, not a traceback. Exit 2 keeps 1 for "the job ran, rows rejected".
        print(f"ferry: {exc}", file=sys.stderr)
        return 2
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        hint = " (save the file as UTF-8 CSV)" if isinstance(exc, UnicodeDecodeError) else ""
        print(f"ferry: {exc}{hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
