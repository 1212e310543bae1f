"""Rituals across restarts and across two Hearth processes sharing one database (SQLite file, and
PostgreSQL when HEARTH_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import build_hearth, run_console
from bot.core.clock import VirtualClock
from bot.core.refs import ChannelRef
from bot.core.reply import Reply
from bot.core.scheduling import VirtualScheduler
from bot.platforms.console.script import Say
from cogs.rituals.runner import INTERRUPTED
from config.settings import load_settings
from storage import rituals
from tests.conftest import START, ConsoleDriver, console_driver, hearth_instance


async def advance(driver: ConsoleDriver, to: datetime) -> None:
    await driver.platform.scheduler.advance_to(to)


CREATE_DAILY = """
@mod is moderator
@mod: /ritual create standup #general "daily at 09:00" prompt:"Plans?"
"""
THURSDAY_9 = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


async def test_a_firing_missed_within_the_grace_time_runs_once_on_start(database_url: str) -> None:
    async with hearth_instance(database_url, START) as first:
        await first.run(CREATE_DAILY)
    # Down over Thursday 09:00; back 30 minutes later (grace: 1h).
    async with hearth_instance(database_url, THURSDAY_9 + timedelta(minutes=30)) as second:
        assert second.blocks == [
            "[#general] 🔔 standup\n  ┃ Plans?\n  ┃ Reply in this channel within 1 day to take part (+5 points)"
        ]
    # Restarting again posts nothing more: the run is claimed.
    async with hearth_instance(database_url, THURSDAY_9 + timedelta(minutes=40)) as third:
        assert third.blocks == []
        said = await third.run("wait 1d\n@mod: /ritual history standup")
        assert said.count("🔔 standup") == 1  # Friday's
        assert "Thu 05 Mar 2026 09:00 UTC — posted" in said


async def test_a_platform_attached_after_start_still_gets_the_catch_up(database_url: str) -> None:
    async with hearth_instance(database_url, START) as first:
        await first.run(CREATE_DAILY)
    clock = VirtualClock(THURSDAY_9 + timedelta(minutes=30))
    hearth = build_hearth(load_settings(database_url=database_url), clock, VirtualScheduler(clock))
    try:
        await hearth.start()  # no platform yet: nothing can be posted, so nothing is claimed
        late = console_driver(hearth)
        await hearth.hooks_done()
        assert late.blocks == [
            "[#general] 🔔 standup\n  ┃ Plans?\n  ┃ Reply in this channel within 1 day to take part (+5 points)"
        ]
    finally:
        await hearth.close()
        await hearth.db.dispose()


async def test_firings_missed_beyond_the_grace_time_are_recorded_not_posted(database_url: str) -> None:
    async with hearth_instance(database_url, START) as first:
        await first.run(CREATE_DAILY)
    # Back on Saturday at 11:00: Thursday, Friday and Saturday 09:00 are all more than an hour late.
    async with hearth_instance(database_url, datetime(2026, 3, 7, 11, 0, tzinfo=UTC)) as second:
        assert second.blocks == []
        said = await second.run("@mod: /ritual history standup\nwait 1d")
        assert "Sat 07 Mar 2026 09:00 UTC — missed (Hearth was not running)" in said
        assert "Fri 06 Mar 2026 09:00 UTC — missed" in said
        assert "Thu 05 Mar 2026 09:00 UTC — missed" in said
        assert said.count("🔔 standup") == 1  # Sunday's, on time


async def test_a_longer_grace_time_catches_up_only_the_latest_firing(database_url: str) -> None:
    async with hearth_instance(database_url, START) as first:
        await first.run("@admin is admin\n@admin: /config set ritual_grace 1d" + CREATE_DAILY)
    async with hearth_instance(database_url, datetime(2026, 3, 6, 20, 0, tzinfo=UTC)) as second:
        said = "\n".join(second.blocks) + await second.run("@mod: /ritual history standup")
        assert said.count("🔔 standup") == 1
        assert "Fri 06 Mar 2026 09:00 UTC — posted" in said
        assert "Thu 05 Mar 2026 09:00 UTC — missed" in said


async def test_an_open_window_is_recapped_after_a_restart(database_url: str) -> None:
    async with hearth_instance(database_url, START) as first:
        await first.run(CREATE_DAILY + "wait 21h\n@alice: my plans")
    async with hearth_instance(database_url, THURSDAY_9 + timedelta(hours=2)) as second:
        said = await second.run("wait 23h")
        assert said.count("📋 standup recap: 1 member took part.") == 1


async def left_posting(database_url: str, window: timedelta) -> None:
    """A daily standup whose Thursday 09:00 run a killed process left claimed and "posting", with this window."""
    async with hearth_instance(database_url, START) as first:
        await first.run(CREATE_DAILY)
        async with first.platform.hearth.db.write() as session:
            [ritual] = await rituals.active(session)
            claimed = await rituals.claim_run(
                session, ritual.id, THURSDAY_9, "posting", THURSDAY_9, THURSDAY_9 + window
            )
        assert claimed is not None


async def test_a_run_left_posting_by_a_killed_process_is_marked_failed_once_its_window_ends(database_url: str) -> None:
    """`kill -9` between the claim and the post being marked: the run said "posting…" in /ritual history for ever."""
    await left_posting(database_url, window=timedelta(days=1))
    # Back within the window: a post may still be under way elsewhere, so the run is left as it is.
    async with hearth_instance(database_url, THURSDAY_9 + timedelta(minutes=30)) as second:
        assert "Thu 05 Mar 2026 09:00 UTC — posting…" in await second.run("@mod: /ritual history standup")
    async with hearth_instance(database_url, THURSDAY_9 + timedelta(days=1, minutes=30)) as third:
        said = await third.run("@mod: /ritual history standup")
    assert f"Thu 05 Mar 2026 09:00 UTC — failed: {INTERRUPTED}" in said
    assert "posting…" not in said


async def test_a_run_left_posting_is_marked_failed_when_its_window_ends_while_hearth_runs(database_url: str) -> None:
    """Back within the window of a run a killed process left "posting", Hearth runs on past its end: the run is marked
    failed then. On the console's clock it said "posting…" until the next restart, or until something was written (the
    look for such runs slept while nothing was, though its answer changes with time; a tester's finding)."""
    await left_posting(database_url, window=timedelta(hours=1))
    async with hearth_instance(database_url, THURSDAY_9 + timedelta(minutes=30)) as second:
        assert "Thu 05 Mar 2026 09:00 UTC — posting…" in await second.run("@mod: /ritual history standup")
        said = await second.run("wait 2h\n@mod: /ritual history standup")
    assert f"Thu 05 Mar 2026 09:00 UTC — failed: {INTERRUPTED}" in said
    assert "posting…" not in said


