"""An event Hearth could not keep because the database was locked by another program or out of reach is not
acknowledged: Slack is answered 500, sends it again, and the redelivery is handled (not dropped as a duplicate).
Until 2026-12-01 it was answered 200 and lost."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
from sqlalchemy import func, select

from bot.core.runtime import Hearth
from storage.health_models import HealthMemberDay
from tests.conftest import START, hearth_process, locked_by_another_program, waiting_briefly_for_locks
from tests.core.test_database_outage import relayed, tracebacks
from tests.platforms.slack_fakes import (
    MockSlackApi,
    SlackHarness,
    event_payload,
    message_event,
    running_slack,
    running_slack_socket_mode,
    submission_of,
)
from tests.platforms.test_slack import block_texts
from tests.platforms.test_slack_onboarding import posted_in, set_up
from tests.platforms.test_slack_recognition import points_of


def started(url: str) -> AbstractAsyncContextManager[Hearth]:
    """A Hearth of its own on `url` (its own engine: one opened after a test changed the SQLite settings)."""
    return hearth_process(url, START, lambda hearth: hearth)


def reaction(user: str, author: str, ts: str) -> dict[str, object]:
    return {
        "type": "reaction_added",
        "user": user,
        "reaction": "raised_hands",  # the default kudos emoji 🙌
        "item_user": author,
        "item": {"type": "message", "channel": "C0GENERAL", "ts": ts},
    }


def waiting_for_locks(
    database_url: str, slack_api: MockSlackApi, monkeypatch: pytest.MonkeyPatch, busy_timeout_ms: int
) -> None:
    """`waiting_briefly_for_locks`, with alice and bob members of the workspace."""
    waiting_briefly_for_locks(database_url, monkeypatch, busy_timeout_ms)
    slack_api.user("U0ALICE", "alice")
    slack_api.user("U0BOB", "bob")


@asynccontextmanager
async def bob_posted(
    database_url: str, slack_api: MockSlackApi, monkeypatch: pytest.MonkeyPatch, busy_timeout_ms: int
) -> AsyncIterator[SlackHarness]:
    """Hearth on Slack over a SQLite file whose write lock it waits `busy_timeout_ms` for (not ten seconds), with
    bob's message `1.1` in #general for alice's kudos reaction (`KUDOS`)."""
    waiting_for_locks(database_url, slack_api, monkeypatch, busy_timeout_ms)
    async with started(database_url) as hearth, running_slack(hearth, slack_api) as slack:
        posted = await slack.requests.event(event_payload(message_event("U0BOB", "the fix is in", "1.1"), "Ev1"))
        assert posted.status == 200
        yield slack


KUDOS = event_payload(reaction("U0ALICE", "U0BOB", "1.1"), "Ev2")


async def test_a_reaction_kudos_refused_by_a_lock_is_answered_500_and_its_redelivery_kept(
    database_url: str, slack_api: MockSlackApi, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.WARNING)
    async with bob_posted(database_url, slack_api, monkeypatch, 200) as slack:
        hearth = slack.platform.hearth
        with locked_by_another_program(database_url):
            refused = await slack.requests.event(KUDOS)
        assert refused.status == 500
        assert await points_of(hearth, "kudos_received") == 0
        assert (await slack.requests.event(KUDOS, retry=1)).status == 200
        assert await points_of(hearth, "kudos_received") == 10
        # Once kept, a further redelivery is dropped as one: no second kudos.
        assert (await slack.requests.event(KUDOS, retry=2)).status == 200
        assert await points_of(hearth, "kudos_received") == 10
    lines = [record.getMessage() for record in caplog.records]
    assert any("Slack event Ev2 not kept" in line and "Slack sends it again" in line for line in lines)
    assert tracebacks(caplog) == []


async def test_a_redelivery_while_the_event_is_still_handled_is_answered_500_and_counts_once(
    database_url: str, slack_api: MockSlackApi, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slack gives up on an answer after 3 seconds and sends the event again: while the first delivery still waits
    for the database, whether it will be kept is not known, so the redelivery gets 500 (from the HTTP guard), not
    a 200 that would end Slack's tries (and lose the event if the first then fails)."""
    caplog.set_level(logging.INFO)
    async with bob_posted(database_url, slack_api, monkeypatch, 5000) as slack:
        with locked_by_another_program(database_url):
            first = asyncio.create_task(slack.requests.event(KUDOS))
            await asyncio.sleep(0.5)  # the kudos waits for the lock
            redelivered = await slack.requests.event(KUDOS, retry=1)
        assert redelivered.status == 500
        assert (await first).status == 200
        assert (await slack.requests.event(KUDOS, retry=2)).status == 200
        assert await points_of(slack.platform.hearth, "kudos_received") == 10
    lines = [record.getMessage() for record in caplog.records]
    assert any(
        "a redelivery of Slack event Ev2 arrived while it is still being handled: answered 500" in line
        for line in lines
    )
    assert tracebacks(caplog) == []


