"""Leaderboard pages on Discord: the buttons' custom ids carry the page, so a click after a restart works."""

from __future__ import annotations

from typing import Any

from bot.core.refs import CommunityRef, MemberRef
from bot.core.runtime import Hearth
from storage import ledger
from storage.kinds import Kind
from tests.conftest import NewRuntime
from tests.platforms import discord_payloads as p
from tests.platforms.conftest import DiscordHarness


async def seed(hearth: Hearth, community: CommunityRef, members: dict[str, tuple[str, int]]) -> None:
    """Members (external id -> name, points) with all-time and this week's points, as adjustments would give."""
    community_id = (await hearth.services.identity.community(community)).id
    now = hearth.clock.now()
    awards = []
    for external_id, (name, amount) in members.items():
        member = await hearth.services.identity.member(MemberRef(community, external_id, name))
        awards.append(ledger.Award(community_id, member.id, Kind.ADJUSTMENT, amount, f"seed:{external_id}", now))
    async with hearth.db.write() as session:
        await ledger.record(session, awards)


def buttons(data: dict[str, Any]) -> dict[str, str]:
    """A message's buttons: label -> custom id."""
    return {item["label"]: item["custom_id"] for row in data.get("components") or [] for item in row["components"]}


async def test_pages_by_button_also_after_a_restart(discord: DiscordHarness, new_runtime: NewRuntime) -> None:
    world, server = discord.world, discord.server
    community = CommunityRef("discord", world.guild_id)
    names = [world.add_member(f"M{n:02d}")["username"] for n in range(1, 13)]  # members: listed at the restart
    await seed(discord.hearth, community, {world.id(name): (name, 5000 - n) for n, name in enumerate(names, 1)})
    shown = await server.interact(p.command_interaction(world, "alice", "leaderboard", {"period": "all"}))
    first = shown.json["data"]
    [embed] = first["embeds"]
    assert not first.get("flags", 0) & p.EPHEMERAL  # the first page is the public board
    assert embed["description"].splitlines()[0] == "🥇 **M01** — 4,999 points"
    assert embed["footer"]["text"] == "Page 1 of 2 · 12 members with points"
    assert buttons(first) == {"Next": "lb:all:all:2:", "Around me": "lb:all:all:me:"}

    # A new process between the board and the click: the page is in the custom id, nothing in memory.
    await discord.restart(await new_runtime())
    message = p.bot_message(world, world.channels["general"]["id"], first)
    clicked = await server.interact(p.component_interaction(world, "bob", buttons(first)["Next"], message))
    second = clicked.json["data"]
    assert second["flags"] & p.EPHEMERAL  # bob's page is his own
    assert second["embeds"][0]["description"].splitlines() == [
        "11. **M11** — 4,989 points",
        "12. **M12** — 4,988 points",
    ]
    assert buttons(second) == {"Previous": "lb:all:all:1:", "Around me": "lb:all:all:me:"}  # no Next at the end
    back = await server.interact(p.component_interaction(world, "bob", buttons(second)["Previous"], message))
    assert back.json["data"]["embeds"][0]["description"] == embed["description"]
