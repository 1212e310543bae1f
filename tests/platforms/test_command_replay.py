"""A replayed request changes nothing: every state-changing command runs once per invocation id.

The same signed Slack request twice into the real Bolt app, the same Discord interaction twice through
the fake gateway, and the console's `replay` line: `/ritual run-now` posts once, `/ritual create` (and
`/kudos`) take effect once, and the replay is answered privately "That request was already handled.".
Read-only commands (`/ritual list`) simply answer again. A refused command keeps no claim.
"""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot.core.claims import ALREADY_HANDLED, KEEP, claim_key
from bot.core.refs import Permission
from bot.core.runtime import Hearth
from bot.platforms.console import channel_ref, member_ref
from storage import command_claims
from storage.models import CommandClaim
from tests.conftest import ConsoleDriver
from tests.platforms import discord_payloads as p
from tests.platforms.conftest import DiscordHarness
from tests.platforms.discord_payloads import Mention
from tests.platforms.slack_fakes import (
    Call,
    MockSlackApi,
    SlackHarness,
    block_action_payload,
    command_payload,
    submission_of,
    team_join_event,
)
from tests.platforms.test_slack import block_texts
from tests.platforms.test_slack_onboarding import AGREE, deliver, invited, posted_in, set_up

MOD = "U0MOD"


async def claims(hearth: Hearth) -> int:
    async with hearth.db.read() as session:
        return int((await session.execute(select(func.count()).select_from(CommandClaim))).scalar_one())


# -- Slack: the same signed request twice ---------------------------------------------------------------
async def signed_twice(slack: SlackHarness, command: str, text: str, user: str = MOD) -> tuple[str, str]:
    """Send one slash command, then the very same signed bytes again; the two private answers' texts."""
    api = slack.api
    payload = command_payload(command, text, user, response_url=api.response_url(f"replay{time.monotonic_ns()}"))
    body, moment = urlencode(payload), int(time.time())
    answers: list[str] = []
    for _ in range(2):
        before = len(api.calls)
        response = await slack.requests.post(body, "application/x-www-form-urlencoded", timestamp=moment)
        assert response.status == 200

        def new(before: int = before) -> list[Call]:
            return [call for call in api.calls[before:] if call.method == "response_url"]

        await api.wait_until(lambda new=new: bool(new()))  # type: ignore[misc]
        answers.append(block_texts(new()[0]))
    return answers[0], answers[1]


async def test_a_replayed_slack_run_now_posts_the_ritual_once(
    slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth
) -> None:
    slack_api.user(MOD, "mod", is_admin=True)
    created, again = await signed_twice(
        slack, "/ritual", 'create standup <#C0STANDUP|standup> "daily at 09:00" prompt:"Plans?"'
    )
    assert "Ritual *standup* is set." in created
    assert again == ALREADY_HANDLED
    listed = block_texts(await slack.command("/ritual", "list", MOD))
    assert listed.count("standup") == 1

    first, replay = await signed_twice(slack, "/ritual", "run-now standup")
    assert "Ran *standup* now" in first
    assert replay == ALREADY_HANDLED
    assert len(posted_in(slack_api, "C0STANDUP", "standup")) == 1

    # A genuine second request (a new trigger) reaches the command itself, and runs it again, also in the same
    # moment of the test's clock: only replays are turned away.
    second = block_texts(await slack.command("/ritual", "run-now standup", MOD))
    assert second != ALREADY_HANDLED and "has just run" not in second
    assert len(posted_in(slack_api, "C0STANDUP", "standup")) == 2


