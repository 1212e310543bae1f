"""Discord end to end: the real discord.py client against the local fake Discord."""

from __future__ import annotations

import json
import re

from bot.core.commands import CommandSpec, Option, OptionType
from bot.core.context import Context
from bot.core.events import MemberJoined, MessagePosted
from bot.core.refs import Permission
from bot.core.reply import Reply
from tests.platforms import discord_payloads as p
from tests.platforms.conftest import DiscordHarness
from tests.platforms.discord_payloads import Mention


def kudos(discord: DiscordHarness, giver: str, receiver: str, reason: str | None = None, **extra: str) -> dict:
    options: dict = {"member": Mention("member", receiver)}
    if reason is not None:
        options["reason"] = reason
    return p.command_interaction(discord.world, giver, "kudos", options, **extra)


async def test_kudos_answers_with_the_recognition_embed(discord: DiscordHarness) -> None:
    world = discord.world
    call = await discord.server.interact(kudos(discord, "alice", "bob", "thanks for the review"))
    assert call.json["type"] == 4
    data = call.json["data"]
    assert not (data.get("flags") or 0) & p.EPHEMERAL
    assert data["content"] == f"<@{world.id('bob')}>, you got kudos from <@{world.id('alice')}>!"
    embed = data["embeds"][0]
    assert embed["title"] == "🎉 Kudos"
    assert embed["description"] == f"<@{world.id('bob')}> received kudos from <@{world.id('alice')}>"
    assert embed["fields"] == [{"name": "For", "value": "thanks for the review", "inline": False}]
    assert re.fullmatch(
        r"\+10 points for Bob · Alice can give 4 more kudos today · kudos #\d+", embed["footer"]["text"]
    )
    assert embed["color"] == 0xF5A623


def top_level(commands: list[dict], name: str) -> dict:
    return next(command for command in commands if command["name"] == name)


def options_by_name(command: dict) -> dict[str, dict]:
    return {option["name"]: option for option in command.get("options", [])}


async def test_commands_sync_as_native_slash_commands(discord_env: DiscordHarness) -> None:
    async def sample(ctx, count, role, every, zone) -> Reply:
        return Reply(text="ok")

    discord_env.hearth.registry.command(
        CommandSpec(
            name="sample",
            description="Every option type",
            handler=sample,
            options=(
                Option("count", OptionType.INTEGER, "How many", min_value=1, max_value=10),
                Option("role", OptionType.ROLE, "Which role"),
                Option("every", OptionType.DURATION, "How often", required=False),
                Option("zone", OptionType.TIMEZONE, "Where", required=False),
            ),
            permission=Permission.ADMIN,
        )
    )
    await discord_env.start()
    world = discord_env.world
    sync = discord_env.server.calls_to("PUT", rf"/applications/{world.application_id}/commands")
    assert len(sync) == 1
    commands = sync[0].body
    registered = {spec.group or spec.name for spec in discord_env.hearth.registry.commands.values()}
    assert {command["name"] for command in commands} == registered
    assert {"kudos", "rank", "leaderboard", "help", "config", "sample"} <= registered

    kudos_options = options_by_name(top_level(commands, "kudos"))
    assert kudos_options["member"]["type"] == p.USER and kudos_options["member"]["required"]
    assert kudos_options["reason"]["type"] == p.STRING and kudos_options["reason"]["max_length"] == 300
    assert not kudos_options["reason"].get("required")
    assert top_level(commands, "kudos")["default_member_permissions"] is None
    assert top_level(commands, "kudos")["contexts"] == [0]  # servers only

    period = options_by_name(top_level(commands, "leaderboard"))["period"]
    assert [choice["value"] for choice in period["choices"]] == ["week", "month", "quarter", "year", "all", "season"]
    assert options_by_name(top_level(commands, "rank"))["member"]["type"] == p.USER

    config = top_level(commands, "config")
    assert int(config["default_member_permissions"]) == p.MANAGE_MESSAGES  # the least privileged verb, /config show
    verbs = options_by_name(config)
    assert verbs["show"]["type"] == verbs["set"]["type"] == p.SUB_COMMAND
    set_options = options_by_name(verbs["set"])
    every_key = list(discord_env.hearth.registry.settings.keys())
    # More keys than Discord's 25 fixed choices: offered by autocomplete (the core refuses any other value).
    assert len(every_key) > 25 and set_options["key"]["autocomplete"] is True and "choices" not in set_options["key"]
    assert (
        set_options["value"]["type"] == p.STRING and set_options["value"]["max_length"] == 2000
    )  # level_roles, the longest list setting
    assert set_options["channel"]["type"] == p.CHANNEL

    sample_command = top_level(commands, "sample")
    assert int(sample_command["default_member_permissions"]) == p.MANAGE_GUILD
    sample_options = options_by_name(sample_command)
    assert (sample_options["count"]["type"], sample_options["count"]["min_value"]) == (p.INTEGER, 1)
    assert sample_options["count"]["max_value"] == 10
    assert sample_options["role"]["type"] == p.ROLE
    assert sample_options["every"]["type"] == sample_options["zone"]["type"] == p.STRING


