"""`/recognition report` on Discord (the real discord.py client against the fake Discord) and Slack (the real
Bolt app against the mock Web API): a planted ring is shown to a moderator, privately, with its evidence."""

from __future__ import annotations

from tests.platforms import discord_payloads as p
from tests.platforms.conftest import DiscordHarness
from tests.platforms.fake_discord import Call
from tests.platforms.slack_fakes import MockSlackApi, SlackHarness
from tests.platforms.test_discord_levels import command
from tests.platforms.test_slack import block_texts
from tests.platforms.test_slack_members import private


async def report(discord: DiscordHarness, who: str) -> Call:
    """The answer to `/recognition report`: deferred first (a slow command), then the follow-up."""
    start = len(discord.server.calls)
    deferred = await discord.server.interact(p.command_interaction(discord.world, who, "recognition report", {}))
    assert deferred.json["type"] == 5  # "thinking…"
    return await discord.server.wait_for(
        lambda call: call.method == "POST" and call.path.startswith("/webhooks/"), after=start
    )


async def test_discord_report_shows_a_ring_privately(discord: DiscordHarness) -> None:
    for _ in range(5):
        await command(discord, "alice", "kudos", member=p.Mention("member", "bob"))
        await command(discord, "bob", "kudos", member=p.Mention("member", "alice"))
    refused = await discord.server.interact(p.command_interaction(discord.world, "alice", "recognition report", {}))
    assert "for moderators" in refused.json["data"]["content"]  # refused at once, before any deferral

    answer = await report(discord, "mod")
    assert answer.json["flags"] & p.EPHEMERAL  # only the moderator sees it
    embed = answer.json["embeds"][0]
    assert embed["title"] == "🔎 Recognition report — the last 30 days"
    ring = next(f for f in embed["fields"] if f["name"].startswith("Rings"))
    alice, bob = (f"<@{discord.world.users[name]['id']}>" for name in ("alice", "bob"))
    assert f"{alice} ⇄ {bob}" in ring["value"] or f"{bob} ⇄ {alice}" in ring["value"]
    assert f"{alice} gave the other 5 of 5 (100%)" in ring["value"]
    assert "10 kudos from 2 members checked" in embed["footer"]["text"]
    assert answer.json["allowed_mentions"]["parse"] == []  # a report never pings the members it names


async def test_slack_report_shows_a_ring_privately(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    slack_api.user("U0ALICE", "alice")
    slack_api.user("U0BOB", "bob")
    slack_api.user("U0OWNER", "olga", is_owner=True)
    for _ in range(5):
        await slack.command("/kudos", "<@U0BOB|bob> thanks", "U0ALICE")
        await slack.command("/kudos", "<@U0ALICE|alice> thanks", "U0BOB")
    refused = private(await slack.command("/recognition", "report", "U0ALICE"))
    assert "for moderators" in refused

    shown = private(await slack.command("/recognition", "report", "U0OWNER"))
    assert "🔎 Recognition report — the last 30 days" in shown
    assert "<@U0ALICE> ⇄ <@U0BOB>" in shown or "<@U0BOB> ⇄ <@U0ALICE>" in shown
    assert "<@U0BOB> gave the other 5 of 5 (100%)" in shown
    assert "10 kudos from 2 members checked" in block_texts(await slack.command("/recognition", "report", "U0OWNER"))
