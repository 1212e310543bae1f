"""A level reached by message activity alone is announced on Discord (the real discord.py client, the fake
Discord) once the activity batch holding the messages is written, mentioning the member without pinging."""

from __future__ import annotations

from bot.core.events import MessagePosted
from tests.platforms import discord_payloads as p
from tests.platforms.conftest import DiscordHarness
from tests.platforms.test_discord_levels import command


async def test_messages_alone_reach_a_level_and_it_is_announced(discord: DiscordHarness) -> None:
    for key, value in (("level_curve", "linear"), ("level_step", "2"), ("activity_cooldown", "0s")):
        assert "Done" in await command(discord, "admin", "config set", key=key, value=value)
    messages = [p.message_create(discord.world, "alice", text) for text in ("good morning all", "the notes are up")]
    for message in messages:
        await discord.server.dispatch("MESSAGE_CREATE", message)
    await discord.log.wait_for(lambda e: isinstance(e, MessagePosted) and e.message_id == messages[-1]["id"])
    start = len(discord.server.calls)
    await discord.hearth.services.activity.flush()  # the buffer does it within HEARTH_ACTIVITY_FLUSH_SECONDS
    post = await discord.server.wait_for(
        lambda call: call.method == "POST" and "reached level" in str(call.json), after=start
    )
    assert post.path == f"/channels/{discord.world.channels['general']['id']}/messages"
    assert post.json["content"] == f"⬆️ <@{discord.world.id('alice')}> reached level 1!"


async def test_a_level_reached_in_a_forum_post_is_told_by_dm(discord_env: DiscordHarness) -> None:
    """A forum takes messages only in its posts (threads), and what a member earns in one is kept under the forum:
    the announcement "where the points were earned" went to the forum, which Discord refuses, so nobody heard of
    the level (a tester's finding). The member is told by DM, as when there is no channel to announce in."""
    discord, world = discord_env, discord_env.world
    forum = world.add_channel("help", channel_type=p.FORUM)
    post = p.thread("How do I export?", forum, world.id("alice"))
    world.threads.append(post)
    await discord.start()
    for key, value in (("level_curve", "linear"), ("level_step", "2"), ("activity_cooldown", "0s")):
        assert "Done" in await command(discord, "admin", "config set", key=key, value=value)
    messages = [p.message_create(world, "alice", text, thread=post) for text in ("it fails on save", "log attached")]
    for message in messages:
        await discord.server.dispatch("MESSAGE_CREATE", message)
    await discord.log.wait_for(lambda e: isinstance(e, MessagePosted) and e.message_id == messages[-1]["id"])
    await discord.hearth.services.activity.flush()
    told = await discord.server.wait_for(lambda call: call.method == "POST" and "reached level" in str(call.json))
    assert told in discord.server.dms_to("alice")
    assert told.json["content"] == f"⬆️ <@{world.id('alice')}> reached level 1!"
    assert not discord.server.posted_in("help")
