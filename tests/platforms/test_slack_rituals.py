"""Rituals on Slack, end to end: slash commands and events into the real Bolt app, posts recorded by the
mock Slack Web API, time on the runtime's VirtualScheduler (starting Wednesday 2026-03-04 12:00 UTC).

What moderators and members see: the preview, each kind's posts, threaded replies, group DMs and their
buttons (also after a restart), catching up after downtime, and every refusal.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.clock import VirtualClock
from bot.core.events import MessagePosted
from bot.core.messenger import PlatformError
from bot.core.refs import CommunityRef, MemberRef
from bot.core.reply import Button, Reply
from bot.core.runtime import Hearth
from config.settings import SettingsError
from tests.conftest import NewRuntime, ledger_rows
from tests.platforms.slack_fakes import (
    TEAM,
    Call,
    MockSlackApi,
    SlackHarness,
    message_event,
    running_slack,
    team_join_event,
)
from tests.platforms.test_slack import block_texts
from tests.platforms.test_slack_onboarding import advance, click, deliver, handled, logged, posted_in

MOD = "U0MOD"  # a workspace admin: a Hearth admin, so also a moderator
THURSDAY_9 = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
_timestamps = itertools.count(1)


@pytest.fixture(autouse=True)
def people(slack_api: MockSlackApi) -> None:
    slack_api.user(MOD, "mod", is_admin=True)
    for user, name in (("U0ALICE", "alice"), ("U0BOB", "bob"), ("U0CAROL", "carol")):
        slack_api.user(user, name)


async def ritual(slack: SlackHarness, verb_and_options: str, user: str = MOD) -> Call:
    """`/ritual ...` as typed in Slack; returns Hearth's answer to the person who typed it."""
    return await slack.command("/ritual", verb_and_options, user)


async def say(slack: SlackHarness, user: str, channel: str, text: str, **extra: Any) -> None:
    """A member's message as Slack delivers it (message event)."""
    ts = f"1700002000.{next(_timestamps):06d}"
    await deliver(slack, message_event(user, text, ts, channel=channel, **extra))


def private(answer: Call) -> str:
    """The text of an answer only its asker sees (ephemeral, through the command's response_url)."""
    assert answer.method == "response_url" and answer.params["response_type"] == "ephemeral", answer
    return block_texts(answer)


def button(message: Call, label: str) -> dict[str, Any]:
    """A button of a posted message, as the block_actions payload carries it."""
    for block in message.params["blocks"]:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element["text"]["text"] == label:
                return element
    raise AssertionError(f"no button {label!r} in {block_texts(message)}")


