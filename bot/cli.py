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
from bot.cluster import commands as cluster
from bot.cluster.single import SingleProcessError, single_process
from bot.config import ConfigError, check_config, format_problems
from bot.console import admin, moderation
from bot.console import insights as insight_commands
from bot.console.front import ConsoleFront
from bot.console.schedule import print_schedules
from bot.errors import FerryError, InvalidInputError, UnknownCommunityError
from bot.log import setup_logging
from bot.models import IdentityKind
from bot.runner import FrontStartError, NoFrontError, WebBind, run_fronts
from bot.services.transfer import ExportFormat, ExportScope
from bot.settings import Settings, SettingsError, load_settings
from bot.storage.copy import CopyRefusedError, copy_database
from bot.storage.database import Database, SchemaTooNewError
from bot.text.errors import error_sentence
from bot.text.handler import TextCommands
from bot.text.messages import locale_for


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ferry", description="Ferry: help a community move house together.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run every front whose credentials are set (Discord, Bluesky)")
    run.add_argument(
        "--no-web", action="store_true", help="leave the web page to a `ferry web` process of its own"
    )
    run.add_argument(
        "--web-host", help="address the web page binds, overriding [web] host (0.0.0.0 in a container)"
    )
    run.add_argument("--web-port", type=_port, help="port the web page binds, overriding [web] port")

    sub.add_parser("status", help="the processes, who leads, the Bluesky backlog and the next schedule runs")
    health = sub.add_parser("health", help="exit 0 if a Ferry process on this host is alive (healthcheck)")
    health.add_argument("--host", help="the host (container) name to look for (default: this one)")
    web = sub.add_parser("web", help="serve only the public web page ([web] in the config)")
    web.add_argument("--host", help="address to bind, overriding [web] host (0.0.0.0 inside a container)")
    web.add_argument("--port", type=_port, help="port to bind, overriding [web] port")

    console = sub.add_parser("console", help="talk to Ferry locally as one member (no tokens needed)")
    console.add_argument("--community", default=None, help="community slug (default: from the config)")
    console.add_argument(
        "--as", dest="member", default="console", type=moderation.console_name, help="the member you speak as"
    )
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
    who.add_argument("--console-name", type=moderation.console_name)

    moderation.add_parsers(sub)
    insight_commands.add_parsers(sub)

    sync = sub.add_parser("sync-commands", help="publish the Discord slash commands, then exit")
    sync.add_argument("--guild", type=int, help="only to this server id (instant); default: globally")
    sync.add_argument(
        "--clear",
        action="store_true",
        help="remove the copy synced to --guild (a server with both shows every command twice)",
    )

    _schedule_parser(sub)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply migrations up to the newest")
    db_sub.add_parser("current", help="print the applied migration")
    copy = db_sub.add_parser(
        "copy",
        help="copy every table (audit log included) into another, empty database: SQLite <-> PostgreSQL",
    )
    copy.add_argument(
        "--to", required=True, metavar="URL", help="the target's DATABASE_URL (migrated if needed)"
    )
    return parser


def _port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("a port is a number from 0 to 65535")
    return port


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


async def _db(settings: Settings, args: argparse.Namespace) -> int:
    if args.db_command == "copy":
        # Rows written during the copy would be missing from it: a running `ferry run` on the SQLite
        # source holds its lock, and the copy is refused with the reason.
        with single_process(settings):
            async with await Database.open(settings.database_url) as source:
                return await _db_copy(source, args.to)
    async with await Database.open(settings.database_url) as database:
        if args.db_command == "upgrade":
            await database.upgrade()
        print(f"database at revision {await database.current_revision() or 'none'}")
    return 0


