"""The scheduler on the virtual clock: due firings run in order, a stall is not replayed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.clock import VirtualClock
from bot.core.scheduling import Quiet, VirtualScheduler

START = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


async def test_waiting_runs_every_due_firing_in_order() -> None:
    clock = VirtualClock(START)
    scheduler = VirtualScheduler(clock)
    fired: list[datetime] = []

    async def job(scheduled: datetime) -> None:
        fired.append(scheduled)

    scheduler.add("sweep", IntervalTrigger(minutes=30, start_date=START), job)
    await scheduler.advance(timedelta(hours=2))
    assert fired == [START + timedelta(minutes=30 * n) for n in range(5)]


async def test_a_stall_fires_once_and_moves_on_to_the_next_firing_ahead() -> None:
    clock = VirtualClock(START)
    scheduler = VirtualScheduler(clock)
    fired: list[datetime] = []

    async def job(scheduled: datetime) -> None:
        fired.append(scheduled)

    scheduler.add("sweep", IntervalTrigger(minutes=30, start_date=START), job)
    clock.advance(timedelta(days=1, minutes=10))  # time passed while nothing ran, like a suspended machine
    await scheduler.advance(timedelta(0))
    assert fired == [START]
    assert scheduler.next_run("sweep") == START + timedelta(days=1, minutes=30)


async def test_a_one_off_job_fires_once() -> None:
    clock = VirtualClock(START)
    scheduler = VirtualScheduler(clock)
    fired: list[datetime] = []

    async def job(scheduled: datetime) -> None:
        fired.append(scheduled)

    scheduler.add("welcome-batch", DateTrigger(run_date=START + timedelta(minutes=1)), job)
    await scheduler.advance(timedelta(hours=1))
    assert fired == [START + timedelta(minutes=1)]
    assert scheduler.next_run("welcome-batch") is None


async def test_a_quiet_job_sleeps_until_its_moment_or_until_something_changes() -> None:
    clock = VirtualClock(START)
    scheduler = VirtualScheduler(clock)
    fired: list[datetime] = []
    state = {"writes": 0}
    wake_at: list[datetime | None] = [START + timedelta(hours=3), None, None]

    async def sweep(scheduled: datetime) -> Quiet:
        fired.append(scheduled)
        seen = state["writes"]
        return Quiet(wake_at.pop(0) if wake_at else None, lambda: state["writes"] == seen)

    scheduler.add("sweep", IntervalTrigger(minutes=30, start_date=START), sweep)
    await scheduler.advance(timedelta(hours=5))
    # Once at the start, then at the moment it named; after that, nothing until a change.
    assert fired == [START, START + timedelta(hours=3)]
    state["writes"] += 1  # something is written at 17:00
    await scheduler.advance(timedelta(minutes=40))
    assert fired[2:] == [START + timedelta(hours=5)]  # the first firing at or after the change
    await scheduler.advance(timedelta(days=365))
    assert len(fired) == 3
