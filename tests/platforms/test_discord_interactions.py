"""Discord: slow commands, buttons, menus, modals and DM replies, routed by custom id."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.core.commands import CommandSpec
from bot.core.context import Context
from bot.core.reply import Button, Card, Form, FormField, Reply, Select, SelectOption
from bot.platforms.discord.bot import OUTDATED
from tests.platforms import discord_payloads as p
from tests.platforms.conftest import DiscordHarness
from tests.platforms.test_discord import rank


def add_command(discord: DiscordHarness, name: str, reply: Reply, release: asyncio.Event | None = None) -> None:
    async def handler(ctx: Context) -> Reply:
        if release is not None:
            await release.wait()
        return reply

    discord.hearth.registry.command(CommandSpec(name=name, description=f"test {name}", handler=handler))


async def test_a_slow_command_is_deferred_then_completed(discord_env: DiscordHarness) -> None:
    release = asyncio.Event()
    add_command(discord_env, "slow", Reply(text="finally done"), release)
    await discord_env.start(defer_after=0.01)
    deferred = await discord_env.server.interact(p.command_interaction(discord_env.world, "alice", "slow"))
    assert deferred.json["type"] == 5  # "Hearth is thinking…", public
    start = len(discord_env.server.calls)
    release.set()
    edited = await discord_env.server.wait_for(
        lambda call: call.method == "PATCH" and call.path.endswith("/messages/@original"), after=start
    )
    assert edited.json["content"] == "finally done"


async def test_a_slow_private_reply_replaces_the_placeholder_privately(discord_env: DiscordHarness) -> None:
    release = asyncio.Event()
    add_command(discord_env, "slowsecret", Reply.private("only for you"), release)
    await discord_env.start(defer_after=0.01)
    deferred = await discord_env.server.interact(p.command_interaction(discord_env.world, "alice", "slowsecret"))
    assert deferred.json["type"] == 5
    start = len(discord_env.server.calls)
    release.set()
    followup = await discord_env.server.wait_for(
        lambda call: call.method == "POST" and call.path.startswith("/webhooks/"), after=start
    )
    assert followup.json["content"] == "only for you" and followup.json["flags"] & p.EPHEMERAL
    assert discord_env.server.calls_to("DELETE", r"/webhooks/\d+/[^/]+/messages/@original")


async def test_buttons_and_menus_route_by_custom_id(discord_env: DiscordHarness) -> None:
    seen: list[tuple[str, tuple[str, ...]]] = []

    async def on_click(ctx: Context, rest: str, values: tuple[str, ...]) -> Reply:
        seen.append((rest, values))
        return Reply.private(f"{ctx.author.name} chose {rest} {' '.join(values)}".strip())

    discord_env.hearth.registry.component("pick", on_click)
    offer = Reply(
        text="Choose",
        buttons=(Button("Yes", "pick:yes"),),
        select=Select("pick:menu", (SelectOption("Red", "red"), SelectOption("Blue", "blue")), max_values=2),
    )
    add_command(discord_env, "offer", offer)
    await discord_env.start()
    world = discord_env.world
    shown = await discord_env.server.interact(p.command_interaction(world, "alice", "offer"))
    rows = shown.json["data"]["components"]
    assert rows[0]["components"][0]["custom_id"] == "pick:yes"
    assert rows[1]["components"][0]["custom_id"] == "pick:menu"
    message = p.bot_message(world, world.channels["general"]["id"], shown.json["data"])

    clicked = await discord_env.server.interact(p.component_interaction(world, "bob", "pick:yes", message))
    assert clicked.json["data"]["content"] == "Bob chose yes"
    picked = await discord_env.server.interact(
        p.component_interaction(world, "bob", "pick:menu", message, values=("red", "blue"))
    )
    assert picked.json["data"]["content"] == "Bob chose menu red blue"
    assert seen == [("yes", ()), ("menu", ("red", "blue"))]

    # A component nobody handles any more gets a polite private answer, not a failed interaction.
    stale = await discord_env.server.interact(p.component_interaction(world, "bob", "gone:1", message))
    assert stale.json["data"]["content"] == "That button no longer does anything."


async def test_a_form_opens_as_a_modal_and_its_answers_come_back(discord_env: DiscordHarness) -> None:
    answers: list[dict[str, str]] = []

    async def on_submit(ctx: Context, rest: str, values: dict[str, str]) -> Reply:
        answers.append(values)
        return Reply(card=Card(title=f"Hello from {values['about']}"))

    discord_env.hearth.registry.form("sampleform", on_submit)
    form = Form("sampleform:1", "Introduce yourself", (FormField("about", "Where are you from?", max_length=80),))
    add_command(discord_env, "sampleform", Reply(form=form))
    await discord_env.start()
    world = discord_env.world
    opened = await discord_env.server.interact(p.command_interaction(world, "alice", "sampleform"))
    assert opened.json["type"] == 9
    modal = opened.json["data"]
    assert (modal["custom_id"], modal["title"]) == ("sampleform:1", "Introduce yourself")
    text_input = modal["components"][0]["components"][0]
    assert (text_input["custom_id"], text_input["max_length"], text_input["required"]) == ("about", 80, True)

    submitted = await discord_env.server.interact(
        p.modal_interaction(world, "alice", "sampleform:1", {"about": "Lyon"})
    )
    assert submitted.json["data"]["embeds"][0]["title"] == "Hello from Lyon"
    assert answers == [{"about": "Lyon"}]


async def test_a_dm_reply_goes_to_direct_messages(discord_env: DiscordHarness) -> None:
    add_command(discord_env, "secret", Reply(text="psst", dm=True))
    await discord_env.start()
    world = discord_env.world
    answered = await discord_env.server.interact(p.command_interaction(world, "alice", "secret"))
    opened = discord_env.server.calls_to("POST", "/users/@me/channels")
    assert str(opened[-1].json["recipient_id"]) == world.id("alice")
    assert answered.json["data"]["content"] == "I've sent you a direct message."

    discord_env.server.closed_dms.add(world.id("bob"))
    closed = await discord_env.server.interact(p.command_interaction(world, "bob", "secret"))
    assert closed.json["data"]["flags"] & p.EPHEMERAL
    assert closed.json["data"]["content"].startswith("psst")


async def test_an_outdated_command_discord_still_shows_is_answered(discord: DiscordHarness) -> None:
    """After an upgrade or a change of HEARTH_COGS, Discord's clients show the old command list for up to an
    hour: a command Hearth no longer has, a verb gone from a group, or a required option it did not have
    then. The member is told so privately, not left with "The application did not respond"."""
    world = discord.world
    for payload in (
        p.command_interaction(world, "alice", "oldcommand"),
        p.command_interaction(world, "admin", "config reset", {"key": "kudos_points"}),
        p.command_interaction(world, "alice", "kudos"),  # `member` is required now
    ):
        answer = await discord.server.interact(payload)
        assert answer.json["type"] == 4 and answer.json["data"]["flags"] & p.EPHEMERAL
        assert answer.json["data"]["content"].startswith("Discord showed you an older version of this command")


def _failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info]


async def test_an_option_of_another_kind_than_the_command_takes_is_answered_as_outdated(
    discord: DiscordHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """A member or a role where the command takes a channel, a channel where it takes a member, or an id Discord sent
    unresolved, as an older command list can send: a channel option failed in discord.py (a traceback, "Sorry,
    something went wrong"); the others were refused quoting Python (`I couldn't find the member `ChannelRef(...)``)."""
    caplog.set_level(logging.INFO)
    world = discord.world
    unresolved = p.command_interaction(world, "alice", "kudos", {"member": p.Mention("member", "bob")})
    del unresolved["data"]["resolved"]
    for payload in (
        p.command_interaction(
            world, "admin", "config set", {"key": "welcome_channel", "channel": p.Mention("member", "bob")}
        ),
        p.command_interaction(
            world, "admin", "config set", {"key": "welcome_channel", "channel": p.Mention("role", "Mods")}
        ),
        p.command_interaction(world, "alice", "rank", {"member": p.Mention("channel", "general")}),
        p.command_interaction(world, "admin", "onboarding access", {"role": p.Mention("member", "bob")}),
        unresolved,
    ):
        answer = await discord.server.interact(payload)
        assert answer.json["data"]["content"] == OUTDATED and answer.json["data"]["flags"] & p.EPHEMERAL
    shown = await discord.server.interact(p.command_interaction(world, "admin", "config show"))
    fields = {field["name"]: field["value"] for field in shown.json["data"]["embeds"][0]["fields"]}
    assert fields["welcome_channel"] == "not set"  # nothing was changed
    assert not _failures(caplog)


async def test_a_number_or_a_boolean_for_an_integer_option_is_answered_as_outdated(
    discord: DiscordHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """`amount:1.5` (a number option of an older command list, or an integer option given 1.5 by hand) was read as
    1, as were `true` and the text `1`: `/points adjust` gave 1 point for each. Refused as any other kind is, and
    nothing changes."""
    caplog.set_level(logging.INFO)
    world = discord.world

    def adjust(amount: int | float | str) -> dict:
        options = {"member": p.Mention("member", "bob"), "amount": amount, "reason": "welcome gift"}
        return p.command_interaction(world, "admin", "points adjust", options)

    by_hand = adjust(2)
    by_hand["data"]["options"][0]["options"][1]["value"] = 1.5  # still declared an integer
    for payload in (adjust(1.5), by_hand, adjust(True), adjust("1")):
        answer = await discord.server.interact(payload)
        assert answer.json["data"]["content"] == OUTDATED and answer.json["data"]["flags"] & p.EPHEMERAL
    assert (await rank(discord, "bob"))["Points"] == "0"
    done = await discord.server.interact(adjust(2))
    assert done.json["data"]["content"].startswith("+2 points for Bob")  # an integer is taken as ever
    assert (await rank(discord, "bob"))["Points"] == "2"
    assert not _failures(caplog)


async def test_autocomplete_for_an_option_that_has_none_suggests_nothing(
    discord: DiscordHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """An older command list asks for suggestions Hearth no longer offers (`/config set key` was autocompleted
    while there were more than 25 settings), or sends what was typed as a number: discord.py logged a traceback
    at every keystroke and the member saw "Loading options failed"."""
    caplog.set_level(logging.INFO)
    world = discord.world
    typed_number = p.autocomplete_interaction(world, "admin", "config set", "key", "level")
    typed_number["data"]["options"][0]["options"][0]["value"] = 5
    for payload in (
        p.autocomplete_interaction(world, "admin", "config set", "value", "x"),
        p.autocomplete_interaction(world, "alice", "rank", "member", "bo"),
        p.autocomplete_interaction(world, "alice", "nocommand", "thing", "x"),
        typed_number,
    ):
        answer = await discord.server.interact(payload)
        assert answer.json == {"type": 8, "data": {"choices": []}}
    assert not _failures(caplog)


async def test_a_form_with_answers_of_another_shape_reads_the_rest(
    discord_env: DiscordHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """A modal submitted with a component that is not an object, or an answer that is not text: the interaction
    failed in Hearth (a traceback) and went unanswered."""
    answers: list[dict[str, str]] = []

    async def on_submit(ctx: Context, rest: str, values: dict[str, str]) -> Reply:
        answers.append(values)
        return Reply.private("thanks")

    caplog.set_level(logging.INFO)
    discord_env.hearth.registry.form("sampleform", on_submit)
    await discord_env.start()
    payload = p.modal_interaction(discord_env.world, "alice", "sampleform:1", {"about": "Lyon"})
    payload["data"]["components"] += [
        "about",
        {"type": 1, "components": [{"type": p.TEXT_INPUT, "custom_id": "age", "value": 5}]},
        {"type": 1, "components": [{"type": p.TEXT_INPUT, "custom_id": "where", "value": None}]},
        {"type": 1, "components": "where"},
    ]
    answer = await discord_env.server.interact(payload)
    assert answer.json["data"]["content"] == "thanks"
    assert answers == [{"about": "Lyon"}]
    assert not _failures(caplog)
