"""Community health on the fake Discord: replies are recognised, /health answers with charts attached, and a
ladder invitation accepted by DM grants the role."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.core.events import MemberLeft, MessagePosted
from tests.platforms import discord_payloads as p
from tests.platforms.conftest import DiscordHarness, message_posted
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


async def _invitation_dm(discord: DiscordHarness, who: str) -> tuple[dict[str, Any], dict[str, str]]:
    server, world = discord.server, discord.world
    await server.interact(
        p.command_interaction(
            world,
            "admin",
            "ladder invite",
            {"member": Mention("member", who), "role": "mentor", "grant": Mention("role", "Newcomer")},
        )
    )
    [dm] = server.dms_to(who)
    assert dm.created is not None
    return dm.created, {c["label"]: c["custom_id"] for row in dm.json["components"] for c in row["components"]}


async def test_a_member_who_left_cannot_accept_a_ladder_invitation_from_their_dms(discord: DiscordHarness) -> None:
    """The invitation's DM outlives membership: accepting after leaving welcomed them aboard and tried to give
    the role of a server they are no longer in ('Welcome aboard as mentor! I could not give you the role')."""
    server, world = discord.server, discord.world
    message, buttons = await _invitation_dm(discord, "alice")
    await server.dispatch("GUILD_MEMBER_REMOVE", p.member_remove(world, "alice"))
    await discord.log.wait_for(lambda e: isinstance(e, MemberLeft))
    answer = await server.interact(p.dm_component_interaction(world, "alice", buttons["Accept"], message))
    text = answer.json["data"]["content"]
    assert "no longer a member" in text and "Welcome aboard" not in text
    assert server.roles_granted() == []
    # Back in the server, the invitation still stands.
    await server.dispatch("GUILD_MEMBER_ADD", p.member_add(world, "alice"))
    await discord.log.wait_for(lambda e: type(e).__name__ == "MemberJoined")
    again = await server.interact(p.dm_component_interaction(world, "alice", buttons["Accept"], message))
    assert "Welcome aboard as **mentor**" in again.json["data"]["content"]


async def test_a_ladder_invitation_from_before_the_members_data_deletion_is_no_longer_open(
    discord: DiscordHarness,
) -> None:
    """The invitation went with the member's data (`/mydata delete`): its button said 'This invitation is not yours
    to answer.' to the very member it was sent to."""
    server, world = discord.server, discord.world
    message, buttons = await _invitation_dm(discord, "alice")
    asked = (await server.interact(p.command_interaction(world, "alice", "mydata delete"))).json["data"]
    question = p.bot_message(world, world.channels["general"]["id"], asked)
    delete = next(c["custom_id"] for row in asked["components"] for c in row["components"] if "Delete" in c["label"])
    done = await server.interact(p.component_interaction(world, "alice", delete, question))
    assert "no longer keeps anything" in done.json["data"]["content"]
    answer = await server.interact(p.dm_component_interaction(world, "alice", buttons["Accept"], message))
    assert answer.json["data"]["content"] == "This invitation is no longer open."
    assert server.roles_granted() == []


async def test_accept_and_decline_clicked_at_once_name_the_answer_that_counted(discord: DiscordHarness) -> None:
    """Two clicks racing: the loser was told 'You already answered this invitation (open).'"""
    server, world = discord.server, discord.world
    message, buttons = await _invitation_dm(discord, "alice")
    accept = p.dm_component_interaction(world, "alice", buttons["Accept"], message)
    decline = p.dm_component_interaction(world, "alice", buttons["Decline"], message)
    answers = await asyncio.gather(server.interact(accept), server.interact(decline))
    accepted, declined = [answer.json["data"]["content"] for answer in answers]
    # Either may come first (under load the second click's transaction can win): the other names that answer.
    assert (accepted, declined) in [
        ("Welcome aboard as **mentor**! 🎉", "You already answered this invitation (accepted)."),
        ("You already answered this invitation (declined).", "No problem at all — thanks for letting us know."),
    ]


async def test_a_thread_reply_answers_the_starter_even_when_discord_py_has_not_cached_it(
    discord: DiscordHarness,
) -> None:
    """A thread started on a message Hearth never saw (older than this process, or pushed out of discord.py's
    cache): the starter is fetched once, so the reply is credited as an answer to its author."""
    world, server = discord.world, discord.server
    general = world.channels["general"]
    older = p.message(general["id"], world.users["alice"], "anyone up for a board game night?")
    older["guild_id"] = world.guild_id
    world.messages[older["id"]] = older  # on Discord, never sent to this bot
    thread = {**p.thread("Board games", general, world.id("admin")), "id": older["id"]}
    world.threads.append(thread)
    lone = p.thread("No starter", general, world.id("admin"))  # a thread started on no message
    world.threads.append(lone)
    said = [
        p.message_create(world, "bob", "count me in", thread=thread),
        p.message_create(world, "mod", "me too", thread=thread),
        p.message_create(world, "bob", "hello?", thread=lone),
        p.message_create(world, "mod", "hi", thread=lone),
    ]
    events = []
    for message in said:
        await server.dispatch("MESSAGE_CREATE", message)
        event = await discord.log.wait_for(message_posted(message))
        assert isinstance(event, MessagePosted)
        events.append(event)
    for event in events[:2]:
        assert event.reply_to is not None and event.reply_to.external_id == world.id("alice")
        assert event.reply_to_message_id == older["id"]
    assert all(event.reply_to is None and event.reply_to_message_id is None for event in events[2:])
    # One look-up per thread, however many replies follow.
    assert len(server.calls_to("GET", rf"/channels/{general['id']}/messages/{older['id']}")) == 1
    assert len(server.calls_to("GET", rf"/channels/{general['id']}/messages/{lone['id']}")) == 1


async def test_a_ladder_invitation_discord_fails_to_deliver_is_said_so(discord: DiscordHarness) -> None:
    """Discord answering 503 to the DM: the admin was told 'Sorry, something went wrong ... nothing was
    changed', though the invitation was recorded."""
    server, world = discord.server, discord.world
    server.unavailable.add("dms")
    invited = await server.interact(
        p.command_interaction(world, "admin", "ladder invite", {"member": Mention("member", "alice"), "role": "mentor"})
    )
    assert invited.json["data"]["content"] == (
        f"Invitation recorded, but <@{world.id('alice')}> could not be reached by direct message."
    )
