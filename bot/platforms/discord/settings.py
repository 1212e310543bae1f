"""Discord's settings (public names: documented in README.md and .env.example)."""

from __future__ import annotations

from bot.platforms import PlatformSettings
from config.settings import SettingsError


class DiscordSettings(PlatformSettings):
    discord_token: str | None = None
    discord_dev_guild_id: int | None = None

    def check(self) -> None:
        if not self.discord_token or not self.discord_token.strip():
            raise SettingsError(
                "DISCORD_TOKEN is not set: the discord platform needs the bot token from the Developer Portal "
                "(Bot tab)."
            )
