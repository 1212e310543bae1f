"""Discord end to end: the real discord.py client against the local fake Discord."""

from __future__ import annotations

import json

from bot.core.events import MessagePosted
from tests.platforms import discord_payloads as p
from tests.platforms.conftest import DiscordHarness
from tests.platforms.discord_payloads import Mention


def kudos(discord: DiscordHarness, giver: str, receiver: str, reason: str | None = None, **extra: str) -> dict:
    options: dict = {"member": Mention("member", receiver)}
    if reason is not None:
        options["reason"] = reason
    return p.command_interaction(discord.world, giver, "kudos", options, **extra)


async def test_kudos_answers_with_the_recognition_embed(discord: DiscordHarness) -> None:
    world = discord.world
    call = await discord.server.interact(kudos(discord, "alice", "bob", "thanks for the review"))
    assert call.json["type"] == 4
    data = call.json["data"]
    assert not (data.get("flags") or 0) & p.EPHEMERAL
    assert data["content"] == f"<@{world.id('bob')}>, you got kudos from <@{world.id('alice')}>!"
    embed = data["embeds"][0]
    assert embed["title"] == "🎉 Kudos"
    assert embed["description"] == f"<@{world.id('bob')}> received kudos from <@{world.id('alice')}>"
    assert embed["fields"] == [{"name": "For", "value": "thanks for the review", "inline": False}]
    assert embed["footer"]["text"] == "+10 points for Bob · Alice has 4 kudos left today"
    assert embed["color"] == 0xF5A623
