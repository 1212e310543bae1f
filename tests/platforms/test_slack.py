"""Slack end to end: the real Bolt app gets signed requests and calls a local mock of Slack's Web API."""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

from sqlalchemy import func, select

from bot.app import build_hearth
from bot.core.clock import VirtualClock
from bot.core.events import MessagePosted
from bot.core.runtime import Hearth
from bot.core.scheduling import VirtualScheduler
from config.settings import load_settings
from storage.engine import Database
from storage.models import Contribution
from tests.platforms.slack_fakes import (
    WAIT_SECONDS,
    Call,
    MockSlackApi,
    SlackHarness,
    command_payload,
    event_payload,
    message_event,
    running_slack,
    sign,
)


def block_texts(call: Call) -> str:
    """Every text in a message's blocks, in order, one per line (what a person reads)."""
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text"):
                texts.append(node["text"])
            else:
                for value in node.values():
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(call.params.get("blocks", []))
    return "\n".join(texts)


async def contributions(hearth: Hearth) -> int:
    async with hearth.db.read() as session:
        return int((await session.execute(select(func.count()).select_from(Contribution))).scalar_one())


async def test_kudos_posts_the_recognition(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    slack_api.user("U0ALICE", "alice")
    slack_api.user("U0BOB", "bob")
    answer = await slack.command("/kudos", "<@U0BOB|bob> thanks for the **careful** review", "U0ALICE")

    assert answer.method == "chat.postMessage"
    assert answer.params["channel"] == "C0GENERAL"
    shown = block_texts(answer)
    assert "<@U0BOB>, you got kudos from <@U0ALICE>!" in shown
    assert "🎉 Kudos" in shown
    assert "*For*\nthanks for the *careful* review" in shown
    assert "+10 points for bob · alice can give 4 more kudos today" in shown
    assert answer.params["text"] == "<@U0BOB>, you got kudos from <@U0ALICE>!"

    rank = await slack.command("/rank", "<@U0BOB|bob>", "U0ALICE")
    assert "*Kudos received*\n1" in block_texts(rank)
    assert "*Points*\n10" in block_texts(rank)


async def test_kudos_to_an_account_deactivated_while_hearth_was_down_is_refused(
    slack: SlackHarness, slack_api: MockSlackApi
) -> None:
    """Slack sends no `user_change` to an app that is not running: kudos to an account deactivated then were
    accepted, as to a member (a tester's finding). users.info says so when they are named."""
    slack_api.user("U0CAROL", "carol")
    slack_api.user("U0ERIN", "erin", is_deleted=True)

    refused = await slack.command("/kudos", "<@U0ERIN|erin> for the notes", "U0CAROL")
    assert "erin is no longer a member, so they can't receive kudos" in block_texts(refused)
    again = await slack.command("/kudos", "<@U0ERIN|erin> for the notes", "U0CAROL")
    assert "no longer a member" in block_texts(again)


async def test_mentions_in_command_text_resolve_to_members(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    slack_api.user("U0CAROL", "carol")
    slack_api.user("U0DAVE", "dave")
    slack_api.user("U0HELPER", "helperbot", is_bot=True)

    # Newer clients send a bare <@U123>: the name comes from users.info.
    answer = await slack.command("/kudos", "<@U0DAVE> for the docs", "U0CAROL")
    assert "+10 points for dave · carol can give 4 more kudos today" in block_texts(answer)

    refused = await slack.command("/kudos", "<@U0HELPER|helperbot> beep", "U0CAROL")
    assert refused.method == "response_url"
    assert refused.params["response_type"] == "ephemeral"
    assert "Bots don't collect kudos" in block_texts(refused)

    unknown = await slack.command("/kudos", "dave thanks", "U0CAROL")
    assert "I couldn't find the member `dave`." in block_texts(unknown)

    mine = await slack.command("/rank", "", "U0DAVE")
    assert "Your standing" in block_texts(mine)  # the viewer's own
    assert "*Kudos received*\n1" in block_texts(mine)


async def test_a_refused_line_shows_mentions_as_typed_not_as_slack_markup(
    slack: SlackHarness, slack_api: MockSlackApi
) -> None:
    """What a refusal shows back of the line reads as the member typed it: Slack's `<!subteam^S1|@devs>` showed raw
    (until 2026-12-02), and a member understood as `@U0BOB`, their id."""
    slack_api.user("U0ALICE", "alice", is_admin=True)
    group = await slack.command("/kudos", "<!subteam^S0DEVS|@devs> thanks", "U0ALICE")
    assert "I couldn't find the member `@devs`." in block_texts(group)
    channel = await slack.command("/health", "reached-out <#C0NEWS|news>", "U0ALICE")
    assert "I couldn't find the member `#news`." in block_texts(channel)
    period = await slack.command("/leaderboard", "<@U0BOB|bob>", "U0ALICE")
    assert "`@bob` is not a period" in block_texts(period)
    verb = await slack.command("/config", "<@U0BOB|bob>", "U0ALICE")
    assert "`/config` has no `@bob`" in block_texts(verb)
    amount = await slack.command("/points", "adjust <@U0BOB|bob> lots for the move", "U0ALICE")
    assert "I understood: member `@bob`." in block_texts(amount)
    for answer in (group, channel, period, verb, amount):
        assert "&lt;" not in block_texts(answer) and "U0BOB" not in block_texts(answer)


async def test_a_value_tag_named_as_a_channel_is_its_board(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    """Slack sends a `#helpful` typed where a channel of that name exists as `<#C0HELP|helpful>`: `/leaderboard
    #helpful` is still the #helpful board, as on the console and wherever no such channel exists (until 2026-12-02
    "`#helpful` is not a period")."""
    slack_api.user("U0ALICE", "alice", is_admin=True)
    slack_api.user("U0BOB", "bob")
    await slack.command("/recognition", "tags add <#C0HELP|helpful>", "U0ALICE")
    await slack.command("/kudos", "<@U0BOB|bob> for the review <#C0HELP|helpful>", "U0ALICE")
    for line in ("<#C0HELP|helpful>", "month <#C0HELP|helpful>", "#helpful"):
        board = block_texts(await slack.command("/leaderboard", line, "U0ALICE"))
        assert "· #helpful" in board and "*bob* — 10 points" in board, line


async def test_every_member_mentioned_in_kudos_text_is_thanked(
    slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth
) -> None:
    for user_id, name in (("U0ALICE", "alice"), ("U0BOB", "bob"), ("U0CAROL", "carol"), ("U0DANA", "dana")):
        slack_api.user(user_id, name)
    answer = await slack.command("/kudos", "<@U0BOB|bob> thanks for the release <@U0CAROL> <@U0DANA|dana>", "U0ALICE")
    shown = block_texts(answer)
    assert "+10 points for each of bob, carol and dana · alice can give 2 more kudos today" in shown
    # The reason reads as typed, a bare mention by name rather than by id.
    assert "thanks for the release @carol @dana" in shown

    six = " ".join(f"<@U0P{n}>" for n in range(6))
    refused = await slack.command("/kudos", f"{six} six people", "U0ALICE")
    assert refused.params["response_type"] == "ephemeral"
    assert "You can name at most 5 members at once; you named 6." in block_texts(refused)
    assert await contributions(hearth) == 6  # three kudos, each a received and a given row


async def test_an_option_given_twice_is_refused_as_on_every_platform(
    slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth
) -> None:
    slack_api.user("U0ALICE", "alice")
    refused = await slack.command("/kudos", "member:<@U0BOB|bob> member:<@U0CAROL|carol> thanks", "U0ALICE")
    assert refused.params["response_type"] == "ephemeral"
    assert "The option `member` is given twice; give it once." in block_texts(refused)
    assert await contributions(hearth) == 0


async def test_bad_signature_or_stale_timestamp_is_refused_and_changes_nothing(
    slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth
) -> None:
    payload = command_payload("/kudos", "<@U0BOB|bob> thanks", "U0ALICE", response_url=slack_api.response_url())
    forged = await slack.requests.command(payload, signature="v0=" + "0" * 64)
    wrong_secret = await slack.requests.command(payload, signature=sign("anything", int(time.time()), "guess"))
    stale_moment = int(time.time()) - 10 * 60
    stale = await slack.requests.command(payload, timestamp=stale_moment)

    assert (forged.status, wrong_secret.status, stale.status) == (401, 401, 401)
    assert not slack_api.called("chat.postMessage") and not slack_api.called("response_url")
    assert await contributions(hearth) == 0

    # The same command, signed properly and on time, goes through.
    accepted = await slack.requests.command(payload)
    assert accepted.status == 200
    await slack_api.wait_for("chat.postMessage")
    assert await contributions(hearth) == 2


async def test_a_redelivered_event_awards_and_dispatches_once(
    slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth
) -> None:
    dispatched: list[MessagePosted] = []
    first_dispatch = asyncio.Event()

    async def count(event: MessagePosted) -> None:
        dispatched.append(event)
        first_dispatch.set()

    hearth.registry.on(MessagePosted, count)
    delivery = event_payload(message_event("U0ERIN", "hello <@U0BOB>", "1700000100.000100"), "Ev0001")

    first = await slack.requests.event(delivery)
    await asyncio.wait_for(first_dispatch.wait(), WAIT_SECONDS)
    retried = await slack.requests.event(delivery, retry=1)
    again = await slack.requests.event(delivery, retry=2)
    assert (first.status, retried.status, again.status) == (200, 200, 200)

    # Nothing of a redelivery is scheduled once it is answered, so the count is final here.
    assert len(dispatched) == 1
    assert [mention.external_id for mention in dispatched[0].mentions] == ["U0BOB"]
    await hearth.services.activity.flush()
    assert await contributions(hearth) == 1


async def test_channel_pings_in_a_reason_are_escaped(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    # As Slack sends it: @channel typed in the client arrives as <!channel>, a typed "<" as &lt;.
    reason = "<!channel> <!here|here> &amp; <!everyone> &lt;!channel&gt; <@U0CAROL|carol> <https://x.test/pr/1|PR 1>"
    answer = await slack.command("/kudos", f"<@U0BOB|bob> {reason}", "U0ALICE")
    shown = block_texts(answer)
    assert "@channel @here &amp; @everyone &lt;!channel&gt; @carol PR 1 (https://x.test/pr/1)" in shown
    everything = json.dumps(answer.params)
    assert "<!channel>" not in everything and "<!here>" not in everything and "<!everyone>" not in everything
    # The members the cog mentions on purpose are real mentions; one named in the reason is thanked too
    # (every member mentioned is), and the reason itself keeps her as the plain `@carol` typed.
    assert "<@U0BOB> and <@U0CAROL>, you got kudos from <@U0ALICE>!" in shown


async def test_a_date_in_a_reason_reads_as_its_text_not_a_mention(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    """A tester's probe: Slack's date token read as `@Feb 18, 2014`, a mention of nobody."""
    answer = await slack.command(
        "/kudos", "<@U0BOB|bob> for the release on <!date^1392734382^{date_pretty}|Feb 18, 2014>", "U0ALICE"
    )
    assert "for the release on Feb 18, 2014" in block_texts(answer)
    assert "@Feb" not in block_texts(answer)


async def test_config_set_needs_a_workspace_admin(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    slack_api.user("U0MEMBER", "mia")
    slack_api.user("U0OWNER", "olga", is_owner=True)

    refused = await slack.command("/config", "set kudos_points 5", "U0MEMBER")
    assert refused.method == "response_url" and refused.params["response_type"] == "ephemeral"
    assert "Sorry, `/config set` is for admins of this community." in block_texts(refused)

    done = await slack.command("/config", "set kudos_points 5", "U0OWNER")
    assert "Done: `kudos_points` 10 → 5." in block_texts(done)
    channel = await slack.command("/config", "set announcement_channel channel:<#C0NEWS|news>", "U0OWNER")
    assert "Done: `announcement_channel` not set → <#C0NEWS>." in block_texts(channel)

    verbs = await slack.command("/config", "", "U0OWNER")
    assert "`/config set key [value] [channel]`" in block_texts(verbs)
    kudos = await slack.command("/kudos", "<@U0OWNER|olga> thanks", "U0MEMBER")
    assert "+5 points for olga" in block_texts(kudos)


async def test_moderator_groups_may_show_but_not_set(hearth: Hearth, slack_api: MockSlackApi) -> None:
    slack_api.user("U0MOD", "max")
    slack_api.usergroups["S0MODS"] = ["U0MOD"]
    async with running_slack(hearth, slack_api, slack_moderator_groups="S0MODS, S0GONE") as slack:
        shown = await slack.command("/config", "show", "U0MOD")
        assert "*kudos_points*\n10" in block_texts(shown)
        refused = await slack.command("/config", "set kudos_points 1", "U0MOD")
        assert "is for admins" in block_texts(refused)
        member = await slack.command("/config", "show", "U0OTHER")
        assert "is for moderators" in block_texts(member)


async def test_names_on_the_leaderboard_show_as_typed(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    """mrkdwn cannot escape: each formatting character of a name is fenced by zero-width spaces."""
    names = {"U0CAROL": "`carol", "U0DAVE": "dave`", "U0ERIN": "_erin_the_great_"}
    for user_id, name in names.items():
        slack_api.user(user_id, name)
        await slack.command("/kudos", f"<@{user_id}> thanks", "U0ALICE")
    board = block_texts(await slack.command("/leaderboard", "", "U0BOB"))
    fenced = {name: re.sub(r"([`_])", "\u200b\\1\u200b", name) for name in names.values()}
    for name in names.values():
        assert f"*{fenced[name]}* — 10 points" in board
    assert board.replace("\u200b", "").count("`") == 2


async def test_a_command_of_a_feature_not_loaded_is_answered_as_unknown(
    db: Database, clock: VirtualClock, database_url: str, slack_api: MockSlackApi
) -> None:
    """The Slack app keeps /ritual after `HEARTH_COGS` leaves rituals out: Bolt answered it 404, which Slack shows
    the member as an error ("/ritual failed with the error ..."), and logged its suggestion of code to write."""
    settings = load_settings(database_url=database_url, hearth_cogs="settings,recognition")
    runtime = build_hearth(settings, clock, VirtualScheduler(clock), db=db)
    await runtime.start()
    try:
        async with running_slack(runtime, slack_api) as slack:
            answer = await slack.command("/ritual", "list", "U0ALICE")
    finally:
        await runtime.close()
    assert answer.method == "response_url" and answer.params["response_type"] == "ephemeral"
    assert block_texts(answer) == "I don't know the command `/ritual`. Try `/help`."


async def test_an_option_named_with_a_space_after_its_colon_takes_the_next_word(
    slack: SlackHarness, slack_api: MockSlackApi
) -> None:
    """`member: @bob` was read as an empty member: "I couldn't find the member ``."; `member:` alone the same."""
    slack_api.user("U0BOB", "bob")
    thanked = await slack.command("/kudos", "member: <@U0BOB|bob> reason: for the review", "U0ALICE")
    assert "+10 points for bob" in block_texts(thanked) and "for the review" in block_texts(thanked)
    board = await slack.command("/leaderboard", "period: month", "U0ALICE")
    assert "Leaderboard — this month" in block_texts(board)
    asked = await slack.command("/kudos", "member:", "U0ALICE")
    assert block_texts(asked).startswith("`/kudos` needs member. Usage:")
