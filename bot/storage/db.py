"""The database handle: an async engine, sessions, and the SQLite settings that keep it safe.

`transaction()` is the unit of work everywhere. `run_sync(fn, ...)` runs a plain function over
a sync Connection as one transaction, for batch writes that must cost the event loop little
(the scheduler's claims and outcomes): on an SQLite file it runs whole in one worker thread
with a connection of its own, so the loop hands it over once instead of once per statement
and row; on PostgreSQL it runs on the async engine like any other transaction.
`is_connection_error` tells a lost or refused connection (worth waiting out) from an error in
the work itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from asyncpg import exceptions as asyncpg_errors
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy import exc as sa_errors
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.config import async_database_url

T = TypeVar("T")

# Errors that say the database could not be reached or the connection broke off, whichever
# layer raises them: the socket (refused, reset), asyncpg (connection gone or closed, server
# starting or shutting down), SQLAlchemy's InterfaceError, pool disconnects and timeouts. An
# OperationalError or other DBAPIError counts when it wraps one of these (`orig` and causes)
# or SQLAlchemy saw the connection drop; by itself it may be a full disk or a locked file.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg_errors.PostgresConnectionError,
    asyncpg_errors.CannotConnectNowError,
    asyncpg_errors.AdminShutdownError,
    asyncpg_errors.CrashShutdownError,
    asyncpg_errors.InterfaceError,
    sa_errors.InterfaceError,
    sa_errors.DisconnectionError,
    sa_errors.TimeoutError,
)


def is_connection_error(err: BaseException) -> bool:
    """True when `err`, or an error it wraps or was raised from, is a lost or refused database
    connection (see CONNECTION_ERRORS); False for errors in the work itself (a constraint)."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, CONNECTION_ERRORS):
            return True
        if isinstance(current, sa_errors.DBAPIError) and current.connection_invalidated:
            return True
        orig = current.orig if isinstance(current, sa_errors.DBAPIError) else None
        current = orig if isinstance(orig, BaseException) else current.__cause__
    return False


class Database:
    """One async engine and its session factory; `transaction()` is the unit of work."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = async_database_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        self._writer: Engine | None = None
        self._writer_thread: ThreadPoolExecutor | None = None
        if self.is_sqlite:
            _configure_sqlite(self.engine.sync_engine)
            file = make_url(self.url)
            if file.database not in (None, "", ":memory:") and file.query.get("mode") != "memory":
                # The same file through the standard sqlite3 driver, used by one thread only.
                self._writer = create_engine(
                    file.set(drivername="sqlite"),
                    connect_args={"timeout": 30, "check_same_thread": False},
                )
                _configure_sqlite(self._writer)
                self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix="needle-sqlite")
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def run_sync(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(connection, *args)` in one transaction: committed on success, rolled back on error.

        On an SQLite file the whole transaction runs in the writer thread; otherwise on the
        async engine (`AsyncConnection.run_sync`).
        """
        if self._writer_thread is None:
            async with self.engine.begin() as connection:
                return await connection.run_sync(fn, *args)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer_thread, self._in_writer, fn, args)

    def _in_writer(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        assert self._writer is not None
        with self._writer.begin() as connection:
            return fn(connection, *args)

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
        if self._writer_thread is not None and self._writer is not None:
            await asyncio.get_running_loop().run_in_executor(
                self._writer_thread, self._writer.dispose
            )


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, and BEGIN IMMEDIATE so concurrent writers wait instead of failing."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
