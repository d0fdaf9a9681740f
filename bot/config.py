"""Needle's settings: read once from the environment and `.env`, validated, then passed in."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
        raise ValueError("expected a URL such as sqlite:///needle.db or postgresql://host/db")
    if "+" in scheme:
        return url
    if scheme == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+asyncpg://{rest}"
    raise ValueError(f"unsupported database {scheme!r}: use sqlite or postgresql")


class Settings(BaseSettings):
    """Every setting Needle reads; `.env.example` documents each one."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite:///needle.db"
    log_level: str = "INFO"
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
    host: str = "0.0.0.0"
    port: int = Field(default=3000, ge=0, le=65535)

    # Discord
    discord_token: str = ""
    discord_api_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str = ""
    discord_guild_id: str = ""

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return async_database_url(value.strip())

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown time zone {value!r}") from err
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("use DEBUG, INFO, WARNING or ERROR")
        return level

    @property
    def catch_up(self) -> timedelta:
        """How late a scheduled delivery may still be sent after downtime."""
        return timedelta(hours=self.catch_up_hours)

    @property
    def slack_enabled(self) -> bool:
        """True when Slack is configured (a bot token, or OAuth client credentials)."""
        return bool(self.slack_bot_token or (self.slack_client_id and self.slack_client_secret))

    @property
    def discord_enabled(self) -> bool:
        """True when a Discord bot token is set."""
        return bool(self.discord_token)


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings; raise SettingsError with one line naming the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        first = err.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"{name}: {first['msg']}") from err
