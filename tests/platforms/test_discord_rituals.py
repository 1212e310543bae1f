"""Rituals on Discord, end to end: the real discord.py client against the fake Discord, on the virtual clock.

The clock starts on Wednesday 2026-03-04 12:00 UTC (tests/conftest.py START). Firings, windows and
restarts are driven like the console tests do, by moving the runtime's VirtualScheduler.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.clock import VirtualClock
from bot.core.events import MessagePosted
from bot.core.messenger import PlatformError
from bot.core.refs import CommunityRef, MemberRef
from bot.core.reply import Button, Reply
from bot.platforms.discord.refs import PLATFORM
from tests.conftest import NewRuntime, ledger_rows
from tests.platforms import discord_payloads as p
from tests.platforms.conftest import DiscordHarness
from tests.platforms.discord_payloads import Mention
from tests.platforms.fake_discord import WAIT_SECONDS, Call
from tests.platforms.test_discord_onboarding import click, components, say, scheduler

THURSDAY_9 = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


async def ritual(discord: DiscordHarness, who: str, verb: str, **options: str | int | Mention) -> dict[str, Any]:
    """`/ritual VERB` by `who`; returns the data of Hearth's answer."""
    call = await discord.server.interact(p.command_interaction(discord.world, who, f"ritual {verb}", options))
    data: dict[str, Any] = call.json["data"]
    return data


async def create(discord: DiscordHarness, name: str, channel: str, schedule: str, **options: str | int) -> None:
    done = await ritual(
        discord, "mod", "create", name=name, channel=Mention("channel", channel), schedule=schedule, **options
    )
    assert done["content"] == f"Ritual **{name}** is set.", done["content"]


def fields(data: dict[str, Any]) -> dict[str, str]:
    return {field["name"]: field["value"] for field in data["embeds"][0]["fields"]}


def mentions(discord: DiscordHarness, *names: str) -> str:
    return ", ".join(f"<@{discord.world.id(name)}>" for name in names)


async def advance(discord: DiscordHarness, delta: timedelta) -> None:
    await scheduler(discord).advance(delta)


def contents(calls: list[Call]) -> list[str]:
    return [call.json.get("content") or call.json["embeds"][0]["title"] for call in calls]


async def test_commands_are_two_native_groups_with_typed_options(discord: DiscordHarness) -> None:
    [sync] = discord.server.calls_to("PUT", rf"/applications/{discord.world.application_id}/commands")
    by_name = {command["name"]: command for command in sync.body}
    verbs = {verb["name"]: verb for verb in by_name["ritual"]["options"]}
    assert len(verbs) <= 25 and all(verb["type"] == p.SUB_COMMAND for verb in verbs.values())
    assert {"create", "edit", "list", "show", "pause", "resume", "delete", "run-now", "join", "leave"} <= set(verbs)
    assert by_name["ritual"]["default_member_permissions"] is None  # members may list, join, see streaks

    options = verbs["create"]["options"]
    assert [o["name"] for o in options if o["required"]] == ["name", "channel", "schedule"]
    assert [o["name"] for o in options][:3] == ["name", "channel", "schedule"]  # required ones come first
    create_options = {o["name"]: o for o in options}
    assert create_options["channel"]["type"] == p.CHANNEL
    assert [c["value"] for c in create_options["kind"]["choices"]] == [
        "prompt",
        "thread",
        "pairing",
        "spotlight",
        "celebration",
    ]
    assert (create_options["points"]["min_value"], create_options["points"]["max_value"]) == (0, 1000)
    assert create_options["prompt"]["max_length"] == 1000 and create_options["name"]["max_length"] == 50
    assert create_options["tz"]["type"] == create_options["window"]["type"] == p.STRING
    assert [c["value"] for c in create_options["frequent"]["choices"]] == ["yes", "no"]
    assert "kind" not in {o["name"] for o in verbs["edit"]["options"]}

    birthday = {verb["name"]: verb for verb in by_name["birthday"]["options"]}
    assert set(birthday) == {"set", "remove"}
    assert birthday["set"]["options"][0]["name"] == "date" and birthday["set"]["options"][0]["max_length"] == 30


