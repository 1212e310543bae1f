"""Community health on Slack: a thread reply names the parent's author, and /health show answers in text with
its charts uploaded as files."""

from __future__ import annotations

import asyncio

from bot.core.events import MessagePosted
from bot.core.runtime import Hearth
from tests.platforms.slack_fakes import MockSlackApi, SlackHarness, Upload, event_payload, message_event

WAIT_SECONDS = 10


async def test_a_thread_reply_names_its_parents_author_and_health_show_answers(
    hearth: Hearth, slack: SlackHarness, slack_api: MockSlackApi
) -> None:
    slack_api.user("U0ALICE", "alice")
    slack_api.user("U0BOB", "bob")
    slack_api.user("U0BOSS", "boss", is_admin=True)
    seen: list[MessagePosted] = []
    both = asyncio.Event()

    async def keep(event: MessagePosted) -> None:
        seen.append(event)
        if len(seen) == 3:
            both.set()

    hearth.registry.on(MessagePosted, keep)
    parent = "1700000100.000100"
    await slack.requests.event(event_payload(message_event("U0ALICE", "how do I deploy?", parent), "Ev1"))
    # Slack names the parent's author (parent_user_id) in most thread replies; without it Hearth remembers.
    reply = message_event("U0BOB", "like this", "1700000200.000100", thread_ts=parent)
    await slack.requests.event(event_payload(reply, "Ev2"))
    named = message_event("U0BOSS", "and this", "1700000300.000100", thread_ts=parent, parent_user_id="U0ALICE")
    await slack.requests.event(event_payload(named, "Ev3"))
    await asyncio.wait_for(both.wait(), WAIT_SECONDS)
    first, second, third = seen
    assert first.reply_to is None
    assert second.reply_to is not None and second.reply_to.external_id == "U0ALICE"
    assert (second.reply_to_message_id, third.reply_to_message_id) == (parent, parent)
    assert third.reply_to is not None and third.reply_to.external_id == "U0ALICE"

    answer = await slack.command("/health", "show 7d", "U0BOSS")
    text = str(answer.params)
    assert "Community health — last 7 days" in text
    # alice, bob and the admin each wrote once; two of the three messages are replies.
    assert "active 3" in text and "replies 67% (2/3) of messages" in text

    # A private answer's files cannot be private in a channel on Slack: the charts go to the admin's DM.
    def charts() -> list[Upload]:
        return [f for f in slack_api.shared_files() if f.filename.endswith(".png")]

    await slack_api.wait_until(lambda: len(charts()) >= 3)  # one files.completeUploadExternal shares them all
    assert len(charts()) == 3 and all(chart.data.startswith(b"\x89PNG") for chart in charts())


async def test_health_show_says_its_three_charts_went_to_the_dm(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    """The answer names as many files as the DM holds: "the file" had an admin look for one chart, not three."""
    slack_api.user("U0BOSS", "boss", is_admin=True)

    answer = await slack.command("/health", "show 7d", "U0BOSS")

    text = str(answer.params)
    assert "so I sent the 3 files to your DMs with Hearth" in text
    assert "the file to" not in text
