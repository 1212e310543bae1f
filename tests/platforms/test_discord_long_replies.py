"""Replies longer than one Discord embed takes: continued in further embeds, never cut short where the card
continues, and never over what Discord accepts for a message (the fake refuses such a message whole, as
Discord does)."""

from __future__ import annotations

from typing import Any

from bot.core.reply import Card, Reply
from tests.platforms import discord_payloads as p
from tests.platforms.conftest import DiscordHarness
from tests.platforms.test_discord_interactions import add_command
from tests.platforms.test_discord_onboarding import components, join, moderate, prepare


def embed_text(body: dict[str, Any]) -> str:
    """Every text of a message's embeds, in order, one per line (what a person reads)."""
    lines: list[str] = []
    for embed in body.get("embeds") or []:
        lines += [embed.get("title") or "", embed.get("description") or ""]
        lines += [f"{field['name']}\n{field['value']}" for field in embed.get("fields") or []]
        lines.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(line for line in lines if line)


async def test_config_show_lists_every_setting_past_25(discord: DiscordHarness) -> None:
    """Over 25 settings: Discord's 25 fields an embed showed moderators the first 25 only."""
    keys = discord.hearth.services.settings.catalog.keys()
    assert len(keys) > 25
    answer = await discord.server.interact(p.command_interaction(discord.world, "mod", "config show"))
    shown = [field["name"] for embed in answer.json["data"]["embeds"] for field in embed["fields"]]
    assert shown == list(keys)
    assert answer.json["data"]["embeds"][-1]["footer"]["text"] == "Change one with /config set KEY VALUE"


async def test_help_lists_every_command_an_admin_may_run(discord: DiscordHarness) -> None:
    """An admin's /help is over Discord's 4,096 characters of a description: it stopped mid-line at `/season`."""
    answer = await discord.server.interact(p.command_interaction(discord.world, "owner", "help"))
    assert not discord.server.refused_for_size
    text = embed_text(answer.json["data"])
    missing = [spec.path for spec in discord.hearth.registry.commands.values() if f"`/{spec.path}" not in text]
    assert missing == []


async def test_rules_longer_than_a_field_reach_the_newcomer_whole(discord_env: DiscordHarness) -> None:
    """Rules may be 1,500 characters; a Discord field value 1,024: the newcomer agreed to rules cut short."""
    prepare(discord_env.world)
    await discord_env.start()
    rules = "\n".join(f"{n}. Be kind to one another, and keep each channel to its topic, please." for n in range(1, 21))
    assert 1024 < len(rules) <= 1500
    await moderate(discord_env, "onboarding rules", text=rules)
    await join(discord_env, "dana")
    [checklist] = discord_env.server.dms_to("dana")
    assert rules in embed_text(checklist.json).replace("\u200b\n", "")
    assert "onb:agree" in str(components(checklist.json))


async def test_an_answer_longer_than_a_messages_text_reaches_whole(discord_env: DiscordHarness) -> None:
    """A message's text holds 2,000 characters: a longer answer was cut at 2,000 without a word."""
    text = "\n".join(f"Line {n}: what a long answer says, every word of it." for n in range(1, 61))
    assert len(text) > 2000
    add_command(discord_env, "long", Reply(text=text))
    add_command(discord_env, "long-card", Reply(text=text, card=Card(title="Below", description="the card's own")))
    await discord_env.start()
    for name in ("long", "long-card"):
        answer = await discord_env.server.interact(p.command_interaction(discord_env.world, "alice", name))
        body = answer.json["data"]
        assert not discord_env.server.refused_for_size
        assert not body.get("content")
        assert text in embed_text(body).replace("\u200b\n", "")
    assert "the card's own" in embed_text(body) and body["embeds"][0]["title"] == "Below"