async def test_create_preview_posts_replies_streak_and_recap(
    slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth
) -> None:
    log = logged(hearth)
    await slack.command("/config", "set message_points 0", MOD)
    created = private(
        await ritual(
            slack, 'create standup <#C0STANDUP|standup> "weekdays at 09:00" prompt:"Plans for {date}?" window:3h'
        )
    )
    assert "Ritual *standup* is set." in created
    assert "*Channel*\n<#C0STANDUP>" in created
    assert "*Schedule*\nevery weekday (Monday to Friday) at 09:00 (UTC)" in created
    assert "*Next runs*\nThu 05 Mar 2026 09:00 UTC; Fri 06 Mar 2026 09:00 UTC; Mon 09 Mar 2026 09:00 UTC" in created
    # Slack sends a channel's messages only to its members: Hearth joined the (public) channel.
    assert [call.params["channel"] for call in slack_api.called("conversations.join")] == ["C0STANDUP"]

    await advance(hearth, timedelta(hours=21))
    [prompt] = posted_in(slack_api, "C0STANDUP")
    assert block_texts(prompt) == (
        "🔔 standup\nPlans for Thursday 5 March 2026?\nReply in this channel within 3 hours to take part (+5 points)"
    )
    await say(slack, "U0ALICE", "C0STANDUP", "on it")
    await say(slack, "U0ALICE", "C0STANDUP", "and more")
    await say(slack, "U0BOB", "C0STANDUP", "me too")
    await say(slack, "U0CAROL", "C0RANDOM", "elsewhere")
    await handled(log, MessagePosted, 4)
    await advance(hearth, timedelta(hours=3))
    assert block_texts(posted_in(slack_api, "C0STANDUP")[-1]) == "📋 *standup* recap: 2 members took part."

    # Friday and Monday: alice takes part again (three runs in a row); bob only after Monday's window.
    await advance(hearth, timedelta(hours=21))
    await say(slack, "U0ALICE", "C0STANDUP", "friday")
    await handled(log, MessagePosted, 5)
    await advance(hearth, timedelta(hours=3 + 69))
    await say(slack, "U0ALICE", "C0STANDUP", "monday")
    await handled(log, MessagePosted, 6)
    streak = "🔥 <@U0ALICE> has taken part in *standup* 3 times in a row!"
    assert block_texts(posted_in(slack_api, "C0STANDUP")[-1]) == streak
    await advance(hearth, timedelta(hours=3))
    await say(slack, "U0BOB", "C0STANDUP", "too late")
    await handled(log, MessagePosted, 7)
    assert block_texts(posted_in(slack_api, "C0STANDUP")[-1]) == (
        "📋 *standup* recap: 1 member took part. New streak milestones: <@U0ALICE> (3 in a row)."
    )
    assert len(posted_in(slack_api, "C0STANDUP", "🔔 standup")) == 3
    assert len(posted_in(slack_api, "C0STANDUP", "🔥")) == 1

    assert sorted(await ledger_rows(hearth, "ritual_participation")) == [("U0ALICE", 5, "standup")] * 3 + [
        ("U0BOB", 5, "standup")
    ]
    streaks = await ritual(slack, "streaks standup", "U0CAROL")
    # Ritual commands answer only the person who asked; the ritual's own posts are its public face.
    assert "1. *alice* — 3 in a row" in private(streaks)
    history = private(await ritual(slack, "history standup", "U0CAROL"))
    assert "Mon 09 Mar 2026 09:00 UTC — posted · 1 took part" in history
    assert "Thu 05 Mar 2026 09:00 UTC — posted · 2 took part" in history


async def test_a_thread_ritual_counts_replies_to_its_post_only(
    slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth
) -> None:
    log = logged(hearth)
    # Typographic quotes, as Slack's clients often send them.
    created = private(
        await ritual(slack, "create wins <#C0WINS|wins> “daily at 17:00” kind:thread prompt:“What went well?”")
    )
    assert "*Schedule*\nevery day at 17:00 (UTC)" in created
    await advance(hearth, timedelta(hours=5))
    [prompt] = posted_in(slack_api, "C0WINS")
    assert "thread_ts" not in prompt.params
    assert block_texts(prompt).startswith("🔔 wins\nWhat went well?\nReply in the thread within 1 day")
    parent = prompt.answer["ts"]

    await say(slack, "U0ALICE", "C0WINS", "shipped the release", thread_ts=parent)
    await say(slack, "U0ALICE", "C0WINS", "and fixed a bug", thread_ts=parent)
    await say(slack, "U0BOB", "C0WINS", "a message outside the thread")
    await say(slack, "U0CAROL", "C0WINS", "a reply in another thread", thread_ts="1699999999.000001")
    await handled(log, MessagePosted, 4)
    await advance(hearth, timedelta(days=1))
    recap = posted_in(slack_api, "C0WINS", "recap")[0]
    assert block_texts(recap) == "📋 *wins* recap: 1 member took part."
    assert await ledger_rows(hearth, "ritual_participation") == [("U0ALICE", 5, "wins")]


PAIRING = {"U0ANN": "ann", "U0BEN": "ben", "U0CAT": "cat", "U0DAN": "dan", "U0EVE": "eve"}


