"""The Discord platform (discord.py): the only package that imports `discord`.

discord.py is imported only when Discord serves (`serve.py`), so choosing a platform costs nothing.
`bot.py` is the client and its translation of gateway events and interactions, `commands.py` the native
slash commands, `messenger.py` the Messenger, `render.py` replies as messages, `refs.py` ids as refs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from bot.core.refs import MemberIdFormat
from bot.platforms import Platform
from bot.platforms.discord.settings import DiscordSettings

if TYPE_CHECKING:
    from bot.core.runtime import Hearth


async def _serve(hearth: Hearth, settings: DiscordSettings) -> None:
    from bot.platforms.discord.serve import serve_discord

    await serve_discord(hearth, settings)


def _detect(settings: DiscordSettings) -> bool:
    return bool(settings.discord_token)


PLATFORM = Platform(
    name="discord",
    description="Discord (discord.py)",
    settings=DiscordSettings,
    detect=_detect,
    serve=_serve,
    rank=10,
    member_ids=MemberIdFormat(r"\d{1,20}", "a Discord user id is digits (80351110224678912)"),
)


def __getattr__(name: str) -> Any:
    """`from bot.platforms.discord import build_discord_bot` (and the rest of `serve.py`), imported lazily."""
    serve = importlib.import_module("bot.platforms.discord.serve")
    if name in serve.__all__:
        return getattr(serve, name)
    raise AttributeError(name)