async def test_two_instances_on_one_database_post_each_run_once(database_url: str) -> None:
    async with hearth_instance(database_url, START) as creator:
        await creator.run(CREATE_DAILY + '@mod: /ritual create pulse #ops "every 2 hours" prompt:"Status?"')
    async with hearth_instance(database_url, START) as one, hearth_instance(database_url, START) as other:
        # Both advance through the same week at the same time, interleaving on the event loop.
        for day in range(1, 8):
            moment = START + timedelta(days=day)
            await asyncio.gather(advance(one, moment), advance(other, moment))
            # Someone takes part (only then is there a recap), seen by whichever instance posted the run.
            await one.run("@alice: my plans")
            await other.run("@alice: my plans")
        posts = one.blocks + other.blocks
        assert sum("🔔 standup" in block for block in posts) == 7
        assert sum("🔔 pulse" in block for block in posts) == 7 * 12
        assert sum("📋 standup recap" in block for block in posts) == 6  # the 7th window is still open
        said = await one.run("@mod: /ritual history standup")
        assert said.count("— posted") == 7


async def test_two_instances_restarting_together_catch_up_once(database_url: str) -> None:
    async with hearth_instance(database_url, START) as creator:
        await creator.run(CREATE_DAILY)
    back = THURSDAY_9 + timedelta(minutes=10)
    async with hearth_instance(database_url, back) as one, hearth_instance(database_url, back) as other:
        assert sum("🔔 standup" in block for block in one.blocks + other.blocks) == 1


async def test_an_instance_with_a_stale_job_follows_the_table(database_url: str) -> None:
    async with hearth_instance(database_url, START) as creator:
        await creator.run(CREATE_DAILY)
    async with hearth_instance(database_url, START) as one, hearth_instance(database_url, START) as other:
        # Both armed the 09:00 schedule at start; `one` moves it to 11:00, which `other` does not know.
        await one.run('@mod is moderator\n@mod: /ritual edit standup schedule:"daily at 11:00"')
        await advance(other, datetime(2026, 3, 5, 10, 0, tzinfo=UTC))
        assert not any("🔔" in block for block in other.blocks), other.blocks  # its stale 09:00 job stood down
        noon = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
        await asyncio.gather(advance(one, noon), advance(other, noon))
        assert sum("🔔 standup" in block for block in one.blocks + other.blocks) == 1


