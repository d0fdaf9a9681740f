"""The `needle` command: run, chat, demo and db upgrade.

Start-up is kept light: this module imports only the standard library, so `needle --help`
and argument errors answer at once; a subcommand loads the engine, storage, scheduler and
adapters when it runs (see the deferred imports at the top of `run`, `chat`, `open_database`,
`running` and `main`'s demo branch). Whatever stops a command while it starts is printed as
one line naming the setting to fix (bot/startup.py), with exit status 2; the traceback
follows only with LOG_LEVEL=DEBUG.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import getpass
import logging
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.startup import DatabaseSetting, StartupPhase, explain, open_sqlite_first, safe_url

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.engine import Engine
    from bot.storage.db import Database

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
    chat.add_argument(
        "--at",
        dest="start",
        default=None,
        help="start the clock at this local time, e.g. 2026-11-23T16:55, to try a week quickly",
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
    if args.command == "db" and args.db_command != "upgrade":
        parser.parse_args(["db", "--help"])
    phase = StartupPhase()
    settings: Settings | None = None
    try:
        # Deferred: pydantic (and SQLAlchemy, for the URL's form) only once a command runs.
        from bot.config import load_settings

        settings = load_settings()
        configure_logging(settings)
        if args.command in ("chat", "demo"):
            quiet_logs_for_the_console(settings)
        open_sqlite_first(args.database if args.command == "demo" else settings.database_url)
        if args.command == "run":
            return asyncio.run(run(settings, phase))
        if args.command == "chat":
            return asyncio.run(
                chat(settings, args.name or default_name(), args.timezone, phase, args.start)
            )
        if args.command == "demo":
            # Deferred: the demo's seed data and the console adapter, for `needle demo` only.
            from bot.demo import run_demo

            return asyncio.run(run_demo(settings, args.database))
        return asyncio.run(db_upgrade(settings))
    except KeyboardInterrupt:
        return 130
    except Exception as err:
        database = DatabaseSetting(
            "--database" if args.command == "demo" else "DATABASE_URL",
            args.database
            if args.command == "demo"
            else (settings.database_url if settings else os.environ.get("DATABASE_URL", "")),
        )
        line = explain(
            err,
            database,
            host=settings.host if settings else "",
            port=settings.port if settings else None,
        )
        if line is None and not phase.starting:
            raise  # the running program failed: a bug to read in full, not a setting
        debug = (settings.log_level if settings else os.environ.get("LOG_LEVEL", "")).upper()
        if debug == "DEBUG":
            traceback.print_exception(err, file=sys.stderr)
        print(f"needle: {line or could_not_start(err)}", file=sys.stderr, flush=True)
        return 2


def could_not_start(err: BaseException) -> str:
    """The line for a start-up failure of no foreseen kind."""
    return f"could not start: {type(err).__name__}: {err} (LOG_LEVEL=DEBUG shows where)"


def configure_logging(settings: Settings) -> None:
    """Log to stderr at LOG_LEVEL, as LOG_FORMAT says (text or json); Alembic and APScheduler
    only warn unless debugging."""
    from bot.logs import log_handler

    logging.basicConfig(level=settings.log_level, handlers=[log_handler(settings.log_format)])
    if settings.log_level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)


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
    # Deferred: SQLAlchemy's engine and Alembic load only for the commands that use them.
    from bot.storage.db import Database
    from bot.storage.migrate import upgrade

    database = Database(settings.database_url)
    try:
        await upgrade(database)
    except BaseException:
        await database.dispose()
        raise
    return database


async def db_upgrade(settings: Settings) -> int:
    """`needle db upgrade`."""
    database = await open_database(settings)
    await database.dispose()
    print(f"Database is up to date ({safe_url(settings.database_url)}).")
    return 0


async def chat(
    settings: Settings,
    name: str,
    timezone: str | None,
    phase: StartupPhase | None = None,
    start: str | None = None,
) -> int:
    """`needle chat`: the console coach with the scheduler, until input ends; `start` (local
    ISO time) runs the clock from another instant at the real pace."""
    # Deferred: the engine, its commands and the console adapter load when the chat starts.
    from adapters.console import ConsoleAdapter
    from bot.clock import Clock, ShiftedClock, SystemClock
    from bot.commands import build_router
    from bot.engine import Engine
    from bot.timezones import find_timezone, unknown_timezone

    if timezone is not None:
        zone = find_timezone(timezone)
        if zone is None:
            print(f"needle: {unknown_timezone(timezone)}", file=sys.stderr)
            return 2
        timezone = zone.key
    clock: Clock = SystemClock()
    if start is not None:
        try:
            instant = datetime.fromisoformat(start)
        except ValueError:
            print(f"needle: --at {start!r}: use a time like 2026-11-23T16:55", file=sys.stderr)
            return 2
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=ZoneInfo(timezone or settings.default_timezone))
        clock = ShiftedClock(instant)
    database = await open_database(settings)
    engine = Engine(database, settings, clock, router=build_router())
    console = ConsoleAdapter(engine, name=name, timezone=timezone)
    try:
        async with running(settings, database, engine, [console]):
            if phase is not None:
                phase.ready()
            await console.wait_closed()
    finally:
        await database.dispose()
    return 0


async def run(settings: Settings, phase: StartupPhase | None = None) -> int:
    """`needle run`: every configured adapter and the scheduler, until a signal."""
    # Deferred: the engine and its commands load when Needle starts; each chat platform's
    # adapter (slack-bolt, discord.py) below, only when that platform is configured.
    from prometheus_client import CollectorRegistry

    from bot.clock import SystemClock
    from bot.commands import build_router
    from bot.engine import Engine
    from bot.metrics import Metrics

    database = await open_database(settings)
    # One registry for the process, read at /metrics (the engine hands it to the others).
    metrics = Metrics(CollectorRegistry())
    engine = Engine(database, settings, SystemClock(), router=build_router(), metrics=metrics)
    try:
        await serve(settings, database, engine, phase)
    finally:
        await database.dispose()
    return 0


async def serve(
    settings: Settings, database: Database, engine: Engine, phase: StartupPhase | None
) -> None:
    """Start the web server, the configured adapters (the console coach when no platform is
    set) and the scheduler, and run until a signal or, on the console, the end of input."""
    from adapters.metrics_http import mount_metrics
    from adapters.web.dashboard import Dashboard
    from adapters.web.server import WebServer

    # One HTTP server for everything web: /healthz, /metrics, the dashboard, Slack's HTTP mode.
    web = WebServer(settings.web_host, settings.port)
    mount_metrics(web.router, engine.metrics)
    Dashboard(database, settings, engine.clock, engine=engine).mount(web)
    adapters: list[Any] = []
    if settings.slack_enabled:
        from adapters.slack.app import build_slack_adapter

        adapters.append(build_slack_adapter(settings, engine, web=web))
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
    async with running(settings, database, engine, adapters, web=web):
        if phase is not None:
            phase.ready()
        waiters: list[asyncio.Task[Any]] = [asyncio.create_task(stop.wait())]
        if console is not None:
            waiters.append(asyncio.create_task(console.wait_closed()))
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()


def keep_what_started() -> None:
    """What start-up built lives as long as the process: keep it out of the collector's full
    passes, which would otherwise go over every module and pool object again — in a scheduler
    fan-out of thousands of messages (about 0.08 s per 10,000 messages) and as pauses in the
    middle of a page (a team page of 1,000 members: 110 ms → 20 ms, `bench/dashboard.py`)."""
    gc.collect()
    gc.freeze()


@contextlib.asynccontextmanager
async def running(  # type: ignore[no-untyped-def]
    settings: Settings,
    database: Database,
    engine: Engine,
    adapters: list[Any],
    web: Any = None,
):
    """Start the adapters, the web server (when given) and the scheduler on this loop; stop
    them all on the way out."""
    # Deferred: the outbox and the scheduler (APScheduler) load once Needle starts.
    from adapters.base import Outbox
    from scheduler.service import build_scheduler

    outbox = Outbox()
    for adapter in adapters:
        outbox.register(adapter)
    scheduler = build_scheduler(settings, database, engine, outbox)
    started: list[Any] = []
    try:
        for adapter in adapters:
            started.append(adapter)  # stopped on the way out even if its start fails halfway
            await adapter.start()
        if web is not None:
            started.insert(0, web)  # stopped last: the adapters answer what they accepted first
            await web.start()
            log.info(
                "web: dashboard at %s (listening on %s:%d)",
                settings.dashboard_url,
                web.host,
                web.port,
            )
        keep_what_started()
        await scheduler.start()
        yield outbox
    finally:
        await scheduler.stop()
        for adapter in reversed(started):
            with contextlib.suppress(Exception):
                await adapter.stop()


if __name__ == "__main__":
    raise SystemExit(main())
