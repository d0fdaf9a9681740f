"""Needle's settings: read once from the environment and `.env`, validated, then passed in.

A bad value stops start-up with one line naming the setting (`load_settings`); the values
checked here are those that can be told wrong without connecting anywhere: the database URL's
form and driver, time zones, numbers in range, and the form of the chat platforms' tokens.
"""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.startup import safe_url

URL_EXAMPLE = "sqlite:///needle.db or postgresql://user:password@host:5432/needle"
ASYNC_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
SECRET_SETTINGS = frozenset(
    {"slack_bot_token", "slack_app_token", "slack_signing_secret", "slack_client_secret"}
    | {"discord_token"}
)
# A Discord bot token is three base64url parts joined by dots.
DISCORD_TOKEN_FORM = re.compile(r"[A-Za-z0-9_.-]+")


class SettingsError(Exception):
    """A setting has a bad value; the message names the setting in one line."""


def async_database_url(url: str) -> str:
    """Turn the usual database URL forms into one with an async driver.

    `sqlite:///needle.db` -> `sqlite+aiosqlite:///needle.db`,
    `postgresql://u:p@h/db` (or `postgres://`) -> `postgresql+asyncpg://u:p@h/db`.
    A URL that already names a driver is kept.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"not a database URL; use one like {URL_EXAMPLE}")
    if scheme == "sqlite":
        url = f"sqlite+aiosqlite://{rest}"
    elif scheme in ("postgresql", "postgres"):
        url = f"postgresql+asyncpg://{rest}"
    elif scheme not in ASYNC_DRIVERS:
        raise ValueError(f"unsupported database or driver {scheme!r}; use one like {URL_EXAMPLE}")
    try:
        port = make_url(url).port
    except (ArgumentError, ValueError) as err:
        # Not the parser's words: they repeat the URL, password included.
        raise ValueError(f"malformed URL; use one like {URL_EXAMPLE}") from err
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"port {port} is out of range; use one like {URL_EXAMPLE}")
    return url


def parse_shard_ids(text: str, count: int) -> tuple[int, ...]:
    """The shard ids in `text` (`0,1`, `0-3`, `0-3,8`), each below `count`; empty means all.

    Raises ValueError saying what is wrong, for the start-up line.
    """
    if not text.strip():
        return tuple(range(count))
    ids: set[int] = set()
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        if not first.strip().isdigit() or (dash and not last.strip().isdigit()):
            raise ValueError(
                f"{part.strip()!r} is not a shard id or range; use ids and ranges like 0,1 or 0-3"
            )
        low, high = int(first), int(last) if dash else int(first)
        if high < low:
            raise ValueError(f"the range {part.strip()} runs backwards; write it low-high")
        if high >= count:
            raise ValueError(
                f"shard {high} does not exist with DISCORD_SHARD_COUNT={count}; shard ids run "
                f"from 0 to {count - 1}"
            )
        ids.update(range(low, high + 1))
    return tuple(sorted(ids))


class Settings(BaseSettings):
    """Every setting Needle reads; `.env.example` documents each one."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite:///needle.db"
    log_level: str = "INFO"
    # text: readable lines; json: one JSON object a line (time, level, logger, message).
    log_format: str = "text"
    default_timezone: str = "UTC"

    # Seconds a message waits for the database to come back (a restart) before the member is
    # told it was not saved.
    outage_retry_seconds: int = Field(default=60, ge=0, le=600)

    # Console coach
    console_user: str = ""

    # Scheduler
    tick_seconds: int = Field(default=30, ge=5, le=300)
    catch_up_hours: float = Field(default=3.0, ge=0, le=48)
    claim_lease_seconds: int = Field(default=300, ge=10, le=86400)
    send_concurrency: int = Field(default=20, ge=1, le=500)
    # Chat events an adapter holds accepted and unanswered before it turns new ones away.
    event_queue_max: int = Field(default=2000, ge=1, le=1_000_000)
    instance_name: str = ""

    # Slack
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_client_id: str = ""
    slack_client_secret: str = ""
    slack_api_url: str = "https://slack.com/api/"

    # The HTTP server (Slack's HTTP mode, /healthz, the dashboard). HOST empty: every
    # interface when a chat platform is configured, else only this machine.
    host: str = ""
    port: int = Field(default=3000, ge=0, le=65535)
    # Where people reach the dashboard (links in chat start with it); default localhost:PORT.
    public_url: str = ""
    # Signs dashboard links and sessions; empty: a secret kept in the database, shared by
    # every instance on it.
    secret_key: str = ""

    # Discord
    discord_token: str = ""
    discord_api_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str = ""
    discord_guild_id: str = ""
    # Sharding (Discord requires it past 2,500 servers): the total number of shards, and the
    # shards this process runs (`0,1` or `0-3`; empty: all of them). Unset: no sharding.
    discord_shard_count: int | None = Field(default=None, ge=1, le=100_000)
    discord_shard_ids: str = ""

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return async_database_url(value.strip())

    @field_validator(*SECRET_SETTINGS)
    @classmethod
    def _secret(cls, value: str) -> str:
        value = value.strip()
        if any(char.isspace() or char in "\"'" or not char.isascii() for char in value):
            raise ValueError(
                "malformed: it holds a space, a quote or a non-ASCII character; paste the "
                "value alone"
            )
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _slack_bot_token(cls, value: str) -> str:
        if value and not value.startswith("xoxb-"):
            raise ValueError(
                "malformed: a bot token starts with xoxb-; copy the Bot User OAuth Token "
                "from the app's OAuth & Permissions page"
            )
        return value

    @field_validator("discord_token")
    @classmethod
    def _discord_token(cls, value: str) -> str:
        if value and not DISCORD_TOKEN_FORM.fullmatch(value):
            raise ValueError(
                "malformed: a bot token holds only letters, digits, '.', '_' and '-'; copy it "
                "again from the Developer Portal (Bot, Reset Token)"
            )
        return value

    @field_validator("discord_shard_count", mode="before")
    @classmethod
    def _discord_shard_count(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("discord_shard_ids")
    @classmethod
    def _discord_shard_ids(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if not value:
            return value
        if "discord_shard_count" not in info.data:
            return value  # the count itself was bad: that error is the one to show
        count = info.data["discord_shard_count"]
        if count is None:
            raise ValueError(
                "needs DISCORD_SHARD_COUNT, the total number of shards every process agrees on"
            )
        parse_shard_ids(value, count)
        return value

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown time zone {value!r}; use one like Europe/Berlin") from err
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("use DEBUG, INFO, WARNING or ERROR")
        return level

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// address")
        return value

    @property
    def web_host(self) -> str:
        """Where the HTTP server listens: HOST, else everywhere only when a platform needs it."""
        if self.host:
            return self.host
        return "0.0.0.0" if self.slack_enabled or self.discord_enabled else "127.0.0.1"

    @property
    def dashboard_url(self) -> str:
        """The public address of the dashboard, without a trailing slash."""
        return self.public_url or f"http://localhost:{self.port}"

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        form = value.strip().lower()
        if form not in ("text", "json"):
            raise ValueError("use text or json")
        return form

    @property
    def catch_up(self) -> timedelta:
        """How late a scheduled delivery may still be sent after downtime."""
        return timedelta(hours=self.catch_up_hours)

    @property
    def slack_enabled(self) -> bool:
        """True when Slack is configured (a bot token, or OAuth client credentials)."""
        return bool(self.slack_bot_token or (self.slack_client_id and self.slack_client_secret))

    @property
    def discord_shards(self) -> tuple[int, ...] | None:
        """The shard ids this process runs; None without sharding (one gateway connection)."""
        if self.discord_shard_count is None:
            return None
        return parse_shard_ids(self.discord_shard_ids, self.discord_shard_count)

    @property
    def discord_enabled(self) -> bool:
        """True when a Discord bot token is set."""
        return bool(self.discord_token)


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings; raise SettingsError with one line naming the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        raise SettingsError(describe(err)) from err


def describe(err: ValidationError) -> str:
    """One line for the first bad setting: its name, its value (never a secret's), the problem,
    and where to fix it."""
    first = err.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    name = field.upper() or "settings"
    problem = str(first["msg"]).removeprefix("Value error, ")
    problem = problem[:1].lower() + problem[1:]
    value = first.get("input")
    shown = ""
    if isinstance(value, str) and field not in SECRET_SETTINGS:
        shown = f"={(safe_url(value) if field == 'database_url' else value)!r}"
    return f"{name}{shown}: {problem} (set {name} in the environment or .env)"