async def test_socket_mode_leaves_a_redelivery_unacknowledged_while_the_event_is_still_handled(
    database_url: str, slack_api: MockSlackApi, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As over HTTP: while the first delivery waits for the lock, a redelivery is not acknowledged (Slack sends it
    again), and once the first was kept the next one is acknowledged as a repeat: one kudos."""
    waiting_for_locks(database_url, slack_api, monkeypatch, 5000)
    caplog.set_level(logging.INFO)

    def acked(envelope: str) -> bool:
        return bool(slack_api.called("socket_ack", lambda call: call.params.get("envelope_id") == envelope))

    async with started(database_url) as hearth, running_slack_socket_mode(hearth, slack_api):
        await slack_api.send_envelope(
            "events_api", event_payload(message_event("U0BOB", "the fix is in", "1.1"), "Ev1"), "env-1"
        )
        await slack_api.wait_until(lambda: acked("env-1"))
        with locked_by_another_program(database_url):
            await slack_api.send_envelope("events_api", KUDOS, "env-2")
            await asyncio.sleep(0.5)  # the kudos waits for the lock
            await slack_api.send_envelope("events_api", KUDOS, "env-3")  # Slack's redelivery, a new envelope
            await asyncio.sleep(0.2)
        await slack_api.wait_until(lambda: acked("env-2"))
        assert not acked("env-3")
        await slack_api.send_envelope("events_api", KUDOS, "env-4")
        await slack_api.wait_until(lambda: acked("env-4"))
        assert await points_of(hearth, "kudos_received") == 10
    lines = [record.getMessage() for record in caplog.records]
    assert "a redelivery of Slack event Ev2 arrived while it is still being handled" in lines
    assert tracebacks(caplog) == []


async def test_a_message_event_while_postgresql_is_out_of_reach_is_answered_500_and_its_redelivery_kept(
    database_url: str, slack_api: MockSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("a database server out of reach is PostgreSQL's")
    caplog.set_level(logging.WARNING)
    slack_api.user("U0BOB", "bob")
    async with relayed(database_url) as (relay, url), started(url) as hearth, running_slack(hearth, slack_api) as slack:
        # The workspace's members and settings are read on its first message: that read fails.
        relay.cut()
        refused = await slack.requests.event(event_payload(message_event("U0BOB", "good morning", "1.1"), "Ev1"))
        await relay.restore()
        assert refused.status == 500
        redelivered = await slack.requests.event(
            event_payload(message_event("U0BOB", "good morning", "1.1"), "Ev1"), retry=1
        )
        assert redelivered.status == 200
        await hearth.services.activity.flush()
        assert await points_of(hearth, "message") == 1
        async with hearth.db.read() as session:  # and its health counts, once (not dropped as a repeat)
            counted = await session.execute(select(func.coalesce(func.sum(HealthMemberDay.messages), 0)))
            assert counted.scalar_one() == 1
    lines = [record.getMessage() for record in caplog.records]
    assert any("Slack event Ev1 not kept" in line for line in lines)
    assert tracebacks(caplog) == []


async def test_an_intro_the_lock_keeps_from_being_recorded_takes_its_card_back_and_a_retry_posts_one(
    database_url: str, slack_api: MockSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The card goes out before the introduction is recorded; when the database is then locked by another program,
    the member is told nothing was changed. Until 2026-12-01 the card stayed in #intros all the same (its thread
    earning nothing), and trying again posted a second one beside it."""
    waiting_for_locks(database_url, slack_api, monkeypatch, 200)
    typed = {"name": "Nina", "location": "Oslo", "about": "Board game nights", "interests": "chess"}
    to_nina = "chat.postEphemeral", lambda call: call.params["user"] == "U0NINA"
    async with started(database_url) as hearth, running_slack(hearth, slack_api) as slack:
        await set_up(slack)
        form = await slack.command("/intro", "", "U0NINA")
        slack_api.held["chat.postMessage"] = posting = asyncio.Event()
        assert (await slack.requests.interaction(submission_of(form, "U0NINA", typed))).status == 200
        await slack_api.wait_until(lambda: "chat.postMessage" in slack_api.waiting)
        with locked_by_another_program(database_url):
            del slack_api.held["chat.postMessage"]
            posting.set()  # the card is posted; recording it finds the file locked
            answer = await slack_api.wait_for(*to_nina)
        assert "nothing was changed" in block_texts(answer)
        [card] = posted_in(slack_api, "C0INTROS")
        [deleted] = slack_api.called("chat.delete")
        assert (deleted.params["channel"], deleted.params["ts"]) == ("C0INTROS", card.answer["ts"])

        form = await slack.command("/intro", "", "U0NINA")
        assert form.params["view"]["title"]["text"] == "Introduce yourself"  # nothing was recorded
        assert (await slack.requests.interaction(submission_of(form, "U0NINA", typed))).status == 200
        answer = await slack_api.wait_for(*to_nina, count=2)
        assert "Your introduction is posted in <#C0INTROS> (+20 points)" in block_texts(answer)
        assert len(posted_in(slack_api, "C0INTROS")) == 2 and len(slack_api.called("chat.delete")) == 1
