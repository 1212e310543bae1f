"""Community health on the fake Discord: replies are recognised, /health answers with charts attached, and a
ladder invitation accepted by DM grants the role."""

from __future__ import annotations

from typing import Any

from bot.core.events import MessagePosted
from tests.platforms import discord_payloads as p
from tests.platforms.conftest import DiscordHarness
from tests.platforms.discord_payloads import Mention


def reply_to(world: p.DiscordWorld, author: str, content: str, answered: dict[str, Any]) -> dict[str, Any]:
    """A Discord reply: type 19 with `message_reference` and the `referenced_message` Discord sends with it."""
    data = p.message_create(world, author, content)
    data["type"] = 19
    data["message_reference"] = {
        "message_id": answered["id"],
        "channel_id": answered["channel_id"],
        "guild_id": world.guild_id,
    }
    data["referenced_message"] = answered
    return data


async def test_a_discord_reply_names_the_message_and_author_it_answers(discord: DiscordHarness) -> None:
    world = discord.world
    first = p.message_create(world, "alice", "has anyone tried the new build?")
    answer = reply_to(world, "bob", "yes, works for me", first)
    for message in (first, answer):
        await discord.server.dispatch("MESSAGE_CREATE", message)
    event = await discord.log.wait_for(lambda e: isinstance(e, MessagePosted) and e.message_id == answer["id"])
    assert isinstance(event, MessagePosted)
    assert event.reply_to is not None and event.reply_to.external_id == world.id("alice")
    assert event.reply_to_message_id == first["id"]
    plain = await discord.log.wait_for(lambda e: isinstance(e, MessagePosted) and e.message_id == first["id"])
    assert isinstance(plain, MessagePosted) and plain.reply_to is None


async def test_health_show_attaches_its_charts_on_discord(discord: DiscordHarness) -> None:
    world = discord.world
    first = p.message_create(world, "alice", "hello")
    await discord.server.dispatch("MESSAGE_CREATE", first)
    await discord.log.wait_for(lambda e: isinstance(e, MessagePosted) and e.message_id == first["id"])
    start = len(discord.server.calls)
    deferred = await discord.server.interact(p.command_interaction(world, "mod", "health show", {"period": "7d"}))
    assert (
        deferred.json == {"type": 5, "data": {"flags": p.EPHEMERAL}} or deferred.json["type"] == 5
    )  # slow: "thinking"
    answer = await discord.server.wait_for(
        lambda call: call.method == "POST" and call.path.startswith("/webhooks/"), after=start
    )
    assert "Community health — last 7 days" in answer.json["content"]
    assert answer.files == ["health-activity.png", "health-funnel.png", "health-cohorts.png"]


async def test_accepting_a_ladder_invitation_grants_the_role(discord: DiscordHarness) -> None:
    server, world = discord.server, discord.world
    invited = await server.interact(
        p.command_interaction(
            world,
            "admin",
            "ladder invite",
            {"member": Mention("member", "alice"), "role": "mentor", "grant": Mention("role", "Newcomer")},
        )
    )
    assert "Invited" in invited.json["data"]["content"]
    [dm] = server.dms_to("alice")
    buttons = {c["label"]: c["custom_id"] for row in dm.json["components"] for c in row["components"]}
    assert set(buttons) == {"Accept", "Decline"}
    assert dm.created is not None
    payload = p.dm_component_interaction(world, "alice", buttons["Accept"], dm.created)
    answer = await server.interact(payload)
    assert "Welcome aboard as **mentor**" in answer.json["data"]["content"]
    assert server.roles_granted() == [("alice", "Newcomer")]
