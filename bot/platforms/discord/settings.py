"""Discord's settings (public names: documented in README.md and .env.example)."""

from __future__ import annotations

from bot.platforms import PlatformSettings


class DiscordSettings(PlatformSettings):
    discord_token: str | None = None
    discord_dev_guild_id: int | None = None
