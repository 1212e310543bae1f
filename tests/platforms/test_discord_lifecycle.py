"""Members who come and go on Discord, end to end on the fake gateway: leaving strips roles and rejoining
gives them back; GUILD_CREATE's joined_at are members' true join dates; a guild removed (not an outage's
unavailable guild) schedules the deletion of its data; /mydata export arrives as a DM attachment; /mydata
delete's question is answered once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from bot.core.events import CommunityAdded, CommunityRemoved, MemberJoined, MemberLeft, MembersPresent
from storage.models import CommunityState, Contribution, Member
from tests.conftest import NewRuntime
from tests.platforms import discord_payloads as p
from tests.platforms.conftest import DiscordHarness
from tests.platforms.test_discord import kudos
from tests.platforms.test_discord_boards import buttons
from tests.platforms.test_discord_onboarding import click, components, join, say, set_up


async def test_a_member_who_leaves_and_comes_back_gets_roles_back_without_a_second_welcome(
    discord_env: DiscordHarness,
) -> None:
    await set_up(discord_env)
    server, world = discord_env.server, discord_env.world
    await join(discord_env, "newbie")
    [dm] = server.dms_to("newbie")
    agree, interests = f"g{world.guild_id}.onb:agree", f"g{world.guild_id}.onb:interests"
    await click(discord_env, "newbie", dm, agree)
    await click(discord_env, "newbie", dm, interests, "python")
    assert server.roles_granted() == [("newbie", "Member"), ("newbie", "Python")]
    welcomes = len(server.posted_in("welcome"))
    assert welcomes == 1

    await server.dispatch("GUILD_MEMBER_REMOVE", p.member_remove(world, "newbie"))
    await discord_env.log.wait_for(lambda e: isinstance(e, MemberLeft) and e.member.external_id == world.id("newbie"))
    world.member_roles["newbie"] = []  # Discord strips every role on leaving
    await server.dispatch("GUILD_MEMBER_ADD", p.member_add(world, "newbie"))
    await discord_env.log.wait_for(lambda e: joins(discord_env, world.id("newbie")) == 2)
    assert server.roles_granted()[2:] == [("newbie", "Member"), ("newbie", "Python")]
    assert len(server.posted_in("welcome")) == welcomes  # no second public welcome
    back = server.dms_to("newbie")[-1].json
    assert back["content"].startswith(f"👋 Welcome back to Hearth Test Server, <@{world.id('newbie')}>!")
    # Steps still open (the intro, a hello) come with the checklist; the rules stay agreed.
    assert agree not in components(back) and "✅ Accept the rules" in back["embeds"][0]["description"]


async def test_a_checklist_in_a_dm_clicked_after_leaving_changes_nothing(discord_env: DiscordHarness) -> None:
    """tester-s: Discord keeps the DM, so its buttons reach Hearth after the newcomer left: agreeing tried to give a
    departed member the Member role and recorded the step for someone no longer in the server."""
    await set_up(discord_env)
    server, world = discord_env.server, discord_env.world
    await join(discord_env, "newbie")
    [dm] = server.dms_to("newbie")
    await server.dispatch("GUILD_MEMBER_REMOVE", p.member_remove(world, "newbie"))
    await discord_env.log.wait_for(lambda e: isinstance(e, MemberLeft) and e.member.external_id == world.id("newbie"))
    answer = await click(discord_env, "newbie", dm, f"g{world.guild_id}.onb:agree")
    assert answer["content"] == (
        "You're no longer a member of Hearth Test Server, so your checklist does nothing now. If you come back, "
        "it carries on where you left it."
    )
    assert server.roles_granted() == [] and not server.posted_in("mods")


async def test_a_member_back_while_hearth_was_down_is_a_member_again(
    discord_env: DiscordHarness, new_runtime: NewRuntime
) -> None:
    """Discord sends no join to a bot that is not connected: a member who left, and came back during a restart,
    stayed "no longer a member" (and was anonymised after departed_retention), their roles not given back."""
    await set_up(discord_env)
    server, world = discord_env.server, discord_env.world
    await join(discord_env, "newbie")
    [dm] = server.dms_to("newbie")
    await click(discord_env, "newbie", dm, f"g{world.guild_id}.onb:agree")
    assert server.roles_granted() == [("newbie", "Member")]
    await server.dispatch("GUILD_MEMBER_REMOVE", p.member_remove(world, "newbie"))
    await discord_env.log.wait_for(lambda e: isinstance(e, MemberLeft) and e.member.external_id == world.id("newbie"))
    world.member_roles["newbie"] = []  # Discord strips every role on leaving

    await discord_env.restart(await new_runtime())  # back meanwhile: the server's member list names them
    assert server.roles_granted()[1:] == [("newbie", "Member")]
    assert server.dms_to("newbie")[-1].json["content"].startswith("👋 Welcome back to Hearth Test Server")
    thanked = await server.interact(kudos(discord_env, "alice", "newbie", "for the notes"))
    assert thanked.json["data"]["content"] == f"<@{world.id('newbie')}>, you got kudos from <@{world.id('alice')}>!"


async def test_a_member_who_left_while_hearth_was_down_is_no_longer_a_member(
    discord_env: DiscordHarness, new_runtime: NewRuntime
) -> None:
    """Discord sends no leave to a bot that is not connected: a member who left during a restart stayed a member
    for good (counted in health, thanked with kudos, never anonymised). The server's whole member list at the next
    start leaves them out."""
    server, world = discord_env.server, discord_env.world
    await discord_env.start()
    await say(discord_env, "bob", "hello all")
    thanked = await server.interact(kudos(discord_env, "alice", "bob", "for the welcome"))
    assert thanked.json["data"]["content"].startswith(f"<@{world.id('bob')}>, you got kudos")
    world.gone.add("bob")  # left while Hearth is stopped: no GUILD_MEMBER_REMOVE reaches it

    await discord_env.restart(await new_runtime())
    await discord_env.log.wait_for(lambda e: isinstance(e, MemberLeft) and e.member.external_id == world.id("bob"))
    refused = await server.interact(kudos(discord_env, "alice", "bob", "for the welcome"))
    assert "no longer a member" in refused.json["data"]["content"]
    async with discord_env.hearth.db.read() as session:
        left = await session.execute(select(col(Member.external_id)).where(col(Member.left_at).is_not(None)))
    assert left.scalars().all() == [world.id("bob")]  # only bob: everyone listed, and the bot, stay


async def test_an_incomplete_member_list_says_nothing_about_who_left(
    discord_env: DiscordHarness, new_runtime: NewRuntime
) -> None:
    """A guild whose member chunks did not all come (discord.py waits 5 s for them): those it leaves out may be
    there, and stay members."""
    world = discord_env.world
    await discord_env.start()
    await say(discord_env, "bob", "hello all")
    world.gone.add("bob")
    world.unlisted = 1  # counted by the guild, never sent: this fake answers no request for chunks

    await discord_env.restart(await new_runtime())
    await discord_env.log.wait_for(lambda e: isinstance(e, MembersPresent))
    async with discord_env.hearth.db.read() as session:
        left = await session.execute(select(col(Member.external_id)).where(col(Member.left_at).is_not(None)))
    assert left.scalars().all() == []


def joins(discord: DiscordHarness, member_id: str) -> int:
    return sum(1 for e in discord.log.events if isinstance(e, MemberJoined) and e.member.external_id == member_id)


async def test_guild_create_gives_members_their_true_join_dates(discord_env: DiscordHarness) -> None:
    world = discord_env.world
    world.joined_at["alice"] = "2025-03-05T09:30:00.000000+00:00"
    await discord_env.start()
    await discord_env.log.wait_for(lambda e: isinstance(e, MembersPresent))
    async with discord_env.hearth.db.read() as session:
        rows = dict((await session.execute(select(col(Member.external_id), col(Member.platform_joined_at)))).all())
    joined = rows[world.id("alice")]
    assert joined is not None and joined.replace(tzinfo=UTC) == datetime(2025, 3, 5, 9, 30, tzinfo=UTC)
    assert world.id("helper") not in rows  # bots have no anniversaries


async def removed_at(discord: DiscordHarness) -> datetime | None:
    async with discord.hearth.db.read() as session:
        found = await session.execute(select(col(CommunityState.removed_at)))
        return found.scalar_one_or_none()


async def test_a_removed_guild_is_marked_for_deletion_and_an_outage_is_not(discord_env: DiscordHarness) -> None:
    server, world = discord_env.server, discord_env.world
    await discord_env.start()
    await discord_env.log.wait_for(lambda e: isinstance(e, CommunityAdded))
    await server.dispatch("GUILD_DELETE", p.guild_delete(world, unavailable=True))  # an outage
    await server.dispatch("GUILD_CREATE", p.guild_create(world))  # back after the outage
    await discord_env.log.wait_for(
        lambda e: len([x for x in discord_env.log.events if isinstance(x, CommunityAdded)]) == 2
    )
    assert await removed_at(discord_env) is None
    await server.dispatch("GUILD_DELETE", p.guild_delete(world))  # kicked
    await discord_env.log.wait_for(lambda e: isinstance(e, CommunityRemoved))
    assert await removed_at(discord_env) is not None


async def test_a_guild_that_removed_hearth_while_it_was_down_is_marked_for_deletion(
    discord_env: DiscordHarness, new_runtime: NewRuntime
) -> None:
    """Discord sends no GUILD_DELETE to a bot that is not connected: a server that kicked Hearth during a restart
    kept its data for good. READY at the next start no longer lists it."""
    await discord_env.start()
    await discord_env.log.wait_for(lambda e: isinstance(e, CommunityAdded))
    assert await removed_at(discord_env) is None
    discord_env.world.kicked = True

    await discord_env.restart(await new_runtime())
    await discord_env.log.wait_for(lambda e: isinstance(e, CommunityRemoved))
    assert await removed_at(discord_env) is not None


async def test_mydata_export_arrives_as_a_dm_attachment(discord_env: DiscordHarness) -> None:
    server, world = discord_env.server, discord_env.world
    await discord_env.start()
    await server.interact(p.command_interaction(world, "bob", "kudos", {"member": p.Mention("member", "alice")}))
    answer = await server.interact(p.command_interaction(world, "alice", "mydata export"))
    assert answer.json["data"]["flags"] & p.EPHEMERAL
    [sent] = server.dms_to("alice")
    assert sent.files == ["hearth-my-data.json"]  # its content is checked on the console (tests/cogs)


async def test_mydata_delete_is_answered_once_and_forgets_typed_mentions(discord: DiscordHarness) -> None:
    """The first answer spends the question, whichever button it was; a mention typed into another member's
    kudos reason (`<@id>`, kept as `@Bob`) names a former member once Bob's data is deleted."""
    world, server = discord.world, discord.server
    world.add_member("carol")
    typed = f"pairing with <@{world.id('bob')}> and <@{world.id('alice')}>"
    await server.interact(kudos(discord, "alice", "carol", typed))

    def asked(answer: Any) -> tuple[dict[str, Any], dict[str, str]]:
        data = answer.json["data"]
        assert data["flags"] & p.EPHEMERAL
        return p.bot_message(world, world.channels["general"]["id"], data), buttons(data)

    async def press(message: dict[str, Any], custom_id: str) -> str:
        answer = await server.interact(p.component_interaction(world, "bob", custom_id, message))
        return str(answer.json["data"]["content"])

    message, ids = asked(await server.interact(p.command_interaction(world, "bob", "mydata delete")))
    assert "Nothing was deleted" in await press(message, ids["Keep it"])
    assert "You chose to keep your data" in await press(message, ids["Delete my data"])
    message, ids = asked(await server.interact(p.command_interaction(world, "bob", "mydata delete")))
    assert "no longer keeps anything" in await press(message, ids["Delete my data"])
    assert "Your data was already deleted." in await press(message, ids["Delete my data"])
    async with discord.hearth.db.read() as session:
        found = await session.execute(
            select(col(Contribution.reason)).where(col(Contribution.kind) == "kudos_received")
        )
    assert found.scalars().all() == ["pairing with @former member and @Alice"]


