"""Process-wide settings, read from the environment and `.env` when asked for (never at import)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(ValueError):
    """A setting is missing or malformed for what was asked; the message says which and how to fix it."""


# Every feature Hearth ships, in load order (a cog's package under cogs/). HEARTH_COGS picks a subset.
ALL_COGS: tuple[str, ...] = ("settings", "recognition", "onboarding", "introductions", "rituals")


class Settings(BaseSettings):
    """Every name here is a public interface: documented in README.md and .env.example. Each platform's own
    settings (DISCORD_TOKEN, SLACK_BOT_TOKEN, ...) are its package's model (`bot/platforms/<name>/settings.py`)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    hearth_platform: str = Field(
        "auto", description="a platform's name (console, discord, slack), or auto (chosen from the tokens present)"
    )
    database_url: str = Field("sqlite+aiosqlite:///data/hearth.db", description="SQLAlchemy async URL")
    hearth_log_level: str = Field("INFO", description="Python logging level")
    hearth_activity_flush_seconds: float = Field(
        2.0, gt=0, le=60, description="Longest time message-activity points wait in memory before the ledger"
    )
    hearth_activity_batch_size: int = Field(500, ge=1, le=50_000, description="Flush activity points at this many")

    hearth_cogs: str = Field("", description="Comma-separated features to load (default: all of ALL_COGS)")

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
