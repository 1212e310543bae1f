"""Timed jobs on the injectable clock.

A job is an id, an APScheduler trigger (cron in a community's zone, an interval, ...) and a coroutine
that receives the time it was scheduled for. We compute each next fire time from the trigger and
hand exactly that moment to APScheduler's AsyncIOScheduler as a one-off date job, so the job knows
its `scheduled_for` (the key rituals claim runs by). The virtual variant runs due jobs, in order, when
the console's clock is moved (`wait 2w`), so weeks of schedule play out in a second.

A housekeeping job (a sweep, a resync) may answer `Quiet`: "nothing for me before `until`, as long as
`unchanged()`". The virtual scheduler then skips its firings up to that moment, so a long wait costs the
work that falls due, not the number of ten-minute ticks in it. Wall-clock time ignores the hint: another
process may change the database at any moment, and a tick there costs nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger

from bot.core.clock import Clock, VirtualClock
from bot.core.failures import log_failure

log = logging.getLogger(__name__)

# The task a job runs in on the wall clock is named so: a platform's stop waits for jobs under way (a ritual's post,
# a reminder) as for its handlers, before it closes the connection they speak through.
JOB_TASKS = "scheduled job "


@dataclass(frozen=True)
class Quiet:
    """A job's word that its firings before `until` (None: ever) would find nothing to do while
    `unchanged()` holds (typically: nothing was written to the database since it looked)."""

    until: datetime | None
    unchanged: Callable[[], bool]


JobFunc = Callable[[datetime], Awaitable[Quiet | None]]


@dataclass
class _Job:
    trigger: BaseTrigger
    func: JobFunc
    next_run: datetime | None
    quiet: Quiet | None = None


class Scheduler:
    """Base: keeps the job table and the arithmetic; subclasses decide how time passes."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._jobs: dict[str, _Job] = {}

    def add(self, job_id: str, trigger: BaseTrigger, func: JobFunc) -> datetime | None:
        """Add or replace a job; returns its first fire time (None when the trigger never fires)."""
        first = trigger.get_next_fire_time(None, self.clock.now())
        self._jobs[job_id] = _Job(trigger, func, first)
        self._arm(job_id)
        return first

    def remove(self, job_id: str) -> None:
        if self._jobs.pop(job_id, None) is not None:
            self._disarm(job_id)

    def next_run(self, job_id: str) -> datetime | None:
        job = self._jobs.get(job_id)
        return job.next_run if job else None

    def job_ids(self) -> list[str]:
        return sorted(self._jobs)

    async def _fire(self, job_id: str, scheduled: datetime) -> None:
        job = self._jobs.get(job_id)
        if job is None or job.next_run != scheduled:
            return  # replaced or removed since it was armed
        later = max(self.clock.now(), scheduled + timedelta(microseconds=1))
        following = job.trigger.get_next_fire_time(scheduled, later)
        if following is not None and following < later:
            # After a stall (a suspended machine, a slow job) missed firings are not replayed one by one:
            # the next is the first still ahead (rituals catch up on missed runs from their own table).
            following = job.trigger.get_next_fire_time(None, later)
        job.next_run = following
        self._arm(job_id)
        job.quiet = None
        try:
            job.quiet = await job.func(scheduled)
        except Exception:
            log_failure(log, "scheduled job %s (for %s) failed", job_id, scheduled.isoformat())

    def start(self) -> None:
        """Begin firing jobs (no-op for the virtual scheduler)."""

    async def shutdown(self) -> None:
        """Stop firing jobs."""

    def _arm(self, job_id: str) -> None:
        raise NotImplementedError

    def _disarm(self, job_id: str) -> None:
        raise NotImplementedError


class RealScheduler(Scheduler):
    """Wall-clock time through APScheduler 3's AsyncIOScheduler; nothing is pickled or stored."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self._aps = AsyncIOScheduler(job_defaults={"misfire_grace_time": None, "coalesce": True})

    def start(self) -> None:
        if not self._aps.running:
            self._aps.start()

    async def shutdown(self) -> None:
        if self._aps.running:
            self._aps.shutdown(wait=False)

    def _arm(self, job_id: str) -> None:
        job = self._jobs[job_id]
        if job.next_run is None:
            self._disarm(job_id)
            return
        self._aps.add_job(
            self._fire_named,
            DateTrigger(run_date=job.next_run),
            args=[job_id, job.next_run],
            id=job_id,
            replace_existing=True,
        )

    async def _fire_named(self, job_id: str, scheduled: datetime) -> None:
        """`_fire` in a task named for `JOB_TASKS` (APScheduler makes the task, unnamed)."""
        task = asyncio.current_task()
        if task is not None:
            task.set_name(JOB_TASKS + job_id)
        await self._fire(job_id, scheduled)

    def _disarm(self, job_id: str) -> None:
        if self._aps.get_job(job_id) is not None:
            self._aps.remove_job(job_id)


class VirtualScheduler(Scheduler):
    """Runs due jobs when the virtual clock is moved on, earliest first."""

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__(clock)
        self.virtual_clock = clock

    def _arm(self, job_id: str) -> None:
        """Nothing to arm: `advance` looks at `next_run`."""

    def _disarm(self, job_id: str) -> None:
        """Nothing to disarm."""

    async def advance(self, delta: timedelta) -> None:
        await self.advance_to(self.virtual_clock.now() + delta)

    async def advance_to(self, target: datetime) -> None:
        while True:
            due = [(moment, job_id) for job_id, job in self._jobs.items() if (moment := self._due(job)) <= target]
            if not due:
                break
            moment, job_id = min(due)
            if moment > self.virtual_clock.now():
                self.virtual_clock.set(moment)
            self._jobs[job_id].next_run = moment  # a quiet job skips the firings it said would find nothing
            await self._fire(job_id, moment)
        self.virtual_clock.set(max(target, self.virtual_clock.now()))

    def _due(self, job: _Job) -> datetime:
        """When the job next has to run: its next firing, or for a quiet job the first one at or after its
        `until` (never, without one). `datetime.max` (aware) when it never runs."""
        if job.next_run is None:
            return _NEVER
        quiet = job.quiet
        if quiet is None:
            return job.next_run
        if not quiet.unchanged():
            # Something changed now: the firings skipped so far would have found nothing; the next one counts.
            job.quiet = None
            if job.next_run < self.virtual_clock.now():
                job.next_run = job.trigger.get_next_fire_time(None, self.virtual_clock.now())
                return job.next_run or _NEVER
            return job.next_run
        if quiet.until is None or quiet.until <= job.next_run:
            return _NEVER if quiet.until is None else job.next_run
        return job.trigger.get_next_fire_time(None, quiet.until) or _NEVER


_NEVER = datetime.max.replace(tzinfo=UTC)
