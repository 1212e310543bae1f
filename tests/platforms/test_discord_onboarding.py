"""Onboarding and introductions on Discord, end to end: the real discord.py client against the fake Discord.

The newcomer's checklist arrives by DM and its buttons work there (also when the bot restarted in
between); roles are granted by REST; `/intro` is a modal whose card gets a thread; nudges, alerts and raid
batches are driven on the virtual scheduler.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from bot.core.events import MemberJoined, MessagePosted
from bot.core.scheduling import VirtualScheduler
from cogs.introductions.service import IntroductionService
from tests.conftest import NewRuntime, ledger_rows
from tests.platforms import discord_payloads as p
from tests.platforms.conftest import DiscordHarness
from tests.platforms.discord_payloads import Mention
from tests.platforms.fake_discord import Call

INTRO = {"name": "Ali", "location": "Berlin", "about": "Looking for friends", "interests": "Python, board games"}


def prepare(world: p.DiscordWorld) -> None:
    """Channels and roles a community sets up for onboarding (before the bot connects: GUILD_CREATE)."""
    for channel in ("welcome", "intros", "mods"):
        world.add_channel(channel)
    for role in ("Member", "Python", "Games"):
        world.add_role(role)  # below Hearth's own role


async def moderate(discord: DiscordHarness, command: str, **options: str | int | Mention) -> None:
    call = await discord.server.interact(p.command_interaction(discord.world, "mod", command, dict(options)))
    content = call.json["data"]["content"]
    assert content.startswith("Done"), content


async def set_up(discord: DiscordHarness, **settings: str) -> None:
    """Prepare the world, connect, and configure onboarding with moderator commands like a person would."""
    prepare(discord.world)
    await discord.start()
    for purpose, channel in (("welcome", "welcome"), ("intros", "intros"), ("mods", "mods")):
        await moderate(discord, "onboarding channel", purpose=purpose, channel=Mention("channel", channel))
    await moderate(discord, "onboarding rules", text="Be kind. No spam.")
    await moderate(discord, "onboarding access", role=Mention("role", "Member"))
    for interest in ("Python", "Games"):
        await moderate(discord, "onboarding interest-add", name=interest, role=Mention("role", interest))
    for key, value in settings.items():
        await moderate(discord, "onboarding set", key=key, value=value)


async def arrive(discord: DiscordHarness, name: str) -> None:
    if name not in discord.world.users:
        discord.world.add_member(name)
    await discord.server.dispatch("GUILD_MEMBER_ADD", p.member_add(discord.world, name))


async def welcomed(discord: DiscordHarness, name: str) -> None:
    """Returns once every cog has handled `name`'s join (the event log hears of it last)."""
    member_id = discord.world.id(name)
    await discord.log.wait_for(lambda e: isinstance(e, MemberJoined) and e.member.external_id == member_id)


async def join(discord: DiscordHarness, name: str) -> None:
    await arrive(discord, name)
    await welcomed(discord, name)


async def say(discord: DiscordHarness, name: str, text: str, **where: Any) -> None:
    """A member's message; returns once every cog has handled it."""
    said = p.message_create(discord.world, name, text, **where)
    await discord.server.dispatch("MESSAGE_CREATE", said)
    await discord.log.wait_for(lambda e: isinstance(e, MessagePosted) and e.message_id == said["id"])


