"""Process-wide settings, read from the environment and `.env` when asked for (never at import)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(ValueError):
    """A setting is missing or malformed for what was asked; the message says which and how to fix it."""


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

    def sqlite_path(self) -> Path | None:
        """The database file when DATABASE_URL names a SQLite file (so its folder can be created)."""
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            rest = self.database_url[len(prefix) :]
            return Path(rest) if rest and rest != ":memory:" else None
        return None


def load_settings(**overrides: object) -> Settings:
    """Read settings now; keyword overrides win over the environment (used by the CLI flags)."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
