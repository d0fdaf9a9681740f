"""Start-up failures of the `needle` command, run as a user runs it (a subprocess).

Whatever stops Needle while it starts — a malformed or unsupported database URL, a folder
that is missing or cannot be written, a PostgreSQL that refuses the connection, the password
or the database name, a bad setting value, a malformed or refused token, a port already in
use — ends with exit status 2 and one stderr line naming the setting, without a traceback;
with LOG_LEVEL=DEBUG the traceback comes first.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.fakes.slack import DEFAULT_BOT_TOKEN, DEFAULT_SIGNING_SECRET, FakeSlack
from tests.pg import PostgresServer, free_port
from tests.test_cli import NEEDLE, run

MISSING_FOLDER = "sqlite:////nonexistent/dir/needle.db"
STARTING_COMMANDS = [
    ["run"],
    ["chat", "--as", "Ana"],
    ["db", "upgrade"],
]


def assert_one_line(result: subprocess.CompletedProcess, setting: str, *words: str) -> str:
    """Exit status 2 and a single stderr line that names `setting` (and `words`)."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"needle: {setting}"), lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("command", STARTING_COMMANDS, ids=lambda c: " ".join(c))
def test_a_missing_sqlite_folder_is_one_line(tmp_path: Path, command: list[str]) -> None:
    result = run(command, tmp_path, DATABASE_URL=MISSING_FOLDER)
    assert_one_line(result, "DATABASE_URL", "/nonexistent/dir does not exist", "create it")


def test_demo_names_its_database_option(tmp_path: Path) -> None:
    result = run(["demo", "--database", MISSING_FOLDER], tmp_path)
    assert_one_line(result, "--database", "/nonexistent/dir does not exist")


def test_the_traceback_comes_only_with_debug_logging(tmp_path: Path) -> None:
    result = run(["run"], tmp_path, DATABASE_URL=MISSING_FOLDER, LOG_LEVEL="DEBUG")
    assert result.returncode == 2
    assert "Traceback" in result.stderr and "sqlite3.OperationalError" in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("needle: DATABASE_URL: the folder /nonexistent/dir does not exist")


def test_a_folder_needle_cannot_write_in_is_one_line(tmp_path: Path) -> None:
    # /proc takes no new files, not even from root.
    result = run(["db", "upgrade"], tmp_path, DATABASE_URL="sqlite:////proc/needle.db")
    assert_one_line(result, "DATABASE_URL", "/proc/needle.db", "write access")


def test_a_folder_as_the_database_file_is_one_line(tmp_path: Path) -> None:
    result = run(["db", "upgrade"], tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}")
    assert_one_line(result, "DATABASE_URL", "is a folder")


def test_a_file_that_is_no_database_is_one_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database, just some notes\n" * 200)
    result = run(["run"], tmp_path, DATABASE_URL=f"sqlite:///{notes}")
    assert_one_line(result, "DATABASE_URL", "is not an SQLite database")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("needle.db", "not a database URL"),
        ("mysql://needle@localhost/needle", "unsupported database or driver 'mysql'"),
        ("sqlite+pysqlite:///needle.db", "unsupported database or driver"),
        ("postgresql://needle:s3cret@localhost:fivefour/needle", "malformed URL"),
        ("postgresql://needle:s3cret@localhost:99999/needle", "port 99999 is out of range"),
    ],
)
def test_a_malformed_or_unsupported_url_is_one_line(tmp_path: Path, url: str, problem: str) -> None:
    result = run(["run"], tmp_path, DATABASE_URL=url)
    line = assert_one_line(result, "DATABASE_URL", problem, "sqlite:///needle.db")
    assert "s3cret" not in line


@pytest.mark.parametrize(
    ("setting", "value", "problem"),
    [
        ("TICK_SECONDS", "abc", "valid integer"),
        ("TICK_SECONDS", "-4", "greater than or equal to 5"),
        ("DEFAULT_TIMEZONE", "Mars/Base", "unknown time zone 'Mars/Base'"),
        ("LOG_LEVEL", "LOUD", "use DEBUG, INFO, WARNING or ERROR"),
        ("PORT", "http", "valid integer"),
    ],
)
def test_a_bad_setting_value_is_one_line(
    tmp_path: Path, setting: str, value: str, problem: str
) -> None:
    result = run(["chat"], tmp_path, **{setting: value})
    assert_one_line(result, f"{setting}={value!r}", problem, "environment or .env")


@pytest.mark.parametrize(
    ("setting", "value", "problem"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-1234-user-token", "starts with xoxb-"),
        ("SLACK_BOT_TOKEN", "xoxb-1234 5678", "a space"),
        ("DISCORD_TOKEN", "Bot MTIz.abc.def", "a space"),
        ("DISCORD_TOKEN", "MTIz/abc+def", "only letters, digits"),
    ],
)
def test_a_malformed_token_is_one_line_without_the_token(
    tmp_path: Path, setting: str, value: str, problem: str
) -> None:
    result = run(["run"], tmp_path, **{setting: value, "SLACK_SIGNING_SECRET": "secret"})
    line = assert_one_line(result, f"{setting}:", problem)
    assert value not in line