async def test_a_prompt_ritual_from_creation_to_streak_and_recap(discord: DiscordHarness) -> None:
    server, world = discord.server, discord.world
    done = await ritual(
        discord,
        "mod",
        "create",
        name="standup",
        channel=Mention("channel", "general"),
        schedule="weekdays at 09:00",
        prompt="Plans for {date}?",
        window="3h",
    )
    assert done["flags"] & p.EPHEMERAL and done["content"] == "Ritual **standup** is set."
    preview = fields(done)
    assert preview["Schedule"] == "every weekday (Monday to Friday) at 09:00 (UTC)"
    assert preview["Next runs"] == "Thu 05 Mar 2026 09:00 UTC; Fri 06 Mar 2026 09:00 UTC; Mon 09 Mar 2026 09:00 UTC"
    assert preview["Channel"] == f"<#{world.channels['general']['id']}>"
    assert not server.posted_in("general")

    await advance(discord, timedelta(hours=21))  # Thursday 09:00
    [posted] = server.posted_in("general")
    card = posted.json["embeds"][0]
    assert (card["title"], card["description"]) == ("🔔 standup", "Plans for Thursday 5 March 2026?")
    assert card["footer"]["text"] == "Reply in this channel within 3 hours to take part (+5 points)"

    await say(discord, "alice", "on it")
    await say(discord, "alice", "and more")  # counts once
    await say(discord, "bob", "me too")
    await say(discord, "mod", "elsewhere", channel="ideas")  # another channel: not a reply
    await advance(discord, timedelta(hours=3))
    assert contents(server.posted_in("general"))[1:] == ["📋 **standup** recap: 2 members took part."]

    # Friday and Monday: alice again (three runs in a row); bob only after Monday's window.
    await advance(discord, timedelta(hours=21))
    await say(discord, "alice", "friday")
    await advance(discord, timedelta(hours=72))
    await say(discord, "alice", "monday")
    await advance(discord, timedelta(hours=3))
    await say(discord, "bob", "too late")
    alice = f"<@{world.id('alice')}>"
    said = contents(server.posted_in("general"))[2:]
    assert said == [
        "🔔 standup",
        "📋 **standup** recap: 1 member took part.",
        "🔔 standup",
        f"🔥 {alice} has taken part in **standup** 3 times in a row!",
        f"📋 **standup** recap: 1 member took part. New streak milestones: {alice} (3 in a row).",
    ]
    milestone = server.posted_in("general")[5]
    assert [str(user) for user in milestone.json["allowed_mentions"]["users"]] == [world.id("alice")]

    participation = await ledger_rows(discord.hearth, "ritual_participation")
    assert [member for member, _, _ in participation].count(world.id("alice")) == 3
    assert [(member, points) for member, points, _ in participation if member == world.id("bob")] == [
        (world.id("bob"), 5)
    ]
    streaks = await ritual(discord, "bob", "streaks", name="standup")
    assert streaks["embeds"][0]["description"] == "1. **Alice** — 3 in a row"


async def test_a_thread_ritual_counts_replies_in_its_thread_only(discord: DiscordHarness) -> None:
    server, world = discord.server, discord.world
    await create(discord, "wins", "ideas", "daily at 17:00", kind="thread", prompt="What went well?")
    await advance(discord, timedelta(hours=5))
    [posted] = server.posted_in("ideas")
    assert posted.json["embeds"][0]["title"] == "🔔 wins" and posted.created is not None
    [opened] = server.calls_to(
        "POST", rf"/channels/{world.channels['ideas']['id']}/messages/{posted.created['id']}/threads"
    )
    assert opened.json["name"] == "wins — 2026-03-04" and opened.created is not None

    await say(discord, "alice", "shipped the release", thread=opened.created)
    await say(discord, "bob", "a message beside the thread", channel="ideas")
    reply = await discord.log.wait_for(lambda e: isinstance(e, MessagePosted) and e.text == "shipped the release")
    assert isinstance(reply, MessagePosted)
    assert (reply.channel.external_id, reply.thread_id) == (world.channels["ideas"]["id"], opened.created["id"])
    assert reply.channel.thread_id == opened.created["id"]

    await advance(discord, timedelta(days=1))
    assert "📋 **wins** recap: 1 member took part." in contents(server.posted_in("ideas"))
    assert [member for member, _, _ in await ledger_rows(discord.hearth, "ritual_participation")] == [world.id("alice")]


