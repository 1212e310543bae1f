"""The inbound pipeline is the same on every platform: one set of cases through the console, Discord (the
real discord.py client against the fake gateway) and Slack (the real Bolt app, signed requests, the mock
Web API) gives the same neutral outcome: what was said, and where (public, private, DM, a form)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from bot.core.commands import CommandSpec
from bot.core.context import Context
from bot.core.inbound import SORRY
from bot.core.refs import Permission
from bot.core.reply import Form, FormField, Reply, UserError
from bot.core.runtime import Hearth
from tests.conftest import console_driver
from tests.platforms import discord_payloads as p
from tests.platforms.conftest import DiscordHarness
from tests.platforms.slack_fakes import MockSlackApi, command_payload, running_slack
from tests.platforms.test_slack import block_texts

Outcome = list[tuple[str, str]]  # (where: public | private | dm | form, what it said), sorted


async def _broken(ctx: Context) -> Reply:
    raise RuntimeError("a bug")


async def _refused(ctx: Context) -> Reply:
    raise UserError("Not like that.")


def _answer(reply: Reply) -> Callable[[Context], Awaitable[Reply]]:
    async def handler(ctx: Context) -> Reply:
        return reply

    return handler


def register(hearth: Hearth) -> None:
    """Test commands, declared as a cog would."""
    commands = {
        "hello": _answer(Reply(text="hello everyone")),
        "whisper": _answer(Reply.private("just for you")),
        "secret": _answer(Reply(text="psst", dm=True)),
        "oops": _refused,
        "broken": _broken,
        "askform": _answer(Reply(form=Form("askform:1", "Tell me", (FormField("about", "About you"),)))),
    }
    for name, handler in commands.items():
        hearth.registry.command(CommandSpec(name=name, description=f"test {name}", handler=handler))
    hearth.registry.command(
        CommandSpec(name="boss", description="admins only", handler=_answer(Reply("ok")), permission=Permission.ADMIN)
    )


@dataclass(frozen=True)
class Case:
    invoker: str  # alice: DMs open; bob: DMs closed
    command: str
    outcome: Outcome


CASES = [
    Case("alice", "hello", [("public", "hello everyone")]),
    Case("alice", "whisper", [("private", "just for you")]),
    Case("alice", "secret", [("dm", "psst"), ("private", "I've sent you a direct message.")]),
    Case("bob", "secret", [("private", "psst (Your direct messages are closed, so here it is.)")]),
    Case("alice", "boss", [("private", "Sorry, `/boss` is for admins of this community.")]),
    Case("alice", "oops", [("private", "Not like that.")]),
    Case("alice", "broken", [("private", SORRY)]),
    Case("alice", "askform", [("form", "Tell me")]),
]


def neutral(text: str) -> str:
    """What a person reads, whatever the platform's Markdown: emphasis markers dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"[*_]", "", text)).strip()


def outcome(found: list[tuple[str, str]]) -> Outcome:
    return sorted((where, neutral(text)) for where, text in found)


async def on_console(hearth: Hearth) -> list[Outcome]:
    driver = console_driver(hearth)
    await hearth.hooks_done()
    seen: list[Outcome] = []
    for case in CASES:
        before = len(driver.blocks)
        dms = "closes" if case.invoker == "bob" else "opens"
        await driver.run(f"@{case.invoker} {dms} dms\n@{case.invoker}: /{case.command}")
        found = []
        for block in driver.blocks[before:]:
            where, _, said = block.partition("] ")
            form = re.search(r'form "([^"]+)":', said)
            if form:
                found.append(("form", form.group(1)))
            elif where.startswith("[only @"):
                found.append(("private", said))
            elif where.startswith("[dm @"):
                found.append(("dm", said))
            else:
                found.append(("public", said))
        seen.append(outcome(found))
    return seen


