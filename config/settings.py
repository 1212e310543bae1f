"""Process-wide settings, read from the environment and `.env` when asked for (never at import)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

# The exit code of every configuration error (a missing or malformed setting), whatever the command.
CONFIG_ERROR_EXIT = 2
DATABASE_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")


class SettingsError(ValueError):
    """A setting is missing or malformed for what was asked; the message says which and how to fix it."""


class PlatformName(StrEnum):
    AUTO = "auto"
    CONSOLE = "console"
    DISCORD = "discord"
    SLACK = "slack"


class Settings(BaseSettings):
    """Every name here is a public interface: documented in README.md and .env.example."""

    # An empty value (`DISCORD_DEV_GUILD_ID=` as in .env.example) means "not set": the default applies.
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    hearth_platform: PlatformName = Field(
        PlatformName.AUTO, description="console, discord, slack, or auto (chosen from the tokens present)"
    )
    database_url: str = Field("sqlite+aiosqlite:///data/hearth.db", description="SQLAlchemy async URL")
    hearth_log_level: str = Field("INFO", description="Python logging level")
    hearth_activity_flush_seconds: float = Field(
        2.0, gt=0, le=60, description="Longest time message-activity points wait in memory before the ledger"
    )
    hearth_activity_batch_size: int = Field(500, ge=1, le=50_000, description="Flush activity points at this many")

    discord_token: str | None = None
    discord_dev_guild_id: int | None = None
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str | None = None
    slack_moderator_groups: str = Field(
        "", description="Comma-separated Slack user group ids (S0123...) whose members are moderators"
    )
    hearth_http_port: int = Field(3000, ge=0, le=65535)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            driver = make_url(value).drivername
        except ArgumentError:
            driver = None
        if driver not in DATABASE_DRIVERS:
            raise ValueError(
                "expected sqlite+aiosqlite:///path/to/hearth.db or postgresql+asyncpg://user:password@host:5432/db"
            )
        return value

    @field_validator("hearth_log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("expected DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    def chosen_platform(self) -> PlatformName:
        """The explicit choice, else Discord when its token is set, else Slack, else the console."""
        if self.hearth_platform is not PlatformName.AUTO:
            return self.hearth_platform
        if self.discord_token:
            return PlatformName.DISCORD
        if self.slack_bot_token:
            return PlatformName.SLACK
        return PlatformName.CONSOLE

    def slack_moderator_group_ids(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.slack_moderator_groups.split(",") if part.strip())

    def sqlite_path(self) -> Path | None:
        """The database file when DATABASE_URL names a SQLite file (so its folder can be created)."""
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            rest = self.database_url[len(prefix) :]
            return Path(rest) if rest and rest != ":memory:" else None
        return None


def load_settings(**overrides: object) -> Settings:
    """Read settings now; keyword overrides win over the environment (used by the CLI flags).
    A malformed value raises SettingsError: one line per setting, naming it, the value and what is expected."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError("\n".join(_describe(problem) for problem in error.errors())) from None


def _describe(problem: Mapping[str, Any]) -> str:
    """`NAME=value: what is expected`, in words a person reads rather than pydantic's."""
    name = ".".join(str(part) for part in problem["loc"]).upper()
    value = problem.get("input")
    if name == "DATABASE_URL" and isinstance(value, str):
        value = masked_url(value)
    context = problem.get("ctx") or {}
    expected = {
        "int_parsing": "expected a whole number",
        "int_from_float": "expected a whole number",
        "float_parsing": "expected a number",
        "bool_parsing": "expected true or false",
        "greater_than_equal": f"expected at least {context.get('ge')}",
        "greater_than": f"expected more than {context.get('gt')}",
        "less_than_equal": f"expected at most {context.get('le')}",
        "less_than": f"expected less than {context.get('lt')}",
        "enum": f"expected one of {context.get('expected')}",
    }.get(problem["type"])
    if expected is None:
        text = str(problem["msg"]).removeprefix("Value error, ")
        expected = text[:1].lower() + text[1:]
    return f"{name}={value}: {expected}"


def masked_url(url: str) -> str:
    """A database URL fit for a message: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def require_platform_token(settings: Settings) -> None:
    """The chosen platform's token must be there before anything starts (no migration, no scheduler)."""
    platform = settings.chosen_platform()
    if platform is PlatformName.DISCORD and not settings.discord_token:
        raise SettingsError(
            "DISCORD_TOKEN is not set: the discord platform needs the bot token from the Developer Portal (Bot tab)."
        )
    if platform is PlatformName.SLACK and not settings.slack_bot_token:
        raise SettingsError(
            "SLACK_BOT_TOKEN is not set: the slack platform needs the Bot User OAuth Token (xoxb-...) from your "
            "Slack app's OAuth & Permissions page."
        )
