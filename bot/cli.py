"""The `needle` command: run, chat, demo and db upgrade."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import getpass
import logging
import signal
import sys
from collections.abc import Sequence
from typing import Any

from adapters.base import Outbox
from bot.clock import SystemClock
from bot.commands import build_router
from bot.config import Settings, SettingsError, load_settings
from bot.engine import Engine
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.timezones import find_timezone, unknown_timezone
from scheduler.service import build_scheduler

log = logging.getLogger("needle")

CONNECT_HINT = (
    "Needle is running as a console coach on {db}. To connect Slack set SLACK_BOT_TOKEN and "
    "SLACK_SIGNING_SECRET (add SLACK_APP_TOKEN for Socket Mode); for Discord set DISCORD_TOKEN. "
    "See README.md."
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `needle` command."""
    parser = argparse.ArgumentParser(
        prog="needle",
        description=(
            "Needle, the accountability coach for sales teams. It asks each member every "
            "workday how many sales conversations they had, how long they talked with buyers "
            "and what filled their day, then coaches, nudges and ranks."
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "run",
        help="start every configured chat adapter and the scheduler",
        description=(
            "Start Needle: Slack when SLACK_* is set, Discord when DISCORD_TOKEN is set, and "
            "the console coach when neither is. Migrates the database first."
        ),
    )
    chat = commands.add_parser(
        "chat",
        help="talk to Needle in this terminal (works with piped input)",
        description=(
            "The console coach: you are a member of a local team. Type answers and commands "
            "(`stats week`, `goal calls 8`, `help`); end of input or `quit` ends the session."
        ),
    )
    chat.add_argument("--as", dest="name", default="", help="your name (default: your login)")
    chat.add_argument(
        "--tz", dest="timezone", default=None, help="your time zone, e.g. Europe/Berlin"
    )
    demo = commands.add_parser(
        "demo",
        help="fill a demo database with a team and six weeks of check-ins, and show them",
        description=(
            "Creates a separate demo database (--database, default needle-demo.db) with "
            "a team of 8 members and 6 weeks of check-ins, then prints this week's leaderboard "
            "and one member's stats."
        ),
    )
    demo.add_argument("--database", default="sqlite:///needle-demo.db", help="demo database URL")
    db = commands.add_parser("db", help="database maintenance", description="Database maintenance.")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION")
    db_commands.add_parser(
        "upgrade",
        help="run the migrations up to the newest schema",
        description="Apply Needle's Alembic migrations to DATABASE_URL.",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `needle` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        settings = load_settings()
    except SettingsError as err:
        print(f"needle: bad setting {err}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if settings.log_level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if args.command in ("chat", "demo"):
        quiet_logs_for_the_console(settings)
    try:
        if args.command == "run":
            try:
                return asyncio.run(run(settings))
            except SettingsError as err:  # e.g. an incomplete Slack setup, a refused token
                print(f"needle: bad setting {err}", file=sys.stderr)
                return 2
        if args.command == "chat":
            return asyncio.run(chat(settings, args.name or default_name(), args.timezone))
        if args.command == "demo":
            from bot.demo import run_demo

            return asyncio.run(run_demo(settings, args.database))
        if args.command == "db":
            if args.db_command != "upgrade":
                parser.parse_args(["db", "--help"])
            return asyncio.run(db_upgrade(settings))
    except KeyboardInterrupt:
        return 130
    parser.print_help()
    return 2


def quiet_logs_for_the_console(settings: Settings) -> None:
    """Logs share the terminal with the conversation: keep them to warnings unless debugging."""
    if settings.log_level != "DEBUG":
        logging.getLogger().setLevel(logging.WARNING)


def default_name() -> str:
    """The console member's name when `--as` is not given."""
    with contextlib.suppress(Exception):
        return getpass.getuser().title()
    return "Me"


async def open_database(settings: Settings) -> Database:
    """Open the database and bring its schema up to date."""
    database = Database(settings.database_url)
    await upgrade(database)
    return database


async def db_upgrade(settings: Settings) -> int:
    """`needle db upgrade`."""
    database = await open_database(settings)
    await database.dispose()
    print(f"Database is up to date ({safe_url(settings.database_url)}).")
    return 0


def safe_url(url: str) -> str:
    """A database URL without its password, for messages."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        credentials, _, host = rest.rpartition("@")
        user = credentials.split(":", 1)[0]
        rest = f"{user}:***@{host}"
    return f"{scheme}{sep}{rest}"


async def chat(settings: Settings, name: str, timezone: str | None) -> int:
    """`needle chat`: the console coach with the scheduler, until input ends."""
    from adapters.console import ConsoleAdapter

    if timezone is not None:
        zone = find_timezone(timezone)
        if zone is None:
            print(f"needle: {unknown_timezone(timezone)}", file=sys.stderr)
            return 2
        timezone = zone.key
    database = await open_database(settings)
    engine = Engine(database, settings, SystemClock(), router=build_router())
    console = ConsoleAdapter(engine, name=name, timezone=timezone)
    try:
        async with running(settings, database, engine, [console]):
            await console.wait_closed()
    finally:
        await database.dispose()
    return 0


async def run(settings: Settings) -> int:
    """`needle run`: every configured adapter and the scheduler, until a signal."""
    database = await open_database(settings)
    engine = Engine(database, settings, SystemClock(), router=build_router())
    adapters: list[Any] = []
    if settings.slack_enabled:
        from adapters.slack.app import build_slack_adapter

        adapters.append(build_slack_adapter(settings, engine))
    if settings.discord_enabled:
        from adapters.discord.app import build_discord_adapter

        adapters.append(build_discord_adapter(settings, engine))
    console = None
    if not adapters:
        from adapters.console import ConsoleAdapter

        print(CONNECT_HINT.format(db=safe_url(settings.database_url)), flush=True)
        quiet_logs_for_the_console(settings)
        console = ConsoleAdapter(
            engine, name=settings.console_user or default_name(), timezone=None
        )
        adapters.append(console)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        async with running(settings, database, engine, adapters):
            waiters: list[asyncio.Task[Any]] = [asyncio.create_task(stop.wait())]
            if console is not None:
                waiters.append(asyncio.create_task(console.wait_closed()))
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
    finally:
        await database.dispose()
    return 0


@contextlib.asynccontextmanager
async def running(settings: Settings, database: Database, engine: Engine, adapters: list[Any]):  # type: ignore[no-untyped-def]
    """Start the adapters and the scheduler on this loop; stop them all on the way out."""
    outbox = Outbox()
    for adapter in adapters:
        outbox.register(adapter)
    scheduler = build_scheduler(settings, database, engine, outbox)
    started: list[Any] = []
    try:
        for adapter in adapters:
            await adapter.start()
            started.append(adapter)
        # What start-up built lives as long as the process: keep it out of the collector's
        # full passes, which a scheduler fan-out of thousands of messages would otherwise
        # repeat over every module and pool object (about 0.08 s per 10,000 messages).
        gc.collect()
        gc.freeze()
        await scheduler.start()
        yield outbox
    finally:
        await scheduler.stop()
        for adapter in reversed(started):
            with contextlib.suppress(Exception):
                await adapter.stop()


if __name__ == "__main__":
    raise SystemExit(main())