def components(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The message's buttons and menus by custom id."""
    return {item["custom_id"]: item for row in body.get("components") or [] for item in row["components"]}


def text_inputs(modal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["components"][0]["custom_id"]: row["components"][0] for row in modal["components"]}


async def click(discord: DiscordHarness, name: str, message: Call, custom_id: str, *values: str) -> dict[str, Any]:
    """`name` uses a component of a message Hearth sent (by DM or in a channel); returns Hearth's answer."""
    assert message.created is not None
    in_dm = message.path.split("/")[2] not in {c["id"] for c in discord.world.channels.values()}
    if in_dm:
        payload = p.dm_component_interaction(discord.world, name, custom_id, message.created, values=values)
    else:
        channel = discord.world.channel_name(message.created["channel_id"])
        payload = p.component_interaction(
            discord.world, name, custom_id, message.created, values=values, channel=channel
        )
    answer = await discord.server.interact(payload)
    data: dict[str, Any] = answer.json["data"]
    return data


def scheduler(discord: DiscordHarness) -> VirtualScheduler:
    found = discord.hearth.services.scheduler
    assert isinstance(found, VirtualScheduler)
    return found


async def steps(discord: DiscordHarness) -> list[str | None]:
    return [reason for _, _, reason in await ledger_rows(discord.hearth, "onboarding_step")]


async def test_a_newcomer_is_onboarded_by_dm_buttons_a_modal_and_a_hello(
    discord_env: DiscordHarness, new_runtime: NewRuntime
) -> None:
    await set_up(discord_env, welcome_when="completion")
    server, world = discord_env.server, discord_env.world
    await join(discord_env, "newbie")
    [dm] = server.dms_to("newbie")
    checklist = dm.json["embeds"][0]
    assert dm.json["content"].startswith(f"Welcome to Hearth Test Server, <@{world.id('newbie')}>! 👋")
    assert "⬜ Accept the rules" in checklist["description"]
    assert checklist["fields"][0]["value"] == "Be kind. No spam."
    # A click in a DM comes with no server: the custom ids name it.
    agree, interests = f"g{world.guild_id}.onb:agree", f"g{world.guild_id}.onb:interests"
    assert set(components(dm.json)) == {agree, interests}
    assert sorted(o["label"] for o in components(dm.json)[interests]["options"]) == ["Games", "Python"]
    assert not server.posted_in("welcome")  # the public welcome waits for completion

    # A new process between the DM and the click: nothing about the checklist is kept in memory.
    await discord_env.restart(await new_runtime())
    agreed = await click(discord_env, "newbie", dm, agree)
    assert agreed["flags"] & p.EPHEMERAL and agreed["content"].startswith("Thanks for agreeing to the rules!")
    assert "✅ Accept the rules" in agreed["embeds"][0]["description"]
    assert server.roles_granted() == [("newbie", "Member")]
    assert set(components(agreed)) == {interests}  # the answer in the DM is scoped too

    options = [o["value"] for o in components(dm.json)[interests]["options"]]
    picked = await click(discord_env, "newbie", dm, interests, *options)
    assert picked["content"].startswith("Interests saved: Games, Python.")
    assert server.roles_granted()[1:] == [("newbie", "Games"), ("newbie", "Python")]

    opened = await server.interact(p.command_interaction(world, "newbie", "intro"))
    assert opened.json["type"] == 9 and opened.json["data"]["title"] == "Introduce yourself"
    fields = text_inputs(opened.json["data"])
    assert list(fields) == ["name", "location", "about", "interests", "fun_fact"]
    assert fields["about"]["max_length"] == 500 and fields["about"]["style"] == 2  # a paragraph box
    submitted = await server.interact(p.modal_interaction(world, "newbie", "intro:", INTRO))
    intros = world.channels["intros"]["id"]
    assert submitted.json["data"]["content"] == f"Your introduction is posted in <#{intros}> (+20 points). " + (
        "Members can say hi in its thread."
    )
    [card] = server.posted_in("intros")
    assert card.json["embeds"][0]["title"] == "👋 Meet Ali" and card.created is not None
    [started] = server.calls_to("POST", rf"/channels/{intros}/messages/{card.created['id']}/threads")
    assert started.json["name"] == "Welcome, Ali!" and started.created is not None
    assert not server.posted_in("welcome")

    # After another restart the thread is known from GUILD_CREATE: replies there earn welcome points.
    await discord_env.restart(await new_runtime())
    await say(discord_env, "bob", "Welcome, Ali!", thread=started.created)
    await say(discord_env, "bob", "And welcome again", thread=started.created)
    assert await ledger_rows(discord_env.hearth, "intro_welcome") == [(world.id("bob"), 2, None)]

    await say(discord_env, "newbie", "hello everyone!")
    [welcome] = server.posted_in("welcome")
    assert welcome.json["content"].startswith(f"Welcome to Hearth Test Server, <@{world.id('newbie')}>!")
    assert [str(u) for u in welcome.json["allowed_mentions"]["users"]] == [world.id("newbie")]
    assert "You're all set" in server.dms_to("newbie")[-1].json["content"]
    assert await steps(discord_env) == ["joined", "rules", "interests", "intro", "hello"]

    # Running /intro again opens the form filled in, and edits the card instead of posting another.
    reopened = await server.interact(p.command_interaction(world, "newbie", "intro"))
    assert reopened.json["data"]["title"] == "Edit your introduction"
    assert text_inputs(reopened.json["data"])["location"]["value"] == "Berlin"
    edited = await server.interact(p.modal_interaction(world, "newbie", "intro:", {**INTRO, "location": "Porto"}))
    assert edited.json["data"]["content"] == f"Your introduction in <#{intros}> is updated."
    [patched] = server.calls_to("PATCH", rf"/channels/{intros}/messages/{card.created['id']}")
    assert {"name": "Where are you?", "value": "Porto", "inline": True} in patched.json["embeds"][0]["fields"]
    assert len(server.posted_in("intros")) == 1
    assert [points for _, points, _ in await ledger_rows(discord_env.hearth, "intro")] == [20]


async def test_interests_chosen_again_show_what_was_chosen_and_take_back_the_roles_left_out(
    discord_env: DiscordHarness,
) -> None:
    """tester-b: choosing interests again replaced the member's choices but kept every role given before (the menu
    showed nothing chosen, so a member adding one dropped the others from their choices, keeping their roles)."""
    await set_up(discord_env)
    server, world = discord_env.server, discord_env.world
    await join(discord_env, "newbie")
    [dm] = server.dms_to("newbie")
    interests = f"g{world.guild_id}.onb:interests"
    options = {o["label"]: o["value"] for o in components(dm.json)[interests]["options"]}
    assert not any(o.get("default") for o in components(dm.json)[interests]["options"])
    picked = await click(discord_env, "newbie", dm, interests, options["Games"], options["Python"])
    assert {o["label"]: o["default"] for o in components(picked)[interests]["options"]} == {
        "Games": True,
        "Python": True,
    }
    assert sorted(world.member_roles["newbie"]) == ["Games", "Python"]

    again = await click(discord_env, "newbie", dm, interests, options["Python"])
    assert again["content"].startswith("Interests saved: Python.")
    assert world.member_roles["newbie"] == ["Python"]
    assert {o["label"]: o["default"] for o in components(again)[interests]["options"]} == {
        "Games": False,
        "Python": True,
    }


async def test_an_intro_whose_card_was_deleted_is_posted_again(discord_env: DiscordHarness) -> None:
    """tester-b: once a moderator had deleted a member's intro card, `/intro` answered "I couldn't post your
    introduction: I can no longer edit that message" every time: the member could never introduce themselves again."""
    await set_up(discord_env)
    world, server = discord_env.world, discord_env.server
    intros = world.channels["intros"]["id"]
    await join(discord_env, "newbie")
    await server.interact(p.modal_interaction(world, "newbie", "intro:", INTRO))
    [card] = server.posted_in("intros")
    assert card.created is not None
    server.deleted_messages.add(card.created["id"])

    again = await server.interact(p.modal_interaction(world, "newbie", "intro:", {**INTRO, "location": "Porto"}))
    assert again.json["data"]["content"] == (
        f"Your introduction is posted again in <#{intros}>: I could no longer edit the earlier one. "
        "Members can say hi in its thread."
    )
    _, reposted = server.posted_in("intros")
    assert reposted.created is not None
    assert {"name": "Where are you?", "value": "Porto", "inline": True} in reposted.json["embeds"][0]["fields"]
    [thread] = server.calls_to("POST", rf"/channels/{intros}/messages/{reposted.created['id']}/threads")
    assert thread.json["name"] == "Welcome, Ali!"
    assert [points for _, points, _ in await ledger_rows(discord_env.hearth, "intro")] == [20]  # points once

    # The new card is the one edited from now on.
    edited = await server.interact(p.modal_interaction(world, "newbie", "intro:", {**INTRO, "location": "Lima"}))
    assert edited.json["data"]["content"] == f"Your introduction in <#{intros}> is updated."
    assert server.calls_to("PATCH", rf"/channels/{intros}/messages/{reposted.created['id']}")
    assert len(server.posted_in("intros")) == 2


async def test_an_intro_that_could_not_be_recorded_takes_its_card_back(
    discord_env: DiscordHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Posted, then not recorded (the database locked by another program): "nothing was changed" holds, the card
    is deleted. Until 2026-12-01 it stayed, and the member's next try posted a second card beside it."""
    await set_up(discord_env)
    world, server = discord_env.world, discord_env.server
    intros = world.channels["intros"]["id"]
    await join(discord_env, "newbie")
    save = IntroductionService.save

    async def locked_once(self: IntroductionService, *args: Any) -> Any:
        monkeypatch.setattr(IntroductionService, "save", save)
        raise OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(IntroductionService, "save", locked_once)
    refused = await server.interact(p.modal_interaction(world, "newbie", "intro:", INTRO))
    assert "nothing was changed" in refused.json["data"]["content"]
    [card] = server.posted_in("intros")
    assert card.created is not None
    assert server.calls_to("DELETE", rf"/channels/{intros}/messages/{card.created['id']}")

    await server.interact(p.modal_interaction(world, "newbie", "intro:", INTRO))
    assert len(server.posted_in("intros")) == 2
    assert [points for _, points, _ in await ledger_rows(discord_env.hearth, "intro")] == [20]


@pytest.mark.parametrize("archived", [False, True])
async def test_mydata_delete_renames_the_intro_thread_named_after_the_member(
    discord_env: DiscordHarness, archived: bool
) -> None:
    """Until 2026-12-01 the card was taken down but its thread kept the member's name ("Welcome, Ali!"), shown
    beside the card in the channel. An archived thread (Discord archives one after a day of quiet) stays archived."""
    await set_up(discord_env)
    world, server = discord_env.world, discord_env.server
    await join(discord_env, "newbie")
    await server.interact(p.modal_interaction(world, "newbie", "intro:", INTRO))
    [thread] = [t for t in world.threads if t["name"] == "Welcome, Ali!"]
    thread["thread_metadata"]["archived"] = archived
    asked = await server.interact(p.command_interaction(world, "newbie", "mydata delete"))
    message = p.bot_message(world, world.channels["general"]["id"], asked.json["data"])
    [delete] = [
        button["custom_id"]
        for row in asked.json["data"]["components"]
        for button in row["components"]
        if button["label"] == "Delete my data"
    ]
    done = await server.interact(p.component_interaction(world, "newbie", delete, message))
    assert "no longer keeps anything" in done.json["data"]["content"]
    assert thread["name"] == "Introduction removed"
    assert thread["thread_metadata"]["archived"] is archived


@pytest.mark.parametrize("archived", [False, True])
async def test_an_intro_edited_to_another_name_renames_its_thread(discord_env: DiscordHarness, archived: bool) -> None:
    """The card's title followed the new name ("Meet Alice") while its thread kept the first one ("Welcome,
    Alcie!") for good. An edit that keeps the name leaves the thread alone."""
    await set_up(discord_env)
    world, server = discord_env.world, discord_env.server
    await join(discord_env, "newbie")
    await server.interact(p.modal_interaction(world, "newbie", "intro:", {**INTRO, "name": "Alcie"}))
    [thread] = [t for t in world.threads if t["name"] == "Welcome, Alcie!"]
    thread["thread_metadata"]["archived"] = archived
    renames = len(server.calls_to("PATCH", rf"/channels/{thread['id']}"))

    edited = await server.interact(p.modal_interaction(world, "newbie", "intro:", {**INTRO, "name": "Alice"}))
    assert edited.json["data"]["content"].startswith("Your introduction in ")
    assert thread["name"] == "Welcome, Alice!"
    assert thread["thread_metadata"]["archived"] is archived
    renamed = len(server.calls_to("PATCH", rf"/channels/{thread['id']}"))
    await server.interact(p.modal_interaction(world, "newbie", "intro:", {**INTRO, "name": "Alice", "about": "Hi"}))
    assert len(server.calls_to("PATCH", rf"/channels/{thread['id']}")) == renamed > renames


async def test_a_stuck_newcomer_is_nudged_once_and_mods_alerted_once_across_a_restart(
    discord_env: DiscordHarness, new_runtime: NewRuntime
) -> None:
    await set_up(discord_env)
    server, world = discord_env.server, discord_env.world
    await join(discord_env, "newbie")
    await scheduler(discord_env).advance(timedelta(hours=23))
    assert len(server.dms_to("newbie")) == 1  # only the checklist
    await scheduler(discord_env).advance(timedelta(hours=2))
    [_, nudge] = server.dms_to("newbie")
    assert nudge.json["content"] == f"Hi <@{world.id('newbie')}>! Your next step is **Accept the rules** — " + (
        "it only takes a minute. 🙂"
    )
    assert not server.posted_in("mods")

    await discord_env.restart(await new_runtime())
    await scheduler(discord_env).advance(timedelta(days=2))
    [alert] = server.posted_in("mods")
    assert alert.json["content"].startswith(
        f"🧭 <@{world.id('newbie')}> has been stuck at **Accept the rules** for 3 days."
    )
    await scheduler(discord_env).advance(timedelta(weeks=1))
    assert len(server.dms_to("newbie")) == 2 and len(server.posted_in("mods")) == 1

    # The reminder's button works like the first checklist's.
    agreed = await click(discord_env, "newbie", nudge, f"g{world.guild_id}.onb:agree")
    assert agreed["content"].startswith("Thanks for agreeing to the rules!")
    assert server.roles_granted() == [("newbie", "Member")]


async def test_a_raid_of_thirty_joins_gets_one_batched_welcome(discord_env: DiscordHarness) -> None:
    await set_up(discord_env)
    server, world = discord_env.server, discord_env.world
    raiders = [f"raider{n}" for n in range(30)]
    for name in raiders:
        await arrive(discord_env, name)
    for name in raiders:
        await welcomed(discord_env, name)
    assert len(server.posted_in("welcome")) == 4  # below raid_joins (5) newcomers are welcomed one by one
    assert all(len(server.dms_to(name)) == 1 for name in raiders)  # everyone still gets a checklist

    await scheduler(discord_env).advance(timedelta(minutes=2))
    [batch] = server.posted_in("welcome")[4:]
    assert batch.json["content"].startswith("🎉 26 new members arrived together!")
    welcomed_alone = {
        str(u) for call in server.posted_in("welcome")[:4] for u in call.json["allowed_mentions"]["users"]
    }
    in_batch = {str(u) for u in batch.json["allowed_mentions"]["users"]}
    assert len(in_batch) == 26 and in_batch | welcomed_alone == {world.id(name) for name in raiders}


async def test_closed_dms_bring_the_checklist_to_the_welcome_channel(discord_env: DiscordHarness) -> None:
    await set_up(discord_env)
    server, world = discord_env.server, discord_env.world
    world.add_member("shy")
    server.closed_dms.add(world.id("shy"))
    await join(discord_env, "shy")
    assert len(server.dms_to("shy")) == 1  # tried, and Discord answered 50007
    checklist = next(call for call in server.posted_in("welcome") if call.json.get("components"))
    assert checklist.json["content"].startswith(
        f"<@{world.id('shy')}>, I couldn't send you a direct message, so here is your checklist"
    )
    assert set(components(checklist.json)) == {"onb:agree", "onb:interests"}  # in the server: not scoped
    agreed = await click(discord_env, "shy", checklist, "onb:agree")
    assert agreed["flags"] & p.EPHEMERAL and agreed["content"].startswith("Thanks for agreeing to the rules!")
    assert server.roles_granted() == [("shy", "Member")]
    # Someone else pressing the public button changes nothing.
    stranger = await click(discord_env, "bob", checklist, "onb:agree")
    assert stranger["content"].startswith("This checklist is for newcomers")
    assert server.roles_granted() == [("shy", "Member")]


async def test_bad_intro_and_unknown_interest_are_refused_and_change_nothing(discord_env: DiscordHarness) -> None:
    await set_up(discord_env)
    server, world = discord_env.server, discord_env.world
    await join(discord_env, "newbie")
    [dm] = server.dms_to("newbie")
    interests = f"g{world.guild_id}.onb:interests"
    unknown = await click(discord_env, "newbie", dm, interests, "chess")
    assert unknown["flags"] & p.EPHEMERAL
    assert unknown["content"] == "`chess` is not an interest offered here (any more). Choose from: Games, Python."

    await server.interact(p.command_interaction(world, "newbie", "intro"))
    too_long = await server.interact(p.modal_interaction(world, "newbie", "intro:", {**INTRO, "name": "x" * 61}))
    assert too_long.json["data"]["flags"] & p.EPHEMERAL
    assert too_long.json["data"]["content"].startswith(
        "“What should we call you?” is 61 characters long; the limit is 60. Nothing was posted"
    )
    assert not server.posted_in("intros") and not server.calls_to("POST", r"/channels/\d+/messages/\d+/threads")
    assert server.roles_granted() == [] and await steps(discord_env) == ["joined"]
    assert await ledger_rows(discord_env.hearth, "intro") == []


async def test_refused_roles_tell_the_newcomer_and_the_mods_exactly_why(discord_env: DiscordHarness) -> None:
    await set_up(discord_env)
    server, world = discord_env.server, discord_env.world
    await join(discord_env, "newbie")
    [dm] = server.dms_to("newbie")
    agree = f"g{world.guild_id}.onb:agree"

    # Someone takes Manage Roles away from Hearth's role: Discord tells the bot (GUILD_ROLE_UPDATE).
    world.roles["Hearth"]["permissions"] = str(p.MANAGE_CHANNELS)
    await server.dispatch("GUILD_ROLE_UPDATE", p.role_update(world, "Hearth"))
    refused = await click(discord_env, "newbie", dm, agree)
    why = "I need the Manage Roles permission to give @Member: turn it on for Hearth's role in Server Settings → Roles."
    assert refused["flags"] & p.EPHEMERAL
    assert refused["content"].startswith(f"I couldn't give you the role Member: {why}")
    assert "nothing was changed" in refused["content"]
    [alert] = server.posted_in("mods")
    assert alert.json["content"] == f"⚠️ I couldn't give <@{world.id('newbie')}> the role Member: {why}"

    # Hearth may manage roles again, but the member role was moved above Hearth's.
    world.roles["Hearth"]["permissions"] = str(p.MANAGE_ROLES | p.MANAGE_CHANNELS)
    world.roles["Member"]["position"] = 4
    await server.dispatch("GUILD_ROLE_UPDATE", p.role_update(world, "Hearth"))
    await server.dispatch("GUILD_ROLE_UPDATE", p.role_update(world, "Member"))
    above = await click(discord_env, "newbie", dm, agree)
    assert "@Member is not below my highest role @Hearth: drag Hearth's role above it" in above["content"]

    # Hearth's view says yes, Discord says no (403, 50013 Missing Permissions).
    world.roles["Member"]["position"] = 1
    await server.dispatch("GUILD_ROLE_UPDATE", p.role_update(world, "Member"))
    server.forbid.add("roles")
    forbidden = await click(discord_env, "newbie", dm, agree)
    assert (
        "Discord refused to give @Member (Missing Permissions): Hearth's role needs Manage Roles"
        in (forbidden["content"])
    )
    assert len(server.posted_in("mods")) == 3
    assert server.roles_granted() == [] and await steps(discord_env) == ["joined"]

    server.forbid.clear()
    agreed = await click(discord_env, "newbie", dm, agree)
    assert agreed["content"].startswith("Thanks for agreeing to the rules!")
    assert server.roles_granted() == [("newbie", "Member")] and await steps(discord_env) == ["joined", "rules"]


async def test_discord_failing_dms_a_moment_still_brings_the_checklist_and_the_welcome(
    discord_env: DiscordHarness,
) -> None:
    """Discord answering 503 to the DMs (an outage): the join's handling stopped at the checklist's DM with a
    traceback, so the newcomer got no checklist and no public welcome, and their welcomer no word."""
    await set_up(discord_env)
    server, world = discord_env.server, discord_env.world
    world.add_member("ann")
    await server.interact(p.command_interaction(world, "bob", "welcomer join"))
    server.unavailable.add("dms")
    await join(discord_env, "ann")
    checklist = next(call for call in server.posted_in("welcome") if call.json.get("components"))
    assert checklist.json["content"].startswith(f"<@{world.id('ann')}>, I couldn't send you a direct message")
    assert any("Welcome" in (call.json.get("content") or "") for call in server.posted_in("welcome"))
    assert server.dms_to("bob")  # tried, though Discord failed it


async def test_an_intro_longer_than_its_field_allows_now_can_still_be_edited(discord_env: DiscordHarness) -> None:
    """A moderator shortened a field after a member answered it at length: `/intro` offered the answer as it was,
    longer than the field takes, Discord refused the modal, and the member saw "The application did not respond"."""
    await set_up(discord_env)
    world, server = discord_env.world, discord_env.server
    await join(discord_env, "newbie")
    about = "I came for the chess and stayed for the people, the puzzles and the long talks."
    await server.interact(p.modal_interaction(world, "newbie", "intro:", {**INTRO, "about": about}))
    await moderate(discord_env, "onboarding intro-field", key="about", max_length=40)
    form = await server.interact(p.command_interaction(world, "newbie", "intro"))
    assert form.status == 200 and form.json["type"] == 9  # the modal opened
    inputs = {item["custom_id"]: item for row in form.json["data"]["components"] for item in row["components"]}
    assert inputs["about"]["max_length"] == 40 and inputs["about"]["value"] == about[:39] + "…"


async def test_an_interest_refused_shows_its_role_as_discord_takes_it(discord: DiscordHarness) -> None:
    """The example wrote the console's `role:&Chess`, which Discord's role option never shows."""
    options = {"name": "Chess"}
    call = await discord.server.interact(
        p.command_interaction(discord.world, "mod", "onboarding interest-add", options)
    )
    assert call.json["data"]["content"] == (
        "Give either a role (Discord) or a channel (Slack), like `/onboarding interest-add Chess role:@Chess`."
    )


async def test_a_role_that_moderates_or_that_hearth_cannot_give_is_refused_when_chosen(
    discord_env: DiscordHarness,
) -> None:
    """A moderator could set `/onboarding access role:@Staff` (Manage Messages) and every newcomer who agreed became
    a moderator; a role above Hearth's, or @everyone, was taken and failed at each newcomer's click."""
    discord = discord_env
    prepare(discord.world)
    discord.world.add_role("Staff", permissions=p.MANAGE_MESSAGES)  # below Hearth's role: Hearth could give it
    await discord.start()

    async def access(role: str) -> str:
        options = {"role": Mention("role", role)}
        call = await discord.server.interact(p.command_interaction(discord.world, "mod", "onboarding access", options))
        return str(call.json["data"]["content"])

    said = await access("Staff")
    assert said.startswith("@Staff has Manage Messages: Hearth gives roles on its own")
    assert said.endswith("Nothing was changed.")
    assert (await access("Admins")).startswith("@Admins is not below my highest role @Hearth")
    assert "managed by Discord" in await access("everyone")
    assert (await access("Member")).startswith("Done")
    levels = await discord.server.interact(
        p.command_interaction(discord.world, "admin", "levels role", {"level": 2, "role": Mention("role", "Staff")})
    )
    assert str(levels.json["data"]["content"]).startswith("@Staff has Manage Messages")


async def test_a_refused_role_is_told_as_discord_refused_it_when_the_mods_channel_is_closed(
    discord_env: DiscordHarness,
) -> None:
    """Hearth may no longer post in `mod_channel` when Discord refuses a newcomer's role: the newcomer was told the
    mods channel's problem ("I may not post in #mods") as the role's, and that the moderators had been told."""
    await set_up(discord_env)
    server, world = discord_env.server, discord_env.world
    await join(discord_env, "newbie")
    [dm] = server.dms_to("newbie")
    world.deny("mods", "hearth", p.SEND_MESSAGES)
    await server.dispatch("CHANNEL_UPDATE", p.channel_update(world, "mods"))
    server.forbid.add("roles")
    refused = await click(discord_env, "newbie", dm, f"g{world.guild_id}.onb:agree")
    assert refused["content"] == (
        "I couldn't give you the role Member: Discord refused to give @Member (Missing Permissions): Hearth's role "
        "needs Manage Roles and must sit above @Member in Server Settings → Roles. Please let a moderator know (I "
        "could not tell them); nothing was changed, so please try again later."
    )
    assert server.roles_granted() == [] and await steps(discord_env) == ["joined"]


async def test_a_welcome_channel_closed_to_hearth_spoils_no_click_and_no_join(discord_env: DiscordHarness) -> None:
    """`welcome_channel` deleted or closed to Hearth: the click that completed a checklist answered "Sorry, something
    went wrong on my side and nothing was changed" (its step, role and points went through), and a newcomer with
    closed DMs stopped the join's handling with a traceback: their welcomer was never told."""
    await set_up(discord_env, welcome_when="completion")
    server, world = discord_env.server, discord_env.world
    for step in ("interests", "intro", "hello"):
        await moderate(discord_env, "onboarding step", step=step, mode="off")
    await join(discord_env, "newbie")
    [dm] = server.dms_to("newbie")
    world.deny("welcome", "hearth", p.SEND_MESSAGES)
    await server.dispatch("CHANNEL_UPDATE", p.channel_update(world, "welcome"))
    welcome = f"<#{world.channels['welcome']['id']}>"
    refused = f"I may not post in {welcome}: give Hearth View Channel and Send Messages there."

    answer = await click(discord_env, "newbie", dm, f"g{world.guild_id}.onb:agree")

    assert answer["content"].startswith("Thanks for agreeing to the rules! 🎉 You're all set — welcome aboard!")
    assert server.roles_granted() == [("newbie", "Member")] and await steps(discord_env) == ["joined", "rules"]
    [told] = server.posted_in("mods")
    assert told.json["content"] == f"⚠️ I couldn't post a newcomer's welcome in {welcome}: {refused}"

    world.add_member("shy")
    await server.interact(p.command_interaction(world, "bob", "welcomer join"))
    server.closed_dms.add(world.id("shy"))
    await join(discord_env, "shy")
    [to_welcomer] = server.dms_to("bob")
    assert f"<@{world.id('shy')}> just joined and you are their welcomer" in to_welcomer.json["content"]
