"""Running the Discord bot: `build_discord_bot` makes it from a runtime and DiscordSettings (tests run it
against a local fake Discord); `serve_discord` runs it until stopped and turns startup refusals (a token
Discord rejects, intents not enabled, Discord unreachable) into clear one-line messages."""

from __future__ import annotations

from typing import Any

import aiohttp
import discord

from bot.core.runtime import Hearth
from bot.platforms.discord.bot import DiscordStartupError, HearthBot
from bot.platforms.discord.settings import DiscordSettings

INTENTS_HELP = (
    "Discord refused the privileged intents Hearth needs. In the Developer Portal "
    "(https://discord.com/developers/applications), open your application → Bot → Privileged Gateway "
    "Intents and switch on SERVER MEMBERS INTENT and MESSAGE CONTENT INTENT, save, then start Hearth again."
)
TOKEN_HELP = (
    "Discord rejected DISCORD_TOKEN. Copy the bot token from the Developer Portal "
    "(https://discord.com/developers/applications → your application → Bot → Reset Token) into "
    "DISCORD_TOKEN, with no quotes or spaces."
)

UNREACHABLE_HELP = (
    "Cannot reach Discord to log in: check this machine's network connection (DNS, a firewall or proxy "
    "in the way), then start Hearth again"
)


def build_discord_bot(hearth: Hearth, settings: DiscordSettings, **options: Any) -> HearthBot:
    """The bot for this runtime; `options` go to discord.py (tests pass a short guild_ready_timeout)."""
    return HearthBot(hearth, dev_guild_id=settings.discord_dev_guild_id, **options)


async def start_discord(bot: HearthBot, token: str | None) -> None:
    """Log in, sync commands and serve until the bot is closed. Raises DiscordStartupError on refusal."""
    if not token or not token.strip():
        raise DiscordStartupError("DISCORD_TOKEN is empty. " + TOKEN_HELP.split(". ", 1)[1])
    try:
        await bot.start(token.strip())
    except discord.LoginFailure:
        raise DiscordStartupError(TOKEN_HELP) from None
    except discord.PrivilegedIntentsRequired:
        raise DiscordStartupError(INTENTS_HELP) from None
    except (TimeoutError, aiohttp.ClientError, OSError, discord.GatewayNotFound) as error:
        # Logging in is one HTTP request, made once: no network, DNS or a proxy in the way ends here (once
        # connected, discord.py reconnects by itself).
        raise DiscordStartupError(f"{UNREACHABLE_HELP} ({_reason(error)})") from None
    except discord.DiscordServerError as error:
        raise DiscordStartupError(f"{UNREACHABLE_HELP} (Discord answered {error.status})") from None


def _reason(error: BaseException) -> str:
    """An exception's message on one line, or its kind when it has none (a timeout)."""
    text = " ".join(str(error).split())
    return text or type(error).__name__


async def serve_discord(hearth: Hearth, settings: DiscordSettings) -> None:
    bot = build_discord_bot(hearth, settings)
    async with bot:
        await start_discord(bot, settings.discord_token)


__all__ = ["DiscordStartupError", "HearthBot", "build_discord_bot", "serve_discord", "start_discord"]
