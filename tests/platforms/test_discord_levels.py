"""Level role rewards on Discord: `/levels sync` gives the roles, waiting out a 429 on the way."""

from __future__ import annotations

from bot.core.events import MemberJoined, MemberLeft
from tests.platforms import discord_payloads as p
from tests.platforms.conftest import DiscordHarness


async def command(discord: DiscordHarness, who: str, name: str, **options: str | int | p.Mention) -> str:
    call = await discord.server.interact(p.command_interaction(discord.world, who, name, dict(options)))
    return str(call.json["data"]["content"] or call.json["data"].get("embeds"))


async def test_levels_sync_grants_roles_through_a_rate_limit(discord_env: DiscordHarness) -> None:
    # discord_env, not discord: the role and member exist before the bot starts (one bot, one run per command).
    discord = discord_env
    world, server = discord.world, discord.server
    world.add_role("Helper")
    for name in ("carol",):
        world.add_member(name)
    await discord.start()
    await command(discord, "admin", "config set", key="level_curve", value="linear")
    await command(discord, "admin", "config set", key="level_step", value="10")
    await command(discord, "alice", "kudos", member=p.Mention("member", "bob"))
    await command(discord, "alice", "kudos", member=p.Mention("member", "carol"))
    assert server.roles_granted() == []  # no rewards yet

    said = await command(discord, "admin", "levels role", level=1, role=p.Mention("role", "Helper"))
    assert said == "Level 1 now gives @Helper; `/levels sync` gives it to members there already."
    server.rate_limit_once.add("roles")
    said = await command(discord, "admin", "levels sync")

    assert "re-applied for 2 members (2 roles given or removed" in said
    # bob's first PUT was answered 429 (not a grant); discord.py waited retry_after and sent it again.
    assert sorted(server.roles_granted()) == [("bob", "Helper"), ("carol", "Helper")]
    assert "Helper" in world.member_roles["bob"] and "Helper" in world.member_roles["carol"]
    assert server.rate_limit_once == set()  # the 429 was met, and waited out


async def test_a_member_back_after_leaving_gets_their_level_roles_again(discord_env: DiscordHarness) -> None:
    discord = discord_env
    world, server = discord.world, discord.server
    world.add_role("Helper")
    await discord.start()
    await command(discord, "admin", "config set", key="level_curve", value="linear")
    await command(discord, "admin", "config set", key="level_step", value="10")
    await command(discord, "admin", "levels role", level=1, role=p.Mention("role", "Helper"))
    await command(discord, "alice", "kudos", member=p.Mention("member", "bob"))
    assert server.roles_granted() == [("bob", "Helper")]

    # Leaving strips every role on Discord; bob comes back at level 1.
    world.member_roles["bob"] = []
    await server.dispatch("GUILD_MEMBER_REMOVE", p.member_remove(world, "bob"))
    await discord.log.wait_for(lambda event: isinstance(event, MemberLeft))
    start = len(server.calls)
    await server.dispatch("GUILD_MEMBER_ADD", p.member_add(world, "bob"))
    await server.wait_for(lambda call: call.method == "PUT" and "/roles/" in call.path, after=start)
    assert server.roles_granted() == [("bob", "Helper"), ("bob", "Helper")]
    assert world.member_roles["bob"] == ["Helper"]

    # A newcomer, with no points, is given no level role.
    world.add_member("carol")
    await server.dispatch("GUILD_MEMBER_ADD", p.member_add(world, "carol"))
    await discord.log.wait_for(
        lambda event: isinstance(event, MemberJoined) and event.member.external_id == world.id("carol")
    )
    assert "carol" not in dict(server.roles_granted())


async def test_a_title_given_without_its_level_is_asked_about(discord: DiscordHarness) -> None:
    """Discord's options come by name: `/levels title title:Pillar` with the level left out listed the titles, as
    if nothing had been given, and kept nothing."""
    said = await command(discord, "admin", "levels title", title="Mentor")
    assert said == "Which level is called Mentor? `/levels title 10 Mentor` names level 10."
    assert "Mentor" not in await command(discord, "admin", "levels title")
    said = await command(discord, "admin", "levels title", level=3, title="Mentor")
    assert said.startswith("Level titles: 0 Newcomer, 1 Regular, 3 Mentor, 5 Contributor")


async def test_levels_sync_says_which_rewards_discord_refused(discord_env: DiscordHarness) -> None:
    """The role a level rewards deleted on Discord: `/levels sync` answered "Level roles re-applied for 1 member" and
    nothing else, each grant refused (the moderators had been told once, at the first level-up, not again)."""
    discord = discord_env
    world, server = discord.world, discord.server
    world.add_role("Helper")
    world.add_role("Regular")
    await discord.start()
    await command(discord, "admin", "config set", key="level_curve", value="linear")
    await command(discord, "admin", "config set", key="level_step", value="10")
    await command(discord, "admin", "levels role", level=1, role=p.Mention("role", "Helper"))
    await command(discord, "admin", "levels role", level=2, role=p.Mention("role", "Regular"))
    await command(discord, "alice", "kudos", member=p.Mention("member", "bob"))
    assert server.roles_granted() == [("bob", "Helper")]
    helper = world.roles.pop("Helper")["id"]
    await server.dispatch("GUILD_ROLE_DELETE", {"guild_id": world.guild_id, "role_id": helper})

    said = await command(discord, "admin", "levels sync")

    assert said == (
        "Level roles re-applied for 1 member (1 role given or removed, counting those already held or already gone)."
        f"\nNot applied — the reward role of level 1: The role {helper} no longer exists."
    )


async def test_a_refused_reward_role_is_told_to_the_mods_by_its_level(discord_env: DiscordHarness) -> None:
    """The moderators read "I can't give the level reward role &1100000000000000015: …": the role's stored id, which
    Discord shows as nothing people know."""
    discord = discord_env
    world, server = discord.world, discord.server
    world.add_role("Helper")
    world.add_channel("mods")
    await discord.start()
    await command(discord, "admin", "config set", key="mod_channel", channel=p.Mention("channel", "mods"))
    await command(discord, "admin", "config set", key="level_curve", value="linear")
    await command(discord, "admin", "config set", key="level_step", value="10")
    await command(discord, "admin", "levels role", level=1, role=p.Mention("role", "Helper"))
    world.roles["Helper"]["position"] = 4  # above Hearth's role
    await server.dispatch("GUILD_ROLE_UPDATE", p.role_update(world, "Helper"))

    await command(discord, "alice", "kudos", member=p.Mention("member", "bob"))

    told = await server.wait_for(lambda call: call in server.posted_in("mods"))
    assert told.json["content"] == (
        "⚠️ I can't give the reward role of level 1: @Helper is not below my highest role @Hearth: drag Hearth's role "
        "above it in Server Settings → Roles. I'll not repeat this for other members; `/levels sync` re-applies "
        "rewards once it is fixed."
    )