def test_a_token_with_surrounding_spaces_is_accepted(tmp_path: Path) -> None:
    result = run(["db", "upgrade"], tmp_path, DISCORD_TOKEN="  MTIz.abc.def-_x\n")
    assert result.returncode == 0, result.stderr


# --- PostgreSQL: the suite's real server, reached the wrong way ------------------------------


@pytest.fixture
def password_user(postgres_server: PostgresServer) -> Iterator[str]:
    """A user whose password the server checks (the suite's server trusts everyone else)."""
    postgres_server.sql("CREATE ROLE needle_pw LOGIN PASSWORD 'right-password'")
    hba = postgres_server.data / "pg_hba.conf"
    trusted = hba.read_text()
    hba.write_text("host all needle_pw 127.0.0.1/32 scram-sha-256\n" + trusted)
    postgres_server.sql("SELECT pg_reload_conf()")
    try:
        yield "needle_pw"
    finally:
        hba.write_text(trusted)
        postgres_server.sql("SELECT pg_reload_conf()")
        postgres_server.sql("DROP ROLE needle_pw")


@pytest.mark.postgres
def test_postgres_refusing_connections_is_one_line(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    closed = free_port()
    url = f"postgresql://postgres:pw@127.0.0.1:{closed}/needle"
    for command in (["run"], ["db", "upgrade"]):
        result = run(command, tmp_path, DATABASE_URL=url)
        assert_one_line(result, "DATABASE_URL", f"127.0.0.1:{closed} refuses connections")


@pytest.mark.postgres
def test_postgres_without_the_database_is_one_line(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    url = postgres_server.url("needle_never_created")
    result = run(["run"], tmp_path, DATABASE_URL=url)
    assert_one_line(result, "DATABASE_URL", "no database 'needle_never_created'", "createdb")


@pytest.mark.postgres
def test_postgres_rejecting_the_password_is_one_line(
    tmp_path: Path, postgres_server: PostgresServer, password_user: str
) -> None:
    server = f"127.0.0.1:{postgres_server.port}"
    wrong = f"postgresql://{password_user}:wrong-password@{server}/postgres"
    result = run(["run"], tmp_path, DATABASE_URL=wrong)
    line = assert_one_line(result, "DATABASE_URL", "rejected the password", password_user)
    assert "wrong-password" not in line


# --- the HTTP server's port, and tokens the platforms refuse ---------------------------------

# slack-bolt warns at every start and discord.py logs its login: keep the platforms' own
# logs out of stderr, which must hold the one line alone.
QUIET = "ERROR"


async def needle_async(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`needle ARGS` in a subprocess without blocking the loop the fakes serve on."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "DISCORD_", "DATABASE_URL"))
    }
    environment.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'needle.db'}", **env})
    process = await asyncio.create_subprocess_exec(
        *NEEDLE,
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=tmp_path,
        env=environment,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return subprocess.CompletedProcess(args, process.returncode, out.decode(), err.decode())


async def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with FakeSlack() as slack:
            result = await needle_async(
                tmp_path,
                "run",
                SLACK_BOT_TOKEN=DEFAULT_BOT_TOKEN,
                SLACK_SIGNING_SECRET=DEFAULT_SIGNING_SECRET,
                SLACK_API_URL=slack.base_url,
                HOST="127.0.0.1",
                PORT=str(port),
                LOG_LEVEL=QUIET,
            )
    assert_one_line(result, "PORT", f"127.0.0.1:{port} is already in use", "set PORT")


async def test_a_slack_token_slack_refuses_is_one_line(tmp_path: Path) -> None:
    async with FakeSlack() as slack:
        result = await needle_async(
            tmp_path,
            "run",
            SLACK_BOT_TOKEN="xoxb-revoked",
            SLACK_SIGNING_SECRET=DEFAULT_SIGNING_SECRET,
            SLACK_API_URL=slack.base_url,
            PORT="0",
            LOG_LEVEL=QUIET,
        )
    assert_one_line(result, "SLACK_BOT_TOKEN", "refused")


async def test_a_discord_token_discord_refuses_is_one_line(tmp_path: Path) -> None:
    async def unauthorized(request: web.Request) -> web.Response:
        return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", unauthorized)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        result = await needle_async(
            tmp_path,
            "run",
            DISCORD_TOKEN="MTIz.revoked.token",
            DISCORD_API_URL=f"http://127.0.0.1:{port}/api/v10",
            LOG_LEVEL=QUIET,
        )
    finally:
        await runner.cleanup()
    assert_one_line(result, "DISCORD_TOKEN", "refused the token")


def test_needle_help_loads_no_engine(tmp_path: Path) -> None:
    """`needle --help` answers from the standard library alone: no engine, SQLAlchemy,
    pydantic or chat platform library is imported."""
    probe = (
        "import sys, runpy; sys.argv = ['needle', '--help']\n"
        "try:\n    runpy.run_module('bot.cli', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "libraries = {'sqlalchemy', 'pydantic', 'alembic', 'aiohttp', 'discord', 'slack_bolt', "
        "'apscheduler', 'matplotlib', 'scheduler', 'adapters'}\n"
        "ours = ('bot.engine', 'bot.config', 'bot.storage', 'bot.commands')\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in libraries "
        "or m.startswith(ours))\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert "usage: needle" in result.stdout, result.stderr
    assert "HEAVY []" in result.stderr, result.stderr