async def test_a_replayed_slack_click_or_form_acts_once(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    """Slack retries an interaction request it got no timely 200 for, and a signed one can be sent again:
    the same bytes twice press the button once and post the form once."""
    api = slack_api
    await set_up(slack)
    await deliver(slack, team_join_event(api.user("U0NINA", "nina")))
    await api.wait_for("chat.postMessage", lambda call: call.params["channel"] == "DU0NINA")

    agree = block_action_payload("U0NINA", AGREE, channel="DU0NINA", response_url=api.response_url("agree"))
    body, moment = urlencode({"payload": json.dumps(agree)}), int(time.time())
    for count in (1, 2):
        assert (await slack.requests.post(body, "application/x-www-form-urlencoded", timestamp=moment)).status == 200
        await api.wait_for("response_url", lambda call: call.params["key"] == "agree", count=count)
    first, again = api.called("response_url", lambda call: call.params["key"] == "agree")
    assert "Thanks for agreeing to the rules!" in block_texts(first) and block_texts(again) == ALREADY_HANDLED
    assert invited(api, "U0NINA") == ["C0MEMBERS"]  # the access channel once

    form = await slack.command("/intro", "", "U0NINA")
    typed = {"name": "Nina", "location": "Oslo", "about": "Games", "interests": "chess"}
    body = urlencode({"payload": json.dumps(submission_of(form, "U0NINA", typed))})
    for count in (1, 2):
        assert (await slack.requests.post(body, "application/x-www-form-urlencoded", timestamp=moment)).status == 200
        await api.wait_for("chat.postEphemeral", lambda call: call.params["user"] == "U0NINA", count=count)
    confirmed, again = api.called("chat.postEphemeral", lambda call: call.params["user"] == "U0NINA")
    assert "Your introduction is posted" in block_texts(confirmed) and block_texts(again) == ALREADY_HANDLED
    assert len(posted_in(api, "C0INTROS")) == 1 and not api.called("chat.update")  # not posted, nor edited, again


# -- Discord: the same interaction twice ----------------------------------------------------------------
async def test_a_replayed_discord_interaction_changes_nothing(discord: DiscordHarness) -> None:
    server, world = discord.server, discord.world
    create = p.command_interaction(
        world,
        "mod",
        "ritual create",
        {"name": "standup", "channel": Mention("channel", "general"), "schedule": "daily at 09:00", "prompt": "Plans?"},
    )
    first = (await server.interact(create)).json["data"]
    assert first["content"] == "Ritual **standup** is set."
    again = (await server.interact(create)).json["data"]
    assert again["content"] == ALREADY_HANDLED and again["flags"] & p.EPHEMERAL

    run_now = p.command_interaction(world, "mod", "ritual run-now", {"name": "standup"})
    assert "Ran **standup** now" in (await server.interact(run_now)).json["data"]["content"]
    assert (await server.interact(run_now)).json["data"]["content"] == ALREADY_HANDLED
    assert len(server.posted_in("general")) == 1

    # Kudos were idempotent before (ledger keys); now the replay is told so, and awards nothing more.
    kudos = p.command_interaction(world, "alice", "kudos", {"member": Mention("member", "bob"), "reason": "pairing"})
    await server.interact(kudos)
    assert (await server.interact(kudos)).json["data"]["content"] == ALREADY_HANDLED
    rank = p.command_interaction(world, "mod", "rank", {"member": Mention("member", "bob")})
    fields = {f["name"]: f["value"] for f in (await server.interact(rank)).json["data"]["embeds"][0]["fields"]}
    assert fields["Kudos received"] == "1"


# -- Console: the `replay` line ------------------------------------------------------------------------
async def test_a_replayed_console_delivery_changes_nothing(console: ConsoleDriver, hearth: Hearth) -> None:
    said = await console.run(
        """
        @mod is moderator
        @mod: /ritual create standup #general "daily at 09:00" prompt:"Plans?"
        replay
        @mod: /ritual run-now standup
        replay
        """
    )
    assert said.count("Ritual standup is set.") == 1
    assert said.count("🔔 standup") == 1
    assert said.count(f"[only @mod] {ALREADY_HANDLED}") == 2

    # Read-only commands are not claimed: a replay answers again.
    said = await console.run("@carol: /ritual list\nreplay")
    assert said.count("standup (prompt)") == 2
    assert await claims(hearth) == 2


async def test_a_refused_command_keeps_no_claim_so_its_replay_is_refused_alike(
    console: ConsoleDriver, hearth: Hearth
) -> None:
    said = await console.run("@mod is moderator\n@mod: /ritual run-now nothing\nreplay")
    assert said.count("[only @mod] There is no ritual called `nothing`.") == 2
    assert ALREADY_HANDLED not in said
    assert await claims(hearth) == 0


async def test_a_claim_whose_transaction_failed_is_no_claim_and_the_retry_runs(
    console: ConsoleDriver, hearth: Hearth
) -> None:
    """A claim is written in its transaction: one that failed before committing (the database refusing what was
    written with it, a connection lost) leaves no claim, and the platform's retry runs the command. On PostgreSQL the
    claim went to the database outside the transaction (asyncpg's own fetch, before SQLAlchemy had begun one) and
    stayed: the retry was answered "That request was already handled." though nothing had been done."""
    await console.run('@mod is moderator\n@mod: /ritual create standup #general "daily at 09:00" prompt:"Plans?"')
    ctx = await hearth.context(member_ref("mod"), channel_ref("general"), Permission.MODERATOR, "failed-once")
    with pytest.raises(RuntimeError):
        async with hearth.db.write() as session:
            assert await command_claims.claim(session, ctx.community.id, claim_key(ctx.invocation_id), ctx.now)
            raise RuntimeError("the transaction failed")
    reply = await hearth.run_command(ctx, "ritual run-now", {"name": "standup"})
    assert reply is not None and reply.text == "Ran **standup** now; its schedule is unchanged."


async def test_claims_keep_ids_and_times_only_and_are_pruned_after_a_day(
    console: ConsoleDriver, hearth: Hearth
) -> None:
    await console.run('@mod is moderator\n@mod: /ritual create standup #general "daily at 09:00" prompt:"Plans?"')
    async with hearth.db.read() as session:
        [row] = (await session.execute(select(CommandClaim))).scalars().all()
    assert set(CommandClaim.model_fields) == {"id", "community_id", "invocation_id", "claimed_at"}
    assert "standup" not in row.invocation_id
    await console.run(f"wait {KEEP.days + 1}d\n@mod: /ritual pause standup")
    assert await claims(hearth) == 1  # yesterday's is gone, today's is kept


def test_long_invocation_ids_are_stored_as_their_hash() -> None:
    assert claim_key("i1") == "i1"
    long = claim_key("x" * 500)
    assert long.startswith("sha256:") and len(long) <= 128 and long != claim_key("y" * 500)


async def test_two_simultaneous_deliveries_of_one_request_run_it_once(console: ConsoleDriver, hearth: Hearth) -> None:
    await console.run('@mod is moderator\n@mod: /ritual create standup #general "daily at 09:00" prompt:"Plans?"')
    ctx = await hearth.context(member_ref("mod"), channel_ref("general"), Permission.MODERATOR, "one-delivery")
    replies = await asyncio.gather(*(hearth.run_command(ctx, "ritual run-now", {"name": "standup"}) for _ in range(2)))
    assert sorted(reply.text for reply in replies) == [
        "Ran **standup** now; its schedule is unchanged.",
        ALREADY_HANDLED,
    ]