async def test_pairing_opt_in_a_trio_and_a_yes_from_a_dm_after_a_restart(
    discord_env: DiscordHarness, new_runtime: NewRuntime
) -> None:
    world = discord_env.world
    members = ("alice", "bob", "carol", "dan", "eve")
    for name in members[2:]:
        world.add_member(name)
    await discord_env.start()
    server = discord_env.server
    await create(discord_env, "coffee", "general", "every monday at 10:00", kind="pairing", points=20, window="2d")
    for name in members:
        joined = await ritual(discord_env, name, "join", name="coffee")
        assert joined["flags"] & p.EPHEMERAL and joined["content"].startswith("You're in!")
    again = await ritual(discord_env, "alice", "join", name="coffee")
    assert again["content"] == "You're already in **coffee**."

    await advance(discord_env, timedelta(days=5))  # Monday 9 March, 10:00
    [announced] = server.posted_in("general")
    card = announced.json["embeds"][0]
    assert card["title"] == "☕ coffee: this round's pairs"
    groups = [re.findall(r"<@(\d+)>", line) for line in card["description"].splitlines()]
    assert sorted(len(group) for group in groups) == [2, 3]
    assert sorted(world.user_name(id_) for group in groups for id_ in group) == sorted(members)
    for group in groups:
        names = [world.user_name(id_) for id_ in group]
        for name in names:
            [introduced] = server.dms_to(name)  # each member of the group, privately
            assert introduced.json["content"].startswith(f"👋 {mentions(discord_env, *names)}: you're paired for")
            assert sorted(str(u) for u in introduced.json["allowed_mentions"]["users"]) == sorted(group)

    await advance(discord_env, timedelta(days=2))  # the window ends: "did you meet?"
    pair = [world.user_name(id_) for id_ in min(groups, key=len)]
    trio = [world.user_name(id_) for id_ in max(groups, key=len)]
    follow_up = {name: server.dms_to(name)[-1] for name in members}
    assert all(call.json["content"] == "Did you meet for **coffee**?" for call in follow_up.values())
    prefix = f"g{world.guild_id}.ritual:"  # a click in a DM comes with no server: the custom ids name it
    met, skip = (
        next(custom_id for custom_id in components(follow_up[pair[0]].json) if custom_id.startswith(prefix + verb))
        for verb in ("met", "skip")
    )
    assert components(follow_up[pair[0]].json)[met]["label"] == "Yes, we met"

    # A new process between the DM and the click: the button carries everything it needs.
    await discord_env.restart(await new_runtime())
    yes = await click(discord_env, pair[0], follow_up[pair[0]], met)
    assert yes["flags"] & p.EPHEMERAL and yes["content"] == "Wonderful! +20 points each for meeting up."
    again_yes = await click(discord_env, pair[1], follow_up[pair[1]], met)
    assert again_yes["content"] == "Already noted — glad you met!"
    trio_skip = next(c for c in components(follow_up[trio[0]].json) if c.startswith(prefix + "skip"))
    no = await click(discord_env, trio[0], follow_up[trio[0]], trio_skip)
    assert no["content"] == "Thanks for letting us know — maybe next round!"
    assert skip != trio_skip  # each group's buttons are its own
    met_rows = await ledger_rows(discord_env.hearth, "ritual_pairing_met")
    assert sorted((world.user_name(member), points) for member, points, _ in met_rows) == [
        (name, 20) for name in sorted(pair)
    ]


