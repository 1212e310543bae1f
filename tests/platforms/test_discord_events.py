"""Discord: gateway events become neutral events; the Messenger; clear startup failures."""

from __future__ import annotations

import pytest

from bot.core.events import MemberJoined, MessagePosted, ReactionAdded
from bot.core.messenger import PlatformError
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, RoleRef
from bot.core.reply import Card, Reply, mention
from bot.platforms.discord import DiscordStartupError
from bot.platforms.discord.refs import PLATFORM
from tests.platforms import discord_payloads as p
from tests.platforms.conftest import DiscordHarness, message_posted


def refs(discord: DiscordHarness) -> tuple[CommunityRef, dict[str, MemberRef], dict[str, ChannelRef]]:
    world = discord.world
    community = CommunityRef(PLATFORM, world.guild_id, world.name)
    members = {name: MemberRef(community, world.id(name), name.capitalize()) for name in world.users}
    channels = {name: ChannelRef(community, data["id"], name) for name, data in world.channels.items()}
    return community, members, channels


async def test_gateway_events_become_neutral_events(discord: DiscordHarness) -> None:
    world = discord.world
    _, members, channels = refs(discord)
    said = p.message_create(world, "alice", "thanks @bob", mentions=("bob",))
    await discord.server.dispatch("MESSAGE_CREATE", said)
    posted = await discord.log.wait_for(lambda e: isinstance(e, MessagePosted) and e.message_id == said["id"])
    assert isinstance(posted, MessagePosted)
    assert (posted.author, posted.channel, posted.text) == (members["alice"], channels["general"], "thanks @bob")
    assert posted.mentions == (members["bob"],) and posted.author.display_name == "Alice"

    from_bot = p.message_create(world, "helper", "beep")
    await discord.server.dispatch("MESSAGE_CREATE", from_bot)
    beep = await discord.log.wait_for(lambda e: isinstance(e, MessagePosted) and e.message_id == from_bot["id"])
    assert isinstance(beep, MessagePosted) and beep.author.is_bot

    world.add_member("carol")
    await discord.server.dispatch("GUILD_MEMBER_ADD", p.member_add(world, "carol"))
    joined = await discord.log.wait_for(lambda e: isinstance(e, MemberJoined))
    assert isinstance(joined, MemberJoined) and joined.member.external_id == world.id("carol")

    await discord.server.dispatch("MESSAGE_REACTION_ADD", p.reaction_add(world, "bob", said, "🎉"))
    reacted = await discord.log.wait_for(lambda e: isinstance(e, ReactionAdded))
    assert isinstance(reacted, ReactionAdded)
    assert (reacted.member, reacted.message_author, reacted.emoji) == (members["bob"], members["alice"], "🎉")
    assert reacted.message_id == said["id"] and reacted.channel == channels["general"]


async def test_a_reply_in_a_thread_the_cache_lost_is_still_a_thread_reply(discord: DiscordHarness) -> None:
    world = discord.world
    _, _, channels = refs(discord)
    # Archived threads leave discord.py's cache; a reply wakes the thread before Discord says so.
    archived = p.thread("Welcome, Bob!", world.channels["ideas"], world.id("hearth"))
    world.threads.append(archived)
    said = p.message_create(world, "alice", "welcome!", thread=archived)
    await discord.server.dispatch("MESSAGE_CREATE", said)
    posted = await discord.log.wait_for(lambda e: isinstance(e, MessagePosted) and e.message_id == said["id"])
    assert isinstance(posted, MessagePosted)
    assert (posted.channel.external_id, posted.thread_id) == (channels["ideas"].external_id, archived["id"])


