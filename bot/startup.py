"""Why Needle could not start, in one line: the setting to fix and what to do about it.

`explain()` reads whatever stopped a `needle` command on its way up — a bad setting, a database
that cannot be opened or reached, a token the platform refused, a port already taken — and
returns the line to print, like
`DATABASE_URL: the folder /srv/needle does not exist; create it or point DATABASE_URL at ...`.
It looks through the whole chain of the error (SQLAlchemy's `orig`, `__cause__`,
`__context__`), since the telling error is usually wrapped. `StartupPhase` tells the command
line whether the process is still starting (every failure is one line) or already running
(an unforeseen error keeps its traceback).

Only the standard library is imported here: the command line may need this module before
anything else has loaded.
"""

from __future__ import annotations

import errno
import os
import socket
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

# SQLSTATE codes PostgreSQL answers a refused connection with.
PG_WRONG_PASSWORD = "28P01"
PG_REFUSED_LOGIN = "28000"
PG_NO_DATABASE = "3D000"
PG_TOO_MANY_CONNECTIONS = "53300"


class StartupPhase:
    """Whether the command is still starting; `ready()` marks the point where it runs."""

    def __init__(self) -> None:
        self.starting = True

    def ready(self) -> None:
        """Everything has started: later errors are the running program's, not start-up's."""
        self.starting = False


@dataclass(frozen=True)
class DatabaseSetting:
    """Where the database URL came from (`DATABASE_URL`, or `--database` of `needle demo`)."""

    name: str
    url: str


def causes(error: BaseException) -> Iterator[BaseException]:
    """`error`, then every error it wraps or was raised from, each once."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for inner in (getattr(current, "orig", None), current.__cause__, current.__context__):
            if isinstance(inner, BaseException):
                pending.append(inner)
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)


def safe_url(url: str) -> str:
    """A database URL without its password, for messages."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if at and ":" in credentials:
        rest = f"{credentials.split(':', 1)[0]}:***@{host}"
    return f"{scheme}{sep}{rest}"


def explain(
    error: BaseException,
    database: DatabaseSetting | None = None,
    *,
    host: str = "",
    port: int | None = None,
) -> str | None:
    """The one line saying which setting stopped start-up and what to do, or None when the
    error is none of the foreseen kinds. `host` and `port` are the HTTP server's settings."""
    for cause in causes(error):
        if _is_settings_error(cause):
            return str(cause)
    for cause in causes(error):
        if type(cause).__name__ == "LoginFailure":  # discord.py: the token was refused
            return (
                "DISCORD_TOKEN: Discord refused the token; copy the bot token again from the "
                "Developer Portal (Bot, Reset Token)"
            )
        if isinstance(cause, OSError) and "bind" in str(cause):
            return _listen_problem(cause, host, port)
    if database is None:
        return None
    if database.url.startswith("sqlite"):
        return _sqlite_problem(error, database)
    return _postgres_problem(error, database)


def _is_settings_error(error: BaseException) -> bool:
    return any(kind.__name__ == "SettingsError" for kind in type(error).__mro__)


def _listen_problem(error: OSError, host: str, port: int | None) -> str:
    where = f"{host or '0.0.0.0'}:{port}"
    if error.errno == errno.EADDRINUSE:
        return (
            f"PORT: {where} is already in use by another program; stop it or set PORT to a "
            "free port"
        )
    if error.errno == errno.EACCES:
        return f"PORT: not allowed to listen on {where}; set PORT to 1024 or above"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"HOST: {host!r} is not an address of this machine; set HOST to 0.0.0.0 or one"
    return f"PORT: cannot listen on {where} ({error.strerror or error}); check HOST and PORT"


def _sqlite_problem(error: BaseException, database: DatabaseSetting) -> str | None:
    setting = database.name
    path = _sqlite_path(database.url)
    for cause in causes(error):
        if not isinstance(cause, sqlite3.Error):
            continue
        message = str(cause)
        if path is not None and "unable to open" in message:
            folder = path.parent
            if not folder.exists():
                return (
                    f"{setting}: the folder {folder} does not exist; create it or point "
                    f"{setting} at a file in an existing folder"
                )
            if not folder.is_dir():
                return f"{setting}: {folder} is not a folder; point {setting} at a file in a folder"
            if path.is_dir():
                return f"{setting}: {path} is a folder; point {setting} at a file in it"
            return (
                f"{setting}: Needle cannot create or open {path} (no write access to {folder}?); "
                f"give it write access or point {setting} at a writable folder"
            )
        if "readonly" in message or "read-only" in message:
            return (
                f"{setting}: {path or 'the database'} is read-only; give Needle write access "
                "to the file and its folder"
            )
        if "not a database" in message:
            return (
                f"{setting}: {path} is not an SQLite database; point {setting} at Needle's "
                "database or a new file"
            )
        return f"{setting}: cannot use the SQLite database ({message}); check {setting}"
    return None


def open_sqlite_first(url: str) -> None:
    """Open an SQLite file once with the standard driver before anything async does: a file
    Needle cannot open fails here, as a plain `sqlite3.Error` for `explain`, instead of inside
    aiosqlite, whose worker thread would then report on an event loop already closed."""
    if not url.startswith("sqlite"):
        return
    path = _sqlite_path(url)
    if path is not None and "mode=memory" not in url:
        sqlite3.connect(path).close()


def _sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (`sqlite:///rel.db`, `sqlite:////abs.db`), None in memory."""
    rest = url.partition("://")[2]
    file = unquote(rest.partition("?")[0].removeprefix("/"))
    return None if file in ("", ":memory:") else Path(file)


def _postgres_problem(error: BaseException, database: DatabaseSetting) -> str | None:
    setting = database.name
    parts = urlsplit(database.url)
    try:
        server = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    except ValueError:
        server = parts.hostname or "localhost"
    name = parts.path.lstrip("/") or parts.username or "postgres"
    user = parts.username or os.environ.get("USER", "")
    for cause in causes(error):
        code = getattr(cause, "sqlstate", None)
        if code == PG_WRONG_PASSWORD:
            return (
                f"{setting}: PostgreSQL at {server} rejected the password of user {user!r}; "
                f"fix the password in {setting}"
            )
        if code == PG_REFUSED_LOGIN:
            return (
                f"{setting}: PostgreSQL at {server} refused user {user!r} ({cause}); fix the "
                f"user in {setting} or allow it in pg_hba.conf"
            )
        if code == PG_NO_DATABASE:
            return (
                f"{setting}: PostgreSQL at {server} has no database {name!r}; create it "
                f"(createdb {name}) or fix the name in {setting}"
            )
        if code == PG_TOO_MANY_CONNECTIONS:
            return f"{setting}: PostgreSQL at {server} has no free connection; try again later"
    for cause in causes(error):
        if isinstance(cause, socket.gaierror):
            return f"{setting}: the host {parts.hostname!r} is not known; fix the host in {setting}"
        if isinstance(cause, TimeoutError):
            return f"{setting}: PostgreSQL at {server} does not answer; check the host and port"
        if isinstance(cause, OSError):
            return (
                f"{setting}: PostgreSQL at {server} refuses connections; start it or fix the "
                f"host and port in {setting}"
            )
    for cause in causes(error):
        if type(cause).__module__.startswith("asyncpg") or type(cause).__name__ in (
            "OperationalError",
            "InterfaceError",
        ):
            return f"{setting}: cannot use {safe_url(database.url)} ({cause}); check {setting}"
    return None