async def test_commands_sync_to_the_development_server_when_set(discord_env: DiscordHarness) -> None:
    world = discord_env.world
    await discord_env.start(discord_dev_guild_id=int(world.guild_id))
    path = rf"/applications/{world.application_id}/guilds/{world.guild_id}/commands"
    synced = discord_env.server.calls_to("PUT", path)
    assert len(synced) == 1
    assert {command["name"] for command in synced[0].body} >= {"kudos", "config"}


async def test_self_kudos_is_refused_privately(discord: DiscordHarness) -> None:
    call = await discord.server.interact(kudos(discord, "alice", "alice", "for being me"))
    data = call.json["data"]
    assert call.json["type"] == 4 and data["flags"] & p.EPHEMERAL
    assert data["content"].startswith("You can't give kudos to yourself")


async def rank(discord: DiscordHarness, who: str) -> dict[str, str]:
    call = await discord.server.interact(p.command_interaction(discord.world, who, "rank"))
    return {field["name"]: field["value"] for field in call.json["data"]["embeds"][0]["fields"]}


async def test_messages_earn_activity_once_within_the_cooldown(discord: DiscordHarness) -> None:
    first = p.message_create(discord.world, "alice", "hello everyone")
    second = p.message_create(discord.world, "alice", "and hello again")
    for message in (first, second):
        await discord.server.dispatch("MESSAGE_CREATE", message)
    await discord.log.wait_for(lambda e: isinstance(e, MessagePosted) and e.message_id == second["id"])
    assert (await rank(discord, "alice"))["Points"] == "1"


async def test_everyone_in_a_reason_pings_nobody(discord: DiscordHarness) -> None:
    world = discord.world
    admins = world.roles["Admins"]["id"]
    call = await discord.server.interact(kudos(discord, "alice", "bob", f"@everyone @here <@&{admins}> look"))
    data = call.json["data"]
    assert data["allowed_mentions"]["parse"] == []
    assert {str(user) for user in data["allowed_mentions"]["users"]} == {world.id("bob"), world.id("alice")}
    assert "roles" not in data["allowed_mentions"]
    reason = data["embeds"][0]["fields"][0]["value"]
    # A typed role mention reads as the role's name (issue 13 §5.2), and pings nobody either.
    assert reason == "@\u200beveryone @\u200bhere @Admins look"
    sent = json.dumps(data, ensure_ascii=False)
    assert "@everyone" not in sent and "@here" not in sent and f"<@&{admins}>" not in sent


async def test_the_same_interaction_delivered_twice_awards_once(discord: DiscordHarness) -> None:
    payload = kudos(discord, "alice", "bob", "thanks")
    await discord.server.interact(payload)
    start = len(discord.server.calls)
    await discord.server.dispatch("INTERACTION_CREATE", payload)
    await discord.server.wait_for(lambda call: call.path.startswith(f"/interactions/{payload['id']}/"), after=start)
    standing = await rank(discord, "bob")
    assert (standing["Points"], standing["Kudos received"]) == ("10", "1")


async def test_config_set_is_refused_below_admin(discord: DiscordHarness) -> None:
    world = discord.world
    options = {"key": "kudos_points", "value": "20"}
    refused = await discord.server.interact(p.command_interaction(world, "mod", "config set", options))
    assert refused.json["data"]["flags"] & p.EPHEMERAL
    assert refused.json["data"]["content"] == "Sorry, `/config set` is for admins of this community."
    member = await discord.server.interact(p.command_interaction(world, "alice", "config show"))
    assert member.json["data"]["content"] == "Sorry, `/config show` is for moderators of this community."

    done = await discord.server.interact(p.command_interaction(world, "admin", "config set", options))
    assert done.json["data"]["content"] == "Done: `kudos_points` 10 → 20."
    shown = await discord.server.interact(p.command_interaction(world, "mod", "config show"))
    fields = {f["name"]: f["value"] for f in shown.json["data"]["embeds"][0]["fields"]}
    assert fields["kudos_points"] == "20"


async def test_config_set_takes_a_channel_option(discord: DiscordHarness) -> None:
    world = discord.world
    options: dict[str, str | Mention] = {"key": "announcement_channel", "channel": Mention("channel", "ideas")}
    done = await discord.server.interact(p.command_interaction(world, "owner", "config set", options))
    channel = f"<#{world.channels['ideas']['id']}>"
    assert done.json["data"]["content"] == f"Done: `announcement_channel` not set → {channel}."


# More values than the 25 fixed choices Discord takes; the chocolate ones are spread through the list.
FLAVOURS = (
    "mint chocolate",
    *(f"flavour {n:02d}" for n in range(13)),
    "chocolate chip",
    *(f"flavour {n:02d}" for n in range(13, 26)),
    "chocolate",
)


