"""A throwaway PostgreSQL server for the test suite, and the fixtures that run tests on it.

The first test that needs PostgreSQL starts a cluster in a temporary folder: `initdb` (as the
`postgres` system user when the suite runs as root, since initdb refuses root), `pg_ctl start`
on a free loopback port, one migrated template database, then one fresh database per test
copied from the template. At the end of the session the server is stopped and the folder
removed.

A test may stop the server and start it again mid-test (`PostgresServer.halt` and `resume`,
through the `postgres_outage` fixture) to see Needle through a database restart.

Tests choose their databases with markers:
- `@pytest.mark.both_databases`: every test using `database_url` runs on SQLite and on
  PostgreSQL (the PostgreSQL run is also marked `postgres`, so `-m postgres` selects it);
- `@pytest.mark.postgres` alone: PostgreSQL only.

Without PostgreSQL binaries the PostgreSQL runs are skipped with the reason; under CI
(`CI=true`) they fail instead, so CI can never pass without them.

Run as a module it is the worker of the two-process test (tests/test_postgres_scheduler.py):
`python -m tests.pg worker --database URL --sink FILE --name NAME --now ISO`; it connects,
prints `ready`, and ticks once when a line arrives on its standard input.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import glob
import itertools
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")
TEMPLATE = "needle_template"
PG_TOOLS = ("initdb", "pg_ctl", "psql")


def in_ci() -> bool:
    """True when running under CI, where missing PostgreSQL is an error, not a skip."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def find_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, or Debian's /usr/lib/postgresql/*/bin."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    return Path(versions[-1]).parent if versions else None


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_async(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion on a loop of its own (safe inside a running test loop)."""
    result: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(factory()))
        except BaseException as err:
            errors.append(err)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


class PostgresServer:
    """One PostgreSQL cluster in a temporary folder, on a free port of 127.0.0.1."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="needle-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        self._as_postgres = os.geteuid() == 0
        self._names = itertools.count(1)
        self.running = False

    def _tool(self, name: str) -> str:
        return str(self.bindir / name) if (self.bindir / name).exists() else name

    def _run_as_owner(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        """Run a server tool as the cluster's owner (`postgres` when we are root)."""
        command = ["runuser", "-u", "postgres", "--", *args] if self._as_postgres else args
        return subprocess.run(command, capture_output=True, text=True, check=False, cwd="/")

    def start(self) -> None:
        """initdb, then pg_ctl start on a free port; raises RuntimeError with the log on failure."""
        if self._as_postgres:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError as err:
                raise RuntimeError("running as root needs a `postgres` system user") from err
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self.root.chmod(0o700)
        init = self._run_as_owner(
            [
                self._tool("initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stderr or init.stdout}")
        for _ in range(5):
            self.port = free_port()
            started = self._pg_ctl_start()
            if started.returncode == 0:
                self.running = True
                atexit.register(self.stop)
                return
        log = self.log.read_text() if self.log.exists() else started.stderr
        raise RuntimeError(f"pg_ctl start failed: {log[-2000:]}")

    def _pg_ctl_start(self) -> subprocess.CompletedProcess[str]:
        """`pg_ctl start` on `self.port` and the data folder, waiting until it accepts."""
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=300"
        )
        return self._run_as_owner(
            [
                self._tool("pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        )

    def halt(self) -> None:
        """Stop the server like an operator restarting it (`pg_ctl stop -m fast`: open
        connections are cut, new ones refused), keeping its data folder and port for `resume`.
        Blocking: from a test's event loop call it through `asyncio.to_thread`."""
        done = self._run_as_owner(
            [self._tool("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]
        )
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl stop failed: {done.stderr or done.stdout}")
        self.running = False

    def resume(self) -> None:
        """Start the server `halt` stopped, on the same port with the same data. Blocking."""
        started = self._pg_ctl_start()
        if started.returncode != 0:
            log = self.log.read_text() if self.log.exists() else started.stderr
            raise RuntimeError(f"pg_ctl start failed: {log[-2000:]}")
        self.running = True

    def stop(self) -> None:
        """Stop the server at once and remove its folder."""
        if self.running:
            self._run_as_owner(
                [self._tool("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"]
            )
            self.running = False
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        """The connection URL of a database on this server."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str) -> None:
        """Run one statement in the `postgres` database."""
        done = subprocess.run(
            [
                self._tool("psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "-c",
                statement,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{statement}: {done.stderr}")

    def create_template(self) -> None:
        """Create the template database and migrate it to the newest schema."""
        from bot.storage.db import Database
        from bot.storage.migrate import upgrade

        self.sql(f'CREATE DATABASE "{TEMPLATE}"')

        async def migrate() -> None:
            database = Database(self.url(TEMPLATE))
            try:
                await upgrade(database)
            finally:
                await database.dispose()

        run_async(migrate)

    def fresh_database(self) -> str:
        """A new database copied from the migrated template; returns its name."""
        name = f"needle_test_{os.getpid()}_{next(self._names)}"
        self.sql(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
        return name

    def drop_database(self, name: str) -> None:
        """Drop a test's database, closing whatever is still connected."""
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_outage(postgres_server: PostgresServer) -> Iterator[PostgresServer]:
    """The suite's server for a test that stops and starts it (`halt`, `resume`); it runs
    again after the test whatever the test did, for the tests after it."""
    yield postgres_server
    if not postgres_server.running:
        postgres_server.resume()


def missing_postgres(reason: str) -> None:
    """Skip (locally) or fail (under CI) for want of PostgreSQL."""
    message = f"PostgreSQL tests need a local PostgreSQL server: {reason}"
    if in_ci():
        pytest.fail(message + " (CI=true: failing instead of skipping)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The suite's PostgreSQL server, started on first use and removed at the end."""
    bindir = find_bindir()
    if bindir is None:
        missing_postgres("initdb and pg_ctl not found (install the `postgresql` package)")
        return
    server = PostgresServer(bindir)
    try:
        server.start()
        server.create_template()
    except (RuntimeError, OSError) as err:
        server.stop()
        if in_ci():
            pytest.fail(f"could not start PostgreSQL: {err}", pytrace=False)
        missing_postgres(f"could not start it: {err}")
        return
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test."""
    name = postgres_server.fresh_database()
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker that runs a test on both databases."""
    config.addinivalue_line("markers", "both_databases: run the test on SQLite and on PostgreSQL")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Give `database_url` the backends a test's markers ask for."""
    if "database_url" not in metafunc.fixturenames:
        return
    definition = metafunc.definition
    if definition.get_closest_marker("both_databases") is not None:
        backends = ["sqlite", "postgresql"]
    elif definition.get_closest_marker("postgres") is not None:
        backends = ["postgresql"]
    else:
        return
    metafunc.parametrize(
        "database_url",
        [
            pytest.param(
                backend,
                id=backend,
                marks=[pytest.mark.postgres] if backend == "postgresql" else [],
            )
            for backend in backends
        ],
        indirect=True,
    )


# --- the worker of the two-process test -------------------------------------------------------


class FileSink:
    """An adapter that 'delivers' by appending a line per message to a file, after a pause."""

    platform = "sink"

    def __init__(self, path: Path, name: str, pause: float) -> None:
        self.path = path
        self.name = name
        self.pause = pause

    async def start(self) -> None:
        """Nothing to connect."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    async def send(self, address: Any, reply: Any) -> None:
        """Record the delivery (who, what, by which instance) once the pause is over."""
        await asyncio.sleep(self.pause)
        line = json.dumps({"user": address.user_id, "kind": reply.kind, "by": self.name})
        with self.path.open("a", encoding="utf-8") as sink:
            sink.write(line + "\n")
            sink.flush()


async def _wait_for_peers(marks: Path, name: str, peers: int) -> None:
    """Mark this instance as having read its due list, then wait (up to a minute) until every
    peer has too: no instance claims before all of them know what is due, so their due lists
    overlap and the claims race on every run, not only when the machine's timing allows."""
    await asyncio.to_thread((marks / f"{name}.due").touch)
    for _ in range(6000):
        if await asyncio.to_thread(lambda: len(list(marks.glob("*.due")))) >= peers:
            return
        await asyncio.sleep(0.01)
    raise TimeoutError("the other instances never read their due lists")


async def _worker(args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import text

    from adapters.base import Outbox
    from bot.clock import FakeClock
    from bot.storage.db import Database
    from scheduler.service import Scheduler

    now = datetime.fromisoformat(args.now)
    database = Database(args.database)
    outbox = Outbox()
    outbox.register(FileSink(Path(args.sink), args.name, args.pause))
    scheduler = Scheduler(
        database,
        outbox,
        FakeClock(now),
        owner=args.name,
        concurrency=args.concurrency,
    )
    deliver = scheduler.deliverer.deliver

    async def deliver_with_peers(work: Any, now: datetime, started: float | None = None) -> Any:
        await _wait_for_peers(Path(args.sink).parent, args.name, args.peers)
        return await deliver(work, now, started)

    scheduler.deliverer.deliver = deliver_with_peers  # type: ignore[method-assign]
    async with database.transaction() as session:  # connect before the start line
        await session.execute(text("SELECT 1"))
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)  # the parent starts every worker at once
    report = await scheduler.tick(now)
    await database.dispose()
    return {
        "name": args.name,
        "claimed": report.delivery.claimed,
        "sent": report.delivery.sent,
        "due": report.delivery.due,
    }


def main() -> None:
    """`python -m tests.pg worker …`: one scheduler instance ticking once at a fixed instant."""
    parser = argparse.ArgumentParser(prog="python -m tests.pg")
    sub = parser.add_subparsers(dest="command", required=True)
    worker = sub.add_parser("worker")
    worker.add_argument("--database", required=True)
    worker.add_argument("--sink", required=True)
    worker.add_argument("--name", required=True)
    worker.add_argument("--now", required=True)
    worker.add_argument("--concurrency", type=int, default=10)
    worker.add_argument("--pause", type=float, default=0.002)
    worker.add_argument("--peers", type=int, default=1)
    args = parser.parse_args()
    started = time.monotonic()
    result = asyncio.run(_worker(args))
    result["seconds"] = round(time.monotonic() - started, 3)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