async def test_pairing_meets_in_group_dms_and_a_yes_counts_after_a_restart(
    new_runtime: NewRuntime, slack_api: MockSlackApi
) -> None:
    api = slack_api
    for user, name in PAIRING.items():
        api.user(user, name)
    first = await new_runtime()
    async with running_slack(first, api) as slack:
        await ritual(slack, 'create coffee <#C0RANDOM|random> "every monday at 10:00" kind:pairing points:20 window:2d')
        for user in PAIRING:
            assert "You're in!" in private(await ritual(slack, "join coffee", user))
        assert private(await ritual(slack, "join coffee", "U0ANN")) == "You're already in *coffee*."

        await advance(first, timedelta(days=5))  # Monday 10:00 passes
        [pairs] = posted_in(api, "C0RANDOM")
        assert block_texts(pairs).startswith("☕ coffee: this round's pairs")
        # Five members: a pair and a trio, each introduced in one group DM with Hearth.
        groups = sorted((frozenset(c.params["users"].split(",")) for c in api.called("conversations.open")), key=len)
        assert [len(group) for group in groups] == [2, 3]
        assert set().union(*groups) == set(PAIRING)
        for group in groups:
            [hello] = posted_in(api, api.group_dms[group])
            assert "you're paired for *coffee* this round!" in block_texts(hello)
            assert all(f"<@{user}>" in block_texts(hello) for user in group)
        assert not api.called("chat.postMessage", lambda call: call.params["channel"].startswith("D"))

        await advance(first, timedelta(days=2))  # the window ends: did you meet?
        for group in groups:
            [_, question] = posted_in(api, api.group_dms[group])
            assert block_texts(question) == "Did you meet for *coffee*?\nYes, we met\nNot this time"
    await first.close()

    second = await new_runtime()  # the buttons are pressed after Hearth restarted
    async with running_slack(second, api) as slack:
        pair, trio = groups
        trio_dm = api.group_dms[trio]
        yes = button(posted_in(api, trio_dm)[-1], "Yes, we met")
        one, other, _ = sorted(trio)
        answer = await click(slack, one, yes, trio_dm)
        assert answer.params["response_type"] == "ephemeral"
        assert block_texts(answer) == "Wonderful! +20 points each for meeting up."
        assert block_texts(await click(slack, other, yes, trio_dm)) == "Already noted — glad you met!"
        outsider = await click(slack, sorted(pair)[0], yes, trio_dm)
        assert block_texts(outsider) == "This question is for the members of that pair."
        met = await ledger_rows(second, "ritual_pairing_met")
        assert sorted(met) == [(user, 20, "coffee") for user in sorted(trio)]


async def test_a_group_with_a_member_slack_cannot_reach_is_told_by_dm(
    slack: SlackHarness, slack_api: MockSlackApi
) -> None:
    community = CommunityRef("slack", TEAM)
    ann, gone = MemberRef(community, "U0ANN", "ann"), MemberRef(community, "U0GONE", "gone")
    slack_api.user("U0GONE", "gone", is_deleted=True)
    await slack.platform.messenger.send_group(
        [ann, gone], Reply(text="Did you meet?", buttons=(Button("Yes", "ritual:x"),))
    )
    [dm] = slack_api.called("chat.postMessage")
    assert dm.params["channel"] == "DU0ANN" and button(dm, "Yes")["action_id"] == "ritual:x"
    with pytest.raises(PlatformError, match="could not message any of gone"):
        await slack.platform.messenger.send_group([gone], Reply(text="hello?"))


async def test_spotlight_and_celebration_posts(slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth) -> None:
    await slack.command("/kudos", "<@U0BOB|bob> thanks for the review", "U0ALICE")
    await slack.command("/kudos", "<@U0BOB|bob> great talk", "U0CAROL")
    await slack.command("/kudos", "<@U0CAROL|carol> thanks", "U0BOB")
    saved = await slack.command("/birthday", "set 5 March 1990", "U0ALICE")
    # No celebration ritual yet: the birthday is kept, and no celebration is promised.
    assert private(saved).startswith("Saved: 5 March (only day and month are kept, not the year). No celebration")
    refused = await slack.command("/birthday", "set 13-40", "U0BOB")
    assert private(refused).startswith("`13-40` is not a birthday; write it as MM-DD")
    await ritual(slack, 'create spotlight <#C0GENERAL|general> "every friday at 16:00" kind:spotlight')
    await ritual(slack, 'create party <#C0PARTY|party> "daily at 08:00" kind:celebration tz:Europe/Berlin')

    await advance(hearth, timedelta(days=1))  # Thursday 08:00 in Berlin
    [party] = posted_in(slack_api, "C0PARTY")
    assert block_texts(party) == "🎉 party\n🎂 Happy birthday, <@U0ALICE>!"
    await advance(hearth, timedelta(days=2))  # Friday 16:00; nobody to celebrate on Friday or Saturday
    assert len(posted_in(slack_api, "C0PARTY")) == 1
    [spotlight] = posted_in(slack_api, "C0GENERAL", "🌟")
    shown = block_texts(spotlight)
    assert shown.startswith("🌟 spotlight: the week of 2 March 2026\n*Top contributors*\n🥇 <@U0BOB> — 20 points")
    assert "*Most thanked*\n💛 <@U0BOB> — thanked 2 times\n💛 <@U0CAROL> — thanked once" in shown