async def test_a_group_message_reaches_whoever_it_can_with_buttons_for_the_dm(discord: DiscordHarness) -> None:
    world, server = discord.world, discord.server
    community = CommunityRef(PLATFORM, world.guild_id, world.name)
    alice, bob = (MemberRef(community, world.id(name), name.capitalize()) for name in ("alice", "bob"))
    gone = MemberRef(community, p.snowflake(), "Gone")  # an account Discord no longer knows
    messenger = discord.bot.messenger  # type: ignore[union-attr]
    server.closed_dms.add(world.id("bob"))
    await messenger.send_group([alice, bob, gone], Reply(text="hi", buttons=(Button("Yes", "ritual:met:1:1"),)))
    [dm] = server.dms_to("alice")
    assert set(components(dm.json)) == {f"g{world.guild_id}.ritual:met:1:1"}
    assert len(server.dms_to("bob")) == 1  # tried: Discord said 50007

    server.closed_dms.add(world.id("alice"))
    with pytest.raises(PlatformError, match="I could not message any of Alice, Bob"):
        await messenger.send_group([alice, bob], Reply(text="hi"))


async def test_spotlight_and_celebration_post_their_content(discord: DiscordHarness) -> None:
    server, world = discord.server, discord.world
    for giver, receiver in (("alice", "bob"), ("mod", "bob"), ("bob", "alice")):
        options: dict[str, str | Mention] = {"member": Mention("member", receiver), "reason": "thanks"}
        await server.interact(p.command_interaction(world, giver, "kudos", options))
    await create(discord, "spotlight", "general", "every friday at 16:00", kind="spotlight")
    await advance(discord, timedelta(days=3))
    [spotlight] = server.posted_in("general")
    card = spotlight.json["embeds"][0]
    assert card["title"] == "🌟 spotlight: the week of 2 March 2026"
    bob, alice = f"<@{world.id('bob')}>", f"<@{world.id('alice')}>"
    assert f"🥇 {bob} — 20 points\n🥈 {alice} — 10 points" in card["description"]
    assert f"💛 {bob} — thanked 2 times\n💛 {alice} — thanked once" in card["description"]
    assert (await ritual(discord, "mod", "delete", name="spotlight"))["content"].startswith("Deleted **spotlight**")

    saved = await server.interact(p.command_interaction(world, "bob", "birthday set", {"date": "March 8"}))
    assert saved.json["data"]["content"].startswith("Saved: 8 March. No celebration ritual runs here yet")
    await create(discord, "party", "ideas", "0 8 * * *", kind="celebration", tz="Europe/Berlin")
    await advance(discord, timedelta(days=1))  # Sunday: bob's birthday
    [party] = server.posted_in("ideas")
    assert party.json["embeds"][0]["title"] == "🎉 party"
    assert party.json["embeds"][0]["description"] == f"🎂 Happy birthday, {bob}!"
    await advance(discord, timedelta(days=1))
    assert len(server.posted_in("ideas")) == 1  # nobody to celebrate on Monday: nothing posted

    # A year after they were first seen (at the start of this test), members have an anniversary.
    edited = await ritual(discord, "mod", "edit", name="party", schedule="0 8 4 3 *")  # yearly, on 4 March
    assert fields(edited)["Next runs"].startswith("Thu 04 Mar 2027 07:00 UTC")
    # Jump to the eve of the anniversary instead of playing out a year of half-hourly onboarding sweeps.
    clock = scheduler(discord).virtual_clock
    clock.set(datetime(2027, 3, 3, 12, 0, tzinfo=UTC))
    await advance(discord, timedelta(days=1))
    anniversary = server.posted_in("ideas")[-1].json["embeds"][0]["description"]
    assert f"🎉 {alice} joined us 1 year ago today — happy anniversary!" in anniversary


async def test_a_firing_missed_within_the_grace_time_posts_once_when_the_bot_is_ready(
    discord: DiscordHarness, new_runtime: NewRuntime, clock: VirtualClock
) -> None:
    server = discord.server
    await create(discord, "standup", "general", "daily at 09:00", prompt="Plans?")
    await discord.stop()
    clock.set(THURSDAY_9 + timedelta(minutes=30))  # down over Thursday 09:00; back within ritual_grace (1h)
    runtime = await new_runtime()
    server.identified.clear()
    server.ready_gate.clear()  # Discord is slow to say READY: the bot is logged in but knows no server yet
    restarting = asyncio.create_task(discord.restart(runtime))
    await asyncio.wait_for(server.identified.wait(), WAIT_SECONDS)
    await runtime.hooks_done()
    assert not server.posted_in("general")  # the catch-up waits for the bot to be ready
    server.ready_gate.set()
    await restarting
    [posted] = server.posted_in("general")
    assert posted.json["embeds"][0]["title"] == "🔔 standup" and posted.status == 200
    assert server.calls.index(posted) >= server.ready_at[-1]  # posted by the bot that is connected

    clock.set(THURSDAY_9 + timedelta(minutes=40))
    await discord.restart(await new_runtime())  # the run is claimed: nothing more
    assert len(server.posted_in("general")) == 1
    history = await ritual(discord, "mod", "history", name="standup")
    assert history["embeds"][0]["description"] == "Thu 05 Mar 2026 09:00 UTC — posted · 0 took part"