async def test_a_choice_of_more_than_25_values_is_offered_by_autocomplete(discord_env: DiscordHarness) -> None:
    chosen: list[str] = []

    async def handler(ctx: Context, flavour: str) -> Reply:
        chosen.append(flavour)
        return Reply.private(f"one {flavour}")

    discord_env.hearth.registry.command(
        CommandSpec(
            name="icecream",
            description="Pick a flavour",
            handler=handler,
            options=(Option("flavour", OptionType.CHOICE, "Which one", choices=FLAVOURS),),
        )
    )
    await discord_env.start()
    world = discord_env.world
    sync = discord_env.server.calls_to("PUT", rf"/applications/{world.application_id}/commands")
    flavour = options_by_name(top_level(sync[0].body, "icecream"))["flavour"]
    assert flavour["autocomplete"] and not flavour.get("choices")

    typed_choc = await discord_env.server.interact(
        p.autocomplete_interaction(world, "alice", "icecream", "flavour", "Choc")
    )
    assert typed_choc.json["type"] == 8  # autocomplete result
    assert [c["value"] for c in typed_choc.json["data"]["choices"]] == ["chocolate chip", "chocolate", "mint chocolate"]
    typed_nothing = await discord_env.server.interact(
        p.autocomplete_interaction(world, "alice", "icecream", "flavour", "")
    )
    assert [c["value"] for c in typed_nothing.json["data"]["choices"]] == list(FLAVOURS[:25])

    picked = await discord_env.server.interact(
        p.command_interaction(world, "alice", "icecream", {"flavour": "mint chocolate"})
    )
    assert picked.json["data"]["content"] == "one mint chocolate"
    made_up = await discord_env.server.interact(p.command_interaction(world, "alice", "icecream", {"flavour": "Mud"}))
    assert "Mud" not in chosen and made_up.json["data"]["flags"] & p.EPHEMERAL
    assert "`Mud` is not a flavour; use mint chocolate," in made_up.json["data"]["content"]
    assert chosen == ["mint chocolate"]


async def test_mentions_typed_into_text_show_as_names(discord: DiscordHarness) -> None:
    """Picking @Carol inside a text option sends `<@id>`: it reads as @Carol, as on Slack."""
    world = discord.world
    world.add_member("carol")
    await discord.server.dispatch("GUILD_MEMBER_ADD", p.member_add(world, "carol"))
    await discord.log.wait_for(lambda e: isinstance(e, MemberJoined))
    role, channel = world.roles["Mods"]["id"], world.channels["ideas"]["id"]
    reason = f"pairing with <@{world.id('carol')}> and <@!{world.id('alice')}> in <#{channel}> for <@&{role}>"
    call = await discord.server.interact(kudos(discord, "alice", "bob", reason))
    [field] = call.json["data"]["embeds"][0]["fields"]
    assert field["value"] == "pairing with @Carol and @Alice in #ideas for @Mods"


async def test_names_on_the_leaderboard_show_as_typed(discord: DiscordHarness) -> None:
    """Backticks and underscores in names neither open a code span nor turn a name italic."""
    world = discord.world
    for name in ("`carol", "dave`", "_erin_the_great_"):
        world.add_member(name)
        await discord.server.interact(kudos(discord, "alice", name, "thanks"))
    board = await discord.server.interact(p.command_interaction(world, "bob", "leaderboard"))
    lines = board.json["data"]["embeds"][0]["description"].splitlines()
    assert {line.split(" ", 1)[1] for line in lines[:3]} == {
        "**\\_erin\\_the\\_great\\_** — 10 points",
        "**\\`carol** — 10 points",
        "**Dave\\`** — 10 points",  # the fake world's display names are capitalised
    }


async def test_a_channel_typed_into_a_text_option_fills_the_channel_option(discord: DiscordHarness) -> None:
    """`/config set key:welcome_channel value:#ideas`: Discord's client sends the channel it offered as `<#id>`,
    which sets the channel, as Slack's `/config set welcome_channel #ideas` does; it was refused saying `#ideas`
    is not a channel Hearth can find."""
    world = discord.world
    ideas = world.channels["ideas"]["id"]
    options: dict[str, str | Mention] = {"key": "welcome_channel", "value": f"<#{ideas}>"}
    done = await discord.server.interact(p.command_interaction(world, "admin", "config set", options))
    assert done.json["data"]["content"] == f"Done: `welcome_channel` not set → <#{ideas}>."
    # Given both ways, the channel option stands and the text is read as the value it is.
    options = {"key": "welcome_channel", "value": f"<#{ideas}>", "channel": Mention("channel", "general")}
    both = await discord.server.interact(p.command_interaction(world, "admin", "config set", options))
    assert both.json["data"]["content"] == f"Done: `welcome_channel` <#{ideas}> → <#{world.channels['general']['id']}>."