async def test_messenger_posts_edits_and_threads(discord: DiscordHarness) -> None:
    world = discord.world
    _, members, channels = refs(discord)
    messenger = discord.bot.messenger  # type: ignore[union-attr]
    reply = Reply(text=f"Welcome {mention(members['bob'])} @everyone", card=Card(title="Hi", image=b"png"))
    message_id = await messenger.send(channels["ideas"], reply)
    posted = discord.server.calls_to("POST", rf"/channels/{world.channels['ideas']['id']}/messages")[-1]
    assert posted.json["content"] == f"Welcome <@{world.id('bob')}> @\u200beveryone"
    assert [str(u) for u in posted.json["allowed_mentions"]["users"]] == [world.id("bob")]
    assert posted.files == ["card.png"] and posted.json["embeds"][0]["image"]["url"] == "attachment://card.png"

    await messenger.edit(channels["ideas"], message_id, Reply(text="edited"))
    edited = discord.server.calls_to("PATCH", rf"/channels/\d+/messages/{message_id}")[-1]
    assert edited.json["content"] == "edited"

    thread = await messenger.start_thread(channels["ideas"], message_id, "Say hello")
    assert thread.external_id == channels["ideas"].external_id and thread.thread_id is not None
    await messenger.send(thread, Reply(text="in the thread"))
    assert discord.server.calls_to("POST", rf"/channels/{thread.thread_id}/messages")


async def test_messenger_dms_and_closed_dms(discord: DiscordHarness) -> None:
    _, members, _ = refs(discord)
    messenger = discord.bot.messenger  # type: ignore[union-attr]
    assert await messenger.send_dm(members["alice"], Reply(text="hi")) is not None
    discord.server.closed_dms.add(members["bob"].external_id)
    assert await messenger.send_dm(members["bob"], Reply(text="hi")) is None


async def test_messenger_roles_and_channel_access_with_actionable_refusals(discord: DiscordHarness) -> None:
    world = discord.world
    community, members, channels = refs(discord)
    messenger = discord.bot.messenger  # type: ignore[union-attr]
    newcomer = RoleRef(community, world.roles["Newcomer"]["id"], "Newcomer")
    await messenger.grant_role(members["alice"], newcomer)
    assert discord.server.calls_to("PUT", rf"/guilds/\d+/members/{world.id('alice')}/roles/{newcomer.external_id}")

    admins = RoleRef(community, world.roles["Admins"]["id"], "Admins")
    with pytest.raises(PlatformError, match="drag Hearth's role above it"):
        await messenger.grant_role(members["alice"], admins)

    await messenger.add_to_channel(members["alice"], channels["ideas"])
    overwrite = discord.server.calls_to("PUT", rf"/channels/\d+/permissions/{world.id('alice')}")[-1]
    assert int(overwrite.json["allow"]) & p.VIEW_CHANNEL and overwrite.json["type"] == 1

    discord.server.forbid.add("permissions")
    with pytest.raises(PlatformError, match="Manage Permissions"):
        await messenger.add_to_channel(members["bob"], channels["ideas"])


async def test_a_rejected_token_fails_fast_with_what_to_do(discord_env: DiscordHarness) -> None:
    with pytest.raises(DiscordStartupError, match="Reset Token"):
        await discord_env.start(token="not.the.token")


async def test_missing_privileged_intents_name_the_switches(discord_env: DiscordHarness) -> None:
    discord_env.server.allow_privileged_intents = False
    with pytest.raises(DiscordStartupError) as refused:
        await discord_env.start()
    assert "SERVER MEMBERS INTENT" in str(refused.value) and "MESSAGE CONTENT INTENT" in str(refused.value)


async def test_only_what_members_wrote_is_a_message(discord: DiscordHarness) -> None:
    """Discord's own lines (a join is type 7, authored by the newcomer; a pin type 6) and webhooks are not speech."""
    world = discord.world
    joined = {**p.message_create(world, "alice", ""), "type": 7}
    pinned = {**p.message_create(world, "bob", ""), "type": 6}
    hooked = {**p.message_create(world, "bob", "from a webhook"), "webhook_id": p.snowflake()}
    first = p.message_create(world, "alice", "hello")
    reply = {
        **p.message_create(world, "bob", "hi alice"),
        "type": 19,
        "message_reference": {"message_id": first["id"], "channel_id": first["channel_id"], "guild_id": world.guild_id},
    }
    for said in (joined, pinned, hooked, first, reply):
        await discord.server.dispatch("MESSAGE_CREATE", said)
    # Handled concurrently (discord.py dispatches each message as a task): wait for both, in any order. The
    # system lines were received first, so by then they were either dropped or dispatched too.
    for said in (first, reply):
        await discord.log.wait_for(message_posted(said))
    posted = [event.message_id for event in discord.log.events if isinstance(event, MessagePosted)]
    assert sorted(posted) == sorted([first["id"], reply["id"]])