async def test_mydata_export_is_shown_privately_when_discord_fails_the_dm(discord: DiscordHarness) -> None:
    """Discord answering 503 to the DM: the command went unanswered ('The application did not respond')."""
    server, world = discord.server, discord.world
    server.unavailable.add("dms")
    answer = await server.interact(p.command_interaction(world, "alice", "mydata export"))
    assert answer.json["data"]["flags"] & p.EPHEMERAL
    assert "I couldn't send you a direct message just now, so here it is." in answer.json["data"]["content"]
    assert answer.files == ["hearth-my-data.json"]


async def test_an_export_larger_than_discord_takes_is_answered_saying_so(discord: DiscordHarness) -> None:
    """A file over what Discord lets a bot upload (10 MiB: `/export` of a busy community) was refused as the DM and
    again as the private answer: the admin was answered nothing at all."""
    server, world = discord.server, discord.world
    await server.interact(p.command_interaction(world, "bob", "kudos", {"member": p.Mention("member", "alice")}))
    server.upload_limit = 100  # bytes: the CSV below is larger
    asked = p.command_interaction(world, "owner", "export")
    await server.interact(asked)
    answer = await server.wait_for(lambda call: asked["id"] in call.path and call.status == 200)
    assert answer.json["data"]["flags"] & p.EPHEMERAL
    assert answer.files == []
    assert answer.json["data"]["content"] == (
        "📊 Contribution history (all time): 2 rows.\n\n*(I couldn't send you the file: it is larger than Discord "
        "lets Hearth send.)*"
    )
