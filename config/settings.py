"""Process-wide settings, read from the environment and `.env` when asked for (never at import)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(ValueError):
    """A setting is missing or malformed for what was asked; the message says which and how to fix it."""


# Every feature Hearth ships, in load order (a cog's package under cogs/). HEARTH_COGS picks a subset.
ALL_COGS: tuple[str, ...] = ("settings", "recognition", "onboarding", "introductions", "rituals")


class PlatformName(StrEnum):
    AUTO = "auto"
    CONSOLE = "console"
    DISCORD = "discord"
    SLACK = "slack"


class Settings(BaseSettings):
    """Every name here is a public interface: documented in README.md and .env.example."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

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
    hearth_cogs: str = Field("", description="Comma-separated features to load (default: all of ALL_COGS)")

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

    @field_validator("hearth_cogs")
    @classmethod
    def _known_cogs(cls, value: str) -> str:
        unknown = [name for name in _names(value) if name not in ALL_COGS]
        if unknown:
            raise ValueError(
                f"HEARTH_COGS names {', '.join(unknown)}, which Hearth does not have; choose from {', '.join(ALL_COGS)}"
            )
        return value

    def chosen_cogs(self) -> tuple[str, ...]:
        """The cog packages to load (`cogs.recognition`, ...), in Hearth's load order."""
        wanted = _names(self.hearth_cogs)
        return tuple(f"cogs.{name}" for name in ALL_COGS if not wanted or name in wanted)

    def sqlite_path(self) -> Path | None:
        """The database file when DATABASE_URL names a SQLite file (so its folder can be created)."""
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            rest = self.database_url[len(prefix) :]
            return Path(rest) if rest and rest != ":memory:" else None
        return None


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def load_settings(**overrides: object) -> Settings:
    """Read settings now; keyword overrides win over the environment (used by the CLI flags)."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