async def test_a_reply_seen_by_two_instances_counts_once(database_url: str) -> None:
    async with hearth_instance(database_url, START) as creator:
        await creator.run("@admin is admin\n@admin: /config set message_points 0" + CREATE_DAILY)
    async with hearth_instance(database_url, START) as one, hearth_instance(database_url, START) as other:
        await asyncio.gather(advance(one, THURSDAY_9), advance(other, THURSDAY_9))
        # The same member answers; each process records it (as a redelivered event would be).
        await one.run("@alice: my plans")
        await other.run("@alice: my plans")
        said = await one.run("@alice: /rank\n@mod is moderator\n@mod: /ritual history standup")
        assert "Points: 5" in said
        assert "Thu 05 Mar 2026 09:00 UTC — posted · 1 took part" in said


@pytest.mark.parametrize("how", ["scheduled", "run-now"])
async def test_a_reply_through_the_process_that_did_not_post_the_run_counts(database_url: str, how: str) -> None:
    """The run is posted through one process; alice answers at once through the other. Her answer earned nothing
    and the history said "0 took part": the other process read the open runs at most every 10 seconds."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a SQLite file is served by one process")
    async with hearth_instance(database_url, START) as creator:
        await creator.run("@admin is admin\n@admin: /config set message_points 0" + CREATE_DAILY)
    async with hearth_instance(database_url, START) as one, hearth_instance(database_url, START) as other:
        await one.run("@alice: hi")
        await one.platform.hearth.services.activity.flush()
        await other.run("@alice: hi")  # each has read the open runs: none
        if how == "run-now":
            await one.run("@mod is moderator\n@mod: /ritual run-now standup")
        else:
            await asyncio.gather(advance(one, THURSDAY_9), advance(other, THURSDAY_9))
        posted, quiet = (one, other) if any("🔔 standup" in block for block in one.blocks) else (other, one)
        async with quiet.platform.hearth.db.read() as session:  # a round trip: what the poster announced arrives
            await session.execute(select(1))
        await quiet.run("@alice: my plans")
        await quiet.platform.hearth.services.activity.flush()
        said = await posted.run("@alice: /rank\n@mod is moderator\n@mod: /ritual history standup")
        assert "Points: 5" in said
        assert "posted · 1 took part" in said


async def test_a_member_another_process_wrote_takes_part_with_their_first_message_here(database_url: str) -> None:
    """bea spoke first through one process, after the other had loaded the community; her first message through
    the other is her answer to the standup. It earned nothing, the history said "0 took part", and the log had a
    foreign-key traceback: the answer was recorded under the id the other process had just given her in memory."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a SQLite file is served by one process")
    async with hearth_instance(database_url, START) as creator:
        await creator.run("@admin is admin\n@admin: /config set message_points 0" + CREATE_DAILY)
    async with hearth_instance(database_url, START) as one, hearth_instance(database_url, START) as other:
        await other.run("@alice: hi")  # the other process has loaded the community
        await one.run("@bea: hello")
        await one.platform.hearth.services.activity.flush()  # bea's row, written by the first
        await asyncio.gather(advance(one, THURSDAY_9), advance(other, THURSDAY_9))
        posted, quiet = (one, other) if any("🔔 standup" in block for block in one.blocks) else (other, one)
        async with quiet.platform.hearth.db.read() as session:  # a round trip: what the poster announced arrives
            await session.execute(select(1))
        await other.run("@bea: my plans")
        said = await posted.run("@bea: /rank\n@mod is moderator\n@mod: /ritual history standup")
        assert "Points: 5" in said
        assert "posted · 1 took part" in said


async def test_a_ritual_created_or_resumed_elsewhere_is_armed_here_within_ten_minutes(database_url: str) -> None:
    async with hearth_instance(database_url, START) as survivor:
        async with hearth_instance(database_url, START) as creator:
            await creator.run(CREATE_DAILY)
            await advance(survivor, START + timedelta(minutes=10))
        # The creator is gone before the first firing: the survivor posts it.
        await advance(survivor, THURSDAY_9 + timedelta(minutes=1))
        assert sum("🔔 standup" in block for block in survivor.blocks) == 1

        friday_9 = THURSDAY_9 + timedelta(days=1)
        async with hearth_instance(database_url, THURSDAY_9 + timedelta(hours=1)) as pauser:
            await pauser.run("@mod is moderator\n@mod: /ritual pause standup")
        await advance(survivor, friday_9 + timedelta(minutes=1))  # paused: Friday passes quietly
        async with hearth_instance(database_url, friday_9 + timedelta(minutes=2)) as resumer:
            await resumer.run("@mod is moderator\n@mod: /ritual resume standup")
        await advance(survivor, friday_9 + timedelta(days=1, minutes=2))
        assert sum("🔔 standup" in block for block in survivor.blocks) == 2  # Saturday's