async def test_anniversaries_count_from_joining_not_from_first_sight(
    new_runtime: NewRuntime, clock: VirtualClock, slack_api: MockSlackApi
) -> None:
    first = await new_runtime()
    async with running_slack(first, slack_api) as slack:
        # bob was in the workspace before Hearth: Hearth only sees him speak, so his join date is unknown.
        await slack.command("/rank", "", "U0BOB")
        # alice joins the workspace on Wednesday 2026-03-04 (team_join).
        await deliver(slack, team_join_event(slack_api.user("U0ALICE", "alice")))
        await ritual(slack, 'create party <#C0PARTY|party> "daily at 08:00" kind:celebration tz:Europe/Berlin')
        await ritual(slack, "pause party")
    await first.close()

    clock.set(datetime(2027, 3, 3, 12, 0, tzinfo=UTC))
    second = await new_runtime()
    async with running_slack(second, slack_api) as slack:
        await ritual(slack, "resume party")
        await advance(second, timedelta(days=1))
        [anniversary] = posted_in(slack_api, "C0PARTY")
        shown = block_texts(anniversary)
        assert shown.startswith("🎉 party\n🎉 <@U0ALICE> joined us 1 year ago today — happy anniversary!")
        assert "<@U0CAROL>" not in shown  # never seen
        assert "<@U0BOB>" not in shown  # his join date is unknown: nothing rather than a wrong date


CREATE_STANDUP = 'create standup <#C0STANDUP|standup> "daily at 09:00" prompt:"Plans?"'


async def create_standup_and_stop(new_runtime: NewRuntime, api: MockSlackApi) -> None:
    first = await new_runtime()
    async with running_slack(first, api) as slack:
        assert "is set" in private(await ritual(slack, CREATE_STANDUP))
    await first.close()


async def test_a_firing_missed_within_the_grace_time_is_posted_once_at_start(
    new_runtime: NewRuntime, clock: VirtualClock, slack_api: MockSlackApi
) -> None:
    await create_standup_and_stop(new_runtime, slack_api)
    clock.set(THURSDAY_9 + timedelta(minutes=30))  # down over Thursday 09:00; the grace time is 1h

    # A start whose token Slack refuses never speaks: the missed firing is neither posted nor spent.
    slack_api.errors["auth.test"] = "invalid_auth"
    refused = await new_runtime()
    with pytest.raises(SettingsError):
        async with running_slack(refused, slack_api):
            pass
    await refused.hooks_done()
    assert not posted_in(slack_api, "C0STANDUP")
    del slack_api.errors["auth.test"]

    second = await new_runtime()
    async with running_slack(second, slack_api):
        [caught_up] = posted_in(slack_api, "C0STANDUP")
        expected = "🔔 standup\nPlans?\nReply in this channel within 1 day to take part (+5 points)"
        assert block_texts(caught_up) == expected
    await second.close()

    clock.set(THURSDAY_9 + timedelta(minutes=40))
    third = await new_runtime()
    async with running_slack(third, slack_api) as slack:
        assert len(posted_in(slack_api, "C0STANDUP")) == 1  # claimed: never posted twice
        assert "Thu 05 Mar 2026 09:00 UTC — posted" in private(await ritual(slack, "history standup"))


async def test_firings_missed_beyond_the_grace_time_are_recorded_not_posted(
    new_runtime: NewRuntime, clock: VirtualClock, slack_api: MockSlackApi
) -> None:
    await create_standup_and_stop(new_runtime, slack_api)
    clock.set(datetime(2026, 3, 7, 11, 0, tzinfo=UTC))  # back on Saturday 11:00: three firings missed
    second = await new_runtime()
    async with running_slack(second, slack_api) as slack:
        assert not posted_in(slack_api, "C0STANDUP")
        history = private(await ritual(slack, "history standup"))
        for day in ("Thu 05", "Fri 06", "Sat 07"):
            assert f"{day} Mar 2026 09:00 UTC — missed (Hearth was not running)" in history
        await advance(second, timedelta(days=1))
        assert len(posted_in(slack_api, "C0STANDUP", "🔔 standup")) == 1  # Sunday's, on time