async def _db_copy(source: Database, to: str) -> int:
    async with await Database.open(to) as target:
        await source.upgrade()
        await target.upgrade()
        try:
            copied = await copy_database(
                source, target, progress=lambda t: print(f"{t.name}: {t.rows} row(s)")
            )
        except CopyRefusedError as exc:
            print(f"ferry: nothing copied: {exc}", file=sys.stderr)
            return 2
    print(f"copied {sum(t.rows for t in copied)} row(s) in {len(copied)} tables")
    return 0


async def _sync_commands(settings: Settings, guild: int | None, *, clear: bool = False) -> int:
    if clear and guild is None:
        print("ferry: --clear removes one server's copy: give it with --guild SERVER_ID", file=sys.stderr)
        return 2
    if not settings.discord_enabled:
        print(
            "DISCORD_TOKEN is not set (environment or .env); see the README, section Discord", file=sys.stderr
        )
        return 2
    # Imported here so the other commands never load discord.py.
    from bot.discord.front import sync_commands

    async with open_app(settings) as app:
        count = await sync_commands(app, guild_id=guild, clear=clear)
    if clear:
        print(f"removed the commands synced to server {guild}; the global ones remain")
        return 0
    where = f"to server {guild}" if guild is not None else "globally (may take up to an hour to show)"
    print(f"synced {count} commands {where}")
    return 0


QUIET_COMMANDS = ("console", "status", "health")  # commands whose output is for a person, not a log


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ferry`` console script; returns the process exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    level = settings.log_level
    if args.command in QUIET_COMMANDS and "log_level" not in settings.model_fields_set:
        # Log lines between a prompt and its answer confuse a person at the console, and "database
        # opened" in front of a status report (or a healthcheck's output) is noise; an operator who
        # wants them sets LOG_LEVEL explicitly.
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
            bind = WebBind(args.web_host, args.web_port)
            return asyncio.run(run_fronts(settings, serve_web=not args.no_web, bind=bind))
        if args.command == "status":
            return asyncio.run(cluster.status(settings))
        if args.command == "health":
            return asyncio.run(cluster.health(settings, args.host))
        if args.command == "web":
            return asyncio.run(cluster.web(settings, args.host, args.port))
        if args.command == "db":
            return asyncio.run(_db(settings, args))
        if args.command == "sync-commands":
            return asyncio.run(_sync_commands(settings, args.guild, clear=args.clear))
        if args.command == "schedule":
            return asyncio.run(_schedule(settings, args.community))
        return asyncio.run(_with_app(settings, args))
    except ConfigError as exc:
        print(format_problems(exc.problems), file=sys.stderr)
        return 1
    except NoFrontError as exc:
        print(exc, file=sys.stderr)
        return 2
    except (SingleProcessError, SchemaTooNewError, cluster.ClusterCommandError) as exc:
        # Start-up refused for a reason the operator must fix: one clear paragraph, no traceback.
        print(f"ferry: {exc}", file=sys.stderr)
        return 2
    except ExceptionGroup as group:
        # The fronts run in a TaskGroup; one that cannot start says why in a line, not a traceback.
        refused, others = group.split(FrontStartError)
        if refused is None or others is not None:
            raise
        for refusal in _leaves(refused):
            print(f"ferry: {refusal}", file=sys.stderr)
        return 2
    except FerryError as exc:
        # Bad input to an operator command (an unknown platform, a malformed CSV header): one
        # line that says what, not a traceback. Exit 2 keeps 1 for "the job ran, rows rejected".
        # Refused input reads the same as in the console; other errors speak to a member ("you
        # have no …"), not to the operator acting on someone else, so their plain form is kept.
        said = error_sentence(exc, "en", outside=False) if isinstance(exc, InvalidInputError) else str(exc)
        print(f"ferry: {said}", file=sys.stderr)
        return 2
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        hint = " (save the file as UTF-8 CSV)" if isinstance(exc, UnicodeDecodeError) else ""
        print(f"ferry: {exc}{hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    return [
        leaf
        for exc in group.exceptions
        for leaf in (_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    ]


if __name__ == "__main__":
    sys.exit(main())