async def on_discord(discord_env: DiscordHarness) -> list[Outcome]:
    await discord_env.start()
    server, world = discord_env.server, discord_env.world
    server.closed_dms.add(world.id("bob"))
    seen: list[Outcome] = []
    for case in CASES:
        start = len(server.calls)
        answered = await server.interact(p.command_interaction(world, case.invoker, case.command))
        body = answered.json
        data = body.get("data") or {}
        found = [("form", data["title"])] if body["type"] == 9 else []
        if body["type"] == 4:
            found.append(("private" if data.get("flags", 0) & p.EPHEMERAL else "public", data["content"]))
        delivered = [call for call in server.dms_to(case.invoker) if call in server.calls[start:] and call.created]
        found += [("dm", call.json["content"]) for call in delivered]
        seen.append(outcome(found))
    return seen


def slack_said(api: MockSlackApi, start: int) -> list[tuple[str, str]]:
    said: list[tuple[str, str]] = []
    for call in api.calls[start:]:
        if call.method == "views.open":
            said.append(("form", call.params["view"]["title"]["text"]))
        elif call.method == "response_url":
            where = "public" if call.params["response_type"] == "in_channel" else "private"
            said.append((where, block_texts(call)))
        elif call.method == "chat.postEphemeral":
            said.append(("private", block_texts(call)))
        elif call.method == "chat.postMessage":
            said.append(("dm" if call.params["channel"].startswith("D") else "public", block_texts(call)))
    return said


async def on_slack(hearth: Hearth, api: MockSlackApi) -> list[Outcome]:
    api.user("U0ALICE", "alice")
    api.user("U0BOB", "bob", is_deleted=True)  # Slack will not open a DM with bob
    seen: list[Outcome] = []
    async with running_slack(hearth, api) as slack:
        for number, case in enumerate(CASES):
            before = len(api.calls)
            user = f"U0{case.invoker.upper()}"
            payload = command_payload(f"/{case.command}", "", user, response_url=api.response_url(f"c{number}"))
            assert (await slack.requests.command(payload)).status == 200

            expected = len(case.outcome)

            def arrived(start: int = before, expected: int = expected) -> bool:
                return len(slack_said(api, start)) >= expected

            await api.wait_until(arrived)
            seen.append(outcome(slack_said(api, before)))
    return seen


EXPECTED = [outcome(case.outcome) for case in CASES]


async def test_console_gives_the_neutral_outcomes(hearth: Hearth) -> None:
    register(hearth)
    assert await on_console(hearth) == EXPECTED


async def test_discord_gives_the_same_outcomes(discord_env: DiscordHarness) -> None:
    register(discord_env.hearth)
    assert await on_discord(discord_env) == EXPECTED


async def test_slack_gives_the_same_outcomes(hearth: Hearth, slack_api: MockSlackApi) -> None:
    register(hearth)
    assert await on_slack(hearth, slack_api) == EXPECTED


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("nope", "I don't know the command `/nope`. Try `/help`."),
        ("tgroup", "`/tgroup` needs one of these: `/tgroup ping`"),
        ("tgroup zap", "`/tgroup` has no `zap`; it needs one of these: `/tgroup ping`"),
        ("tgroup ping", "pong"),
    ],
)
async def test_command_text_routes_alike_on_the_console_and_slack(
    hearth: Hearth, slack_api: MockSlackApi, line: str, said: str
) -> None:
    """Commands that arrive as text (Slack, the console) find their verb, or their usage, the same way."""
    hearth.registry.command(
        CommandSpec(name="ping", description="ping", handler=_answer(Reply.private("pong")), group="tgroup")
    )
    driver = console_driver(hearth)
    await hearth.hooks_done()
    shown = await driver.run(f"@alice: /{line}")
    assert neutral(shown) == f"[only @alice] {said}"
    if line == "nope":
        return  # Slack sends only the commands the app declares
    async with running_slack(hearth, slack_api) as slack:
        name, _, text = line.partition(" ")
        answer = await slack.command(f"/{name}", text, "U0ALICE")
        assert (answer.method, neutral(block_texts(answer))) == ("response_url", said)