async def test_refusals_are_private_and_create_nothing(hearth: Hearth, slack_api: MockSlackApi) -> None:
    api = slack_api
    api.user("U0MAX", "max")
    api.usergroups["S0MODS"] = ["U0MAX"]  # a moderator, not an admin
    api.channel("C0OLD", "old", is_archived=True)
    api.channel("G0SECRET", "secret", is_private=True)  # Hearth was never invited
    api.channel("G0CREW", "crew", is_private=True, is_member=True)
    daily = '"daily at 09:00" prompt:hi'
    refusals = [
        ("U0ALICE", f"create standup <#C0GENERAL|general> {daily}", "Sorry, `/ritual create` is for moderators"),
        ("U0MAX", f"create standup <#C0OLD|old> {daily}", "I can't post in #old."),
        ("U0MAX", f"create standup <#G0SECRET|secret> {daily}", "I can't post in #secret."),
        (
            "U0MAX",
            f"create standup <#C0GENERAL|general> {daily} tz:Mars/Olympus",
            "`Mars/Olympus` is not a time zone I know. Use an IANA name such as Europe/Berlin.",
        ),
        ("U0MAX", 'create standup <#C0GENERAL|general> "whenever" prompt:hi', "I can't read the schedule `whenever`."),
        (
            "U0MAX",
            'create standup <#C0GENERAL|general> "every 30 minutes" prompt:hi',
            "`every 30 minutes` would run every 30 minutes; rituals run at most once an hour. "
            "An admin can allow it with `frequent:yes`.",
        ),
        (
            "U0MAX",
            'create standup <#C0GENERAL|general> "every 30 minutes" prompt:hi frequent:yes',
            "Only an admin may allow a ritual to run more often than once an hour.",
        ),
    ]
    async with running_slack(hearth, api, slack_moderator_groups="S0MODS") as slack:
        for user, text, reason in refusals:
            assert reason in private(await ritual(slack, text, user)), text
        assert private(await ritual(slack, "list", "U0MAX")).startswith("No rituals yet.")
        assert not api.called("chat.postMessage")
        assert not api.called("conversations.join")

        # Once Hearth is invited into a private channel, a ritual may post there.
        assert "Ritual *crew* is set." in private(await ritual(slack, f"create crew <#G0CREW|crew> {daily}", "U0MAX"))
        assert not api.called("conversations.join")  # already a member


async def test_a_channel_archived_later_fails_the_run_with_slacks_reason(
    slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth
) -> None:
    await ritual(slack, CREATE_STANDUP)
    slack_api.channel("C0STANDUP", "standup", is_archived=True)
    await advance(hearth, timedelta(hours=21))
    assert [call.answer["error"] for call in posted_in(slack_api, "C0STANDUP")] == ["is_archived"]
    history = private(await ritual(slack, "history standup"))
    assert "Thu 05 Mar 2026 09:00 UTC — failed: That channel is archived." in history
    assert "I can't post in #standup." in private(await ritual(slack, "run-now standup"))


async def test_a_post_slack_rate_limits_is_sent_once_slack_allows_it(
    slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth
) -> None:
    """Slack answers 429 `ratelimited` with a Retry-After when a channel gets more than about a message a
    second: the post waits that long and goes, rather than failing the run as a refusal would."""
    await ritual(slack, CREATE_STANDUP)
    slack_api.rate_limited["chat.postMessage"] = 1
    await ritual(slack, "run-now standup")  # its first answer: the post Slack limited
    answer = await slack_api.wait_for("response_url", lambda call: "standup" in block_texts(call), count=2)
    assert "Slack refused" not in block_texts(answer)
    [limited, posted] = posted_in(slack_api, "C0STANDUP")
    assert limited.answer["error"] == "ratelimited" and "Plans?" in block_texts(posted)
    assert "— failed" not in private(await ritual(slack, "history standup"))


async def test_a_run_now_slack_refuses_says_why_in_one_sentence(
    slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth
) -> None:
    await ritual(slack, CREATE_STANDUP)
    slack_api.errors["chat.postMessage"] = "restricted_action"
    await ritual(slack, "run-now standup")  # its first answer: the post Slack refused
    answer = await slack_api.wait_for("response_url", lambda call: "standup" in block_texts(call), count=2)
    assert (
        "posted nothing: A workspace setting forbids Hearth to do this; a Slack admin can allow it. Its schedule"
        in block_texts(answer)
    )