async def test_a_console_restart_handles_no_line_before_the_catch_up(database_url: str) -> None:
    """`hearth console` attaches its platform after Hearth started (as `run_console` does): its first line is
    read only once the start hooks have caught up (here: a missed standup to post, a pairing round to follow
    up), so a reply to the caught-up run counts, and `wait` closes its window with a recap."""
    settings = load_settings(database_url=database_url)
    said: list[str] = []

    def write(where: str, lines: list[str]) -> None:
        said.append("\n".join([f"[{where}] {lines[0]}", *lines[1:]]))

    first = """
    @mod is moderator
    @mod: /ritual create standup #standup "daily at 09:00" prompt:"Go" window:2h
    @mod: /ritual create coffee #general "every monday at 10:00" kind:pairing
    @ann: /ritual join coffee
    @bob: /ritual join coffee
    wait 1h
    @ann in #standup: hi there
    """
    await run_console(settings, first.strip().splitlines(), datetime(2026, 3, 1, 8, 30, tzinfo=UTC), write)
    await run_console(
        settings, ["@ann in #standup: still here", "wait 1h"], datetime(2026, 3, 2, 9, 30, tzinfo=UTC), write
    )
    said.clear()
    # Down over Thursday 09:00, back at 09:30 (grace: 1h): the catch-up posts the run before ann's line is read.
    script = "@ann in #standup: back now\nwait 3h\n@ann: /ritual history standup\n@ann: /ritual streaks standup"
    await run_console(settings, script.splitlines(), THURSDAY_9 + timedelta(minutes=30), write)
    output = "\n".join(said)
    assert output.index("[#standup] 🔔 standup") < output.index("Thu 05 Mar 2026 09:00 UTC")
    assert "Thu 05 Mar 2026 09:00 UTC — posted · 1 took part" in output
    assert "📋 standup recap: 1 member took part." in output  # `wait 3h` closed the window
    assert "ann — 3 in a row" in output


async def test_a_reply_that_comes_while_the_run_is_being_marked_posted_counts(console: ConsoleDriver) -> None:
    """A platform shows the prompt as soon as it accepts the post; Hearth marks the run posted only after that.
    A reply in between (a fast member, a busy database delaying the mark) answers the run: its window is known
    from the claim, so the reply is matched then."""
    await console.run(CREATE_DAILY)
    platform = console.platform
    posting = platform.send

    async def send_then_reply(channel: ChannelRef, reply: Reply) -> str:
        message_id = await posting(channel, reply)
        if "🔔 standup" in reply.all_text():
            await platform.perform(Say("ann", "general", "on it!"))  # before `send` returns: not yet marked
        return message_id

    platform.send = send_then_reply  # type: ignore[method-assign]
    said = await console.run("wait 1d\n@mod: /ritual history standup")
    assert "Thu 05 Mar 2026 09:00 UTC — posted · 1 took part" in said


class LateClock(VirtualClock):
    """The wall clock as a scheduled job reads it: a few milliseconds after the moment it was scheduled for."""

    def now(self) -> datetime:
        return super().now() + timedelta(milliseconds=20)


async def test_a_ritual_grace_of_zero_still_posts_firings_on_time(database_url: str) -> None:
    """`ritual_grace 0s` means: catch up nothing missed while Hearth was down. A live firing, which reaches the
    job a moment after its time, is on time and posts (it was recorded as missed: such a ritual never posted)."""
    clock = LateClock(START)
    hearth = build_hearth(load_settings(database_url=database_url), clock, VirtualScheduler(clock))
    await hearth.start()
    try:
        driver = console_driver(hearth)
        await hearth.hooks_done()
        said = await driver.run(
            "@admin is admin\n@admin: /config set ritual_grace 0s"
            + CREATE_DAILY
            + "wait 1d\n@mod: /ritual history standup"
        )
        assert said.count("🔔 standup") == 1
        assert "Thu 05 Mar 2026 09:00 UTC — posted" in said
    finally:
        await hearth.close()
        await hearth.db.dispose()