async def test_firings_missed_beyond_the_grace_time_are_recorded_not_posted(
    discord: DiscordHarness, new_runtime: NewRuntime, clock: VirtualClock
) -> None:
    server = discord.server
    await create(discord, "standup", "general", "daily at 09:00", prompt="Plans?")
    await discord.stop()
    clock.set(datetime(2026, 3, 7, 11, 0, tzinfo=UTC))  # Saturday 11:00: three firings, each over 1h late
    await discord.restart(await new_runtime())
    assert not server.posted_in("general")
    history = await ritual(discord, "mod", "history", name="standup")
    assert history["embeds"][0]["description"].splitlines() == [
        f"{day} Mar 2026 09:00 UTC — missed (Hearth was not running)" for day in ("Sat 07", "Fri 06", "Thu 05")
    ]
    await advance(discord, timedelta(days=1))  # Sunday's runs as usual
    assert contents(server.posted_in("general")) == ["🔔 standup"]


async def test_refusals_are_private_and_create_nothing(discord_env: DiscordHarness) -> None:
    world = discord_env.world
    world.add_channel("news")
    world.deny("news", "Hearth", p.SEND_MESSAGES)  # read-only for Hearth's role
    world.add_channel("projects", channel_type=p.CATEGORY)  # a category holds channels, not messages
    await discord_env.start()
    general = Mention("channel", "general")
    refusals: dict[str, dict[str, str | Mention]] = {
        "I can't post in #news. Give me permission to post there, or choose another channel.": {
            "channel": Mention("channel", "news"),
        },
        "I can't post in #projects.": {"channel": Mention("channel", "projects")},
        "`Mars/Olympus` is not a time zone I know. Use an IANA name such as Europe/Berlin.": {"tz": "Mars/Olympus"},
        "I can't read the schedule `whenever`.": {"schedule": "whenever"},
        "`every 30 minutes` would run every 30 minutes; rituals run at most once an hour.": {
            "schedule": "every 30 minutes"
        },
    }
    for refusal, changed in refusals.items():
        options: dict[str, str | Mention] = {
            "name": "standup",
            "channel": general,
            "schedule": "daily at 09:00",
            "prompt": "hi",
            **changed,
        }
        refused = await ritual(discord_env, "mod", "create", **options)
        assert refused["flags"] & p.EPHEMERAL and refused["content"].startswith(refusal), refused["content"]
    assert not discord_env.server.calls_to("POST", r"/channels/\d+/messages")
    listed = await ritual(discord_env, "mod", "list")
    assert listed["content"] == "No rituals yet. Moderators create them with `/ritual create`."

    # Hearth loses Send Messages in #general after the ritual was created: run-now is refused, a firing fails.
    await create(discord_env, "standup", "general", "daily at 09:00", prompt="Plans?")
    world.deny("general", "Hearth", p.SEND_MESSAGES)
    await discord_env.server.dispatch("CHANNEL_UPDATE", p.channel_update(world, "general"))
    now = await ritual(discord_env, "mod", "run-now", name="standup")
    assert now["flags"] & p.EPHEMERAL and now["content"].startswith("I can't post in #general.")
    await advance(discord_env, timedelta(hours=21))
    [refused_post] = discord_env.server.posted_in("general")
    assert refused_post.status == 403
    history = await ritual(discord_env, "mod", "history", name="standup")
    assert history["embeds"][0]["description"].startswith("Thu 05 Mar 2026 09:00 UTC — failed: I may not post in <#")
