"""Runs rituals: arms jobs from the ritual table, claims and posts each firing, counts participation,
celebrates streaks, closes windows (recap, pairing follow-up) and catches up after downtime.

The ritual table is the source of truth: a job only says "it may be time"; `fire` re-reads the ritual
and claims the `(ritual, scheduled_for)` run row before posting, so a firing posts once however many
Hearth processes (or restarts) see it.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.awards import award
from bot.core.messenger import PlatformError
from bot.core.refs import ChannelRef, MemberRef
from bot.core.reply import Reply, mention
from bot.core.scheduling import Quiet
from bot.core.services import Services
from cogs.rituals.kinds import Firing, Places, Posted, all_kinds
from cogs.rituals.rules import MILESTONES, render_prompt, streaks
from cogs.rituals.schedule import Schedule, fire_times, parse_schedule
from cogs.rituals.settings import RitualSettings
from storage import ledger
from storage import rituals as store
from storage.kinds import Kind
from storage.ledger import Award
from storage.rituals import OpenRun, RitualRow

log = logging.getLogger(__name__)

# Rows a streak is counted over: enough for the largest milestone.
_STREAK_RUNS = 60
# At most this many missed firings are recorded after a long outage (older ones are only logged).
_MISSED_RECORDS = 1000
# Extra runs (run-now) one moment can hold: a microsecond apart, for a clock that stands still (the console's).
ON_DEMAND_SLOTS = 100
_MICROSECOND = timedelta(microseconds=1)
# The open runs are read again after this many seconds; a run another process (sharing a PostgreSQL database) posts
# is announced, and read again at once (`_heard`).
_OPEN_RUNS_SECONDS = 10.0
_RUN_POSTED = "ritual-run-posted:"
# How soon a ritual created or resumed by another Hearth process (sharing the database) is armed here too:
# well within the default ritual_grace, so a firing missed meanwhile is still posted (late), and cheap
# enough for the console's long `wait`s.
_RESYNC_EVERY = timedelta(minutes=10)
# A run claimed this long ago and still "posting" once its window ended was cut off by its process's stop (a post
# takes seconds): it is marked failed, not left "posting…" in /ritual history for ever.
_POSTING_AT_MOST = timedelta(minutes=10)
INTERRUPTED = "Hearth stopped while posting it; it may not have been posted"
_RESYNC_JOB = "rituals:resync"
# A firing at most this late is on time, whatever `ritual_grace` says (which is about downtime): a job on the wall
# clock runs a moment after its time, more on a busy machine, and with `ritual_grace 0s` every live firing was
# recorded as missed.
ON_TIME = timedelta(minutes=1)


def ritual_job(ritual_id: int) -> str:
    return f"ritual:{ritual_id}"


def close_job(run_id: int) -> str:
    return f"ritual-close:{run_id}"


class RitualRunner:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.places = Places(services)
        self.kinds = all_kinds(services, self.places)
        self._open: dict[int, list[OpenRun]] = {}
        self._open_loaded_at: float | None = None
        # Members already recorded per open run, so further messages cost no database write.
        self._counted: dict[int, set[int]] = {}
        services.db.on_notice(self._heard)

    # -- scheduling -----------------------------------------------------------------------------------
    def arm(self, ritual: RitualRow) -> datetime | None:
        """(Re)place the ritual's job; returns its next fire time."""
        if ritual.paused:
            self.disarm(ritual.id)
            return None
        trigger = parse_schedule(ritual.schedule).trigger(ritual.timezone, ritual.starts_on)
        return self.services.scheduler.add(ritual_job(ritual.id), trigger, partial(self.fire, ritual))

    def disarm(self, ritual_id: int) -> None:
        self.services.scheduler.remove(ritual_job(ritual_id))

    def _arm_close(self, run_id: int, at: datetime, ritual: RitualRow | None = None) -> None:
        """Arm the end of a run's window; `ritual`: the run's ritual as posted, used then if still unchanged."""
        job = partial(self._close_job, run_id, ritual)
        self.services.scheduler.add(close_job(run_id), DateTrigger(run_date=at), job)

    async def start(self) -> None:
        """Start hook: catch up on what was missed while down, arm every job, finish open windows; then
        look for rituals other processes create or resume every _RESYNC_EVERY."""
        async with self.services.db.read() as session:
            rituals = await store.active(session)
            unclosed = await store.unclosed(session)
        for ritual in rituals:
            await self._catch_up_and_arm(ritual)
        now = self.services.clock.now()
        for run in unclosed:
            if run.window_ends_at <= now:
                await self.close(run.id)
            else:
                self._arm_close(run.id, run.window_ends_at)
        await self._interrupted(now)
        every = IntervalTrigger(seconds=int(_RESYNC_EVERY.total_seconds()), start_date=now)
        self.services.scheduler.add(_RESYNC_JOB, every, self.resync)

    async def _interrupted(self, now: datetime) -> datetime | None:
        """Mark failed the runs a stopped process left "posting" (`store.interrupted`; until 2026-12-02 they stayed
        "posting…" in /ritual history for ever, after a `kill -9` under the post). Returns when the next run still
        being posted would be one: this depends on the time, not only on what is written."""
        async with self.services.db.write(routine=True) as session:
            runs = await store.interrupted(session, now, now - _POSTING_AT_MOST, INTERRUPTED)
            due = await store.next_interrupted(session, _POSTING_AT_MOST)
        for run_id in runs:
            log.warning("ritual run %s was left posting by a process that stopped: marked failed", run_id)
        return due

    async def stop(self) -> None:
        """Stop hook: drop this process's ritual jobs (the table keeps everything a restart needs)."""
        for job_id in self.services.scheduler.job_ids():
            if job_id == _RESYNC_JOB or job_id.startswith(("ritual:", "ritual-close:")):
                self.services.scheduler.remove(job_id)

    async def resync(self, scheduled: datetime) -> Quiet:
        """Arm the active rituals this process has no job for: created or resumed by another process.
        (Changed or paused ones need nothing: `fire` follows the table.)"""
        db = self.services.db
        seen = db.writes
        armed = set(self.services.scheduler.job_ids())
        async with db.read() as session:
            rituals = await store.active(session)
        for ritual in rituals:
            if ritual_job(ritual.id) not in armed:
                await self._catch_up_and_arm(ritual)
        due = await self._interrupted(self.services.clock.now())
        # Nothing new to find until the database changes (on the console's clock, only this process writes), or a
        # run left "posting" is due to be marked failed (until 2026-12-02 it waited for a write, on the console's
        # clock, and said "posting…" meanwhile).
        return Quiet(due, lambda: db.writes == seen)

    async def _catch_up_and_arm(self, ritual: RitualRow) -> None:
        try:
            await self.catch_up(ritual)
        except Exception:
            log.exception("catching up ritual %s failed", ritual.id)
        self.arm(ritual)

    async def catch_up(self, ritual: RitualRow) -> None:
        """Firings since the last known one: the latest runs if it is within the grace time, the rest
        are recorded as missed."""
        now = self.services.clock.now()
        async with self.services.db.read() as session:
            last = await store.latest_slot(session, ritual.id)
        since = max(ritual.active_since, last) if last else ritual.active_since
        trigger = parse_schedule(ritual.schedule).trigger(ritual.timezone, ritual.starts_on)
        due = fire_times(trigger, since, until=now, limit=None)
        if not due or ritual.community_id in self.services.absent:
            return
        *older, latest = due
        if len(older) > _MISSED_RECORDS:
            log.warning("ritual %s missed %d firings; recording the last %d", ritual.id, len(older), _MISSED_RECORDS)
            older = older[-_MISSED_RECORDS:]
        async with self.services.db.write() as session:
            for moment in older:
                await store.claim_run(session, ritual.id, moment, "missed", now, moment)
        await self.run(ritual, latest)

    async def fire(self, armed: RitualRow, scheduled_for: datetime) -> None:
        """A job says it is time. Usually one statement: claim the firing while the ritual is still as it was
        armed (same revision, not paused: `claim_if_unchanged`), then post. Otherwise (claimed elsewhere,
        changed, paused or deleted meanwhile, too late) read the table and follow it. Nothing while Hearth is
        removed from the community: the firing is neither posted nor claimed."""
        if armed.community_id in self.services.absent:
            return
        if scheduled_for > armed.active_since:
            now = self.services.clock.now()
            if not await self._too_late(armed.community_id, now - scheduled_for):
                window_ends = max(now, scheduled_for) + timedelta(seconds=armed.window_seconds)
                async with self.services.db.write(routine=True) as session:
                    run_id = await store.claim_if_unchanged(
                        session, armed.id, armed.revision, scheduled_for, now, window_ends
                    )
                if run_id is not None:
                    await self._post_run(armed, scheduled_for, run_id, window_ends)
                    return
        async with self.services.db.write(routine=True) as session:
            ritual = await store.get(session, armed.id)
            if ritual is None or ritual.paused:
                self.disarm(armed.id)
                return
            if ritual.revision != armed.revision:
                # Changed since this job was armed (perhaps by another process): follow the table.
                self.arm(ritual)
                trigger = parse_schedule(ritual.schedule).trigger(ritual.timezone, ritual.starts_on)
                # Compared in UTC: Python compares two times of one zone by wall clock, so the two passes of a
                # repeated hour would look like one firing.
                due = fire_times(trigger, scheduled_for.astimezone(UTC) - timedelta(microseconds=1), limit=1)
                if [moment.astimezone(UTC) for moment in due] != [scheduled_for.astimezone(UTC)]:
                    return
            if scheduled_for <= ritual.active_since:
                return  # the schedule began counting after this moment (created, resumed or changed then)
            claimed = await self._claim(session, ritual, scheduled_for)
        if claimed is not None:
            await self._post_run(ritual, scheduled_for, *claimed)

    async def run(self, ritual: RitualRow, scheduled_for: datetime, *, on_demand: bool = False) -> int | None:
        """Claim the firing and post it; the run's id, or None when it was already claimed or too late.
        `on_demand`: a moderator's extra run at `scheduled_for` (no scheduled occurrence; never too late)."""
        async with self.services.db.write(routine=True) as session:
            claimed = await self._claim(session, ritual, scheduled_for, on_demand=on_demand, extra=on_demand)
        if claimed is None:
            return None
        await self._post_run(ritual, scheduled_for, *claimed)
        return claimed[0]

    async def run_now(self, ritual: RitualRow) -> tuple[int | None, datetime | None]:
        """A moderator's `/ritual run-now`: the run's id (None when it was already claimed), and the scheduled
        occurrence it stood for, if any. It stands for the next occurrence when that falls later the same day in
        the ritual's time zone and is unclaimed, so the scheduled firing finds it claimed and posts nothing (a
        celebration is posted once a day); otherwise it is an extra run of its own, at this moment."""
        now = self.services.clock.now()
        zone = ZoneInfo(ritual.timezone)
        trigger = parse_schedule(ritual.schedule).trigger(ritual.timezone, ritual.starts_on)
        for moment in fire_times(trigger, now, limit=1):
            if moment.astimezone(zone).date() == now.astimezone(zone).date() and moment > ritual.active_since:
                async with self.services.db.write(routine=True) as session:
                    claimed = await self._claim(session, ritual, moment, on_demand=True)
                if claimed is not None:
                    await self._post_run(ritual, moment, *claimed)
                    return claimed[0], moment
        # An extra run is keyed by the moment it was asked for. On the console that moment stands still until a
        # `wait`, so a second run-now in it takes the next free microsecond; a replayed command is stopped earlier,
        # by its invocation id, so this is no way to post twice by accident.
        for step in range(ON_DEMAND_SLOTS):
            run_id = await self.run(ritual, now + timedelta(microseconds=step), on_demand=True)
            if run_id is not None:
                return run_id, None
        return None, None

    async def counting_from(self, ritual_id: int, schedule: Schedule, zone: str, starts_on: date) -> datetime:
        """When a changed schedule (`schedule` in `zone` from `starts_on`) begins to count, its `active_since`: now,
        or its next occurrence when that falls later today (in `zone`) and a run already posted stands for it.
        That is run-now's rule the other way round: a run stands for the occurrence of today nearest to it (the
        later of two as near), so moving a daily ritual that ran at 09:00 to 16:00 posts nothing more today, and an
        hourly one moved from :00 to :30 skips the :30 after its last run; a ritual at 9 and 17 moved to 8 and 17
        still posts at 17. Extra runs stand for nothing."""
        now = self.services.clock.now()
        tz = ZoneInfo(zone)
        trigger = schedule.trigger(zone, starts_on)
        today = now.astimezone(tz).date()
        upcoming = [moment.astimezone(UTC) for moment in fire_times(trigger, now, limit=1)]
        if not upcoming or upcoming[0].astimezone(tz).date() != today:
            return now
        async with self.services.db.read() as session:
            runs = await store.posted_runs(session, ritual_id, _STREAK_RUNS)
        # Nearness only grows with time, so if the latest run does not stand for the next occurrence, none does.
        latest = next((run.scheduled_for for run in runs if not run.extra), None)
        if latest is None or latest.astimezone(tz).date() != today:
            return now
        midnight = datetime.combine(today, datetime.min.time(), tzinfo=tz)
        occurrences = fire_times(trigger, midnight - _MICROSECOND, until=upcoming[0], limit=None)
        nearest = min(occurrences, key=lambda moment: (abs(moment - latest), -moment.timestamp()))
        return upcoming[0] if nearest.astimezone(UTC) == upcoming[0] else now

    async def _claim(
        self,
        session: AsyncSession,
        ritual: RitualRow,
        scheduled_for: datetime,
        *,
        on_demand: bool = False,
        extra: bool = False,
    ) -> tuple[int, datetime] | None:
        """Claim the firing in `session` (a routine write: a run's own bookkeeping, which the housekeeping sweeps
        ignore): the run's id and the end of its window, or None when it was already claimed or is recorded as
        missed (too late)."""
        now = self.services.clock.now()
        if not on_demand and await self._too_late(ritual.community_id, now - scheduled_for):
            await store.claim_run(session, ritual.id, scheduled_for, "missed", now, scheduled_for)
            log.warning("ritual %s: the firing for %s is too late to post", ritual.id, scheduled_for.isoformat())
            return None
        window_ends = max(now, scheduled_for) + timedelta(seconds=ritual.window_seconds)
        run_id = await store.claim_run(session, ritual.id, scheduled_for, "posting", now, window_ends, extra=extra)
        return None if run_id is None else (run_id, window_ends)

    async def _too_late(self, community_id: int, lateness: timedelta) -> bool:
        """Whether a firing `lateness` after its time is recorded as missed: later than the community's
        `ritual_grace`, and than ON_TIME."""
        settings = await self.services.settings.get(community_id)
        return lateness > max(settings.of(RitualSettings).ritual_grace, ON_TIME)

    async def _post_run(self, ritual: RitualRow, scheduled_for: datetime, run_id: int, window_ends: datetime) -> None:
        """Post a claimed run and record how it went; arm the end of its window when something happens then."""
        now = self.services.clock.now()
        # The run is open from its claim (`store.open_runs`): a reply that comes once the platform shows the
        # prompt, before the run is marked posted below, must find it.
        self._open_loaded_at = None
        try:
            posted = await self._post(ritual, run_id, scheduled_for)
        except Exception as error:
            if isinstance(error, PlatformError):  # refused (no access to the channel): why, in one line
                reason = error.reason
                log.warning("ritual %s could not post its run %s: %s", ritual.id, run_id, reason)
            else:
                reason = "unexpected error (see the log)"
                log.exception("ritual %s could not post its run %s", ritual.id, run_id)
            async with self.services.db.write(routine=True) as session:
                await store.finish_run(session, run_id, status="failed", note=reason[:300], closed_at=now)
            return
        async with self.services.db.write(routine=True) as session:
            closed_at = None if posted.needs_close else now
            await store.finish_posted(session, run_id, posted.message_id, posted.thread_id, posted.note, closed_at)
            # The other processes read their open runs again: a reply reaching one of them in the run's first
            # seconds (up to `_OPEN_RUNS_SECONDS`) was not counted, though the poster would have counted it.
            await self.services.db.announce(session, f"{_RUN_POSTED}{run_id}")
        self._open_loaded_at = None
        if posted.needs_close:
            self._arm_close(run_id, window_ends, ritual)
        log.info("ritual %s (%s) posted its run for %s", ritual.id, ritual.name, scheduled_for.isoformat())

    # -- posting ---------------------------------------------------------------------------------------
    async def _post(self, ritual: RitualRow, run_id: int, scheduled_for: datetime) -> Posted:
        local = scheduled_for.astimezone(ZoneInfo(ritual.timezone))
        firing = Firing(
            ritual,
            run_id,
            scheduled_for,
            local,
            await self.places.channel(ritual),
            render_prompt(ritual.prompt, ritual.name, local),
        )
        return await self.kinds[ritual.kind].post(firing)

    # -- the end of a window -------------------------------------------------------------------------
    async def _close_job(self, run_id: int, ritual: RitualRow | None, _scheduled_for: datetime) -> None:
        await self.close(run_id, ritual)

    async def close(self, run_id: int, known: RitualRow | None = None) -> None:
        """Recap or pairing follow-up, once (the conditional update decides who does it). `known`: the run's
        ritual as this process posted it; read again only when it has changed since (or is not known)."""
        self.services.scheduler.remove(close_job(run_id))
        async with self.services.db.write(routine=True) as session:
            closing = await store.close_if_claimed(session, run_id, self.services.clock.now())
            if closing is None:
                return
            ritual_id, revision, taken = closing
            unchanged = known is not None and (known.id, known.revision) == (ritual_id, revision)
            ritual = known if unchanged else await store.get(session, ritual_id)
        if ritual is None:
            return
        try:
            await self.kinds[ritual.kind].close(ritual, run_id, taken)
        except PlatformError as error:
            log.warning("ritual %s: could not close run %s: %s", ritual.id, run_id, error.reason)

    # -- participation --------------------------------------------------------------------------------
    async def open_runs(self, community_id: int) -> list[OpenRun]:
        """The community's open runs. Every community's are read together, at most every
        `_OPEN_RUNS_SECONDS` (or when a run here opens or closes): a message in any of many
        communities would otherwise wait for a read of its own community's runs."""
        if self._open_loaded_at is None or time.monotonic() - self._open_loaded_at >= _OPEN_RUNS_SECONDS:
            async with self.services.db.read() as session:
                runs = await store.open_runs(session, self.services.clock.now())
            still_open = {run.run_id for open_runs in runs.values() for run in open_runs}
            for run_id in [run_id for run_id in self._counted if run_id not in still_open]:
                del self._counted[run_id]
            self._open = runs
            self._open_loaded_at = time.monotonic()
        return self._open.get(community_id, [])

    async def take_part(self, ritual: RitualRow, run_id: int, member_ids: list[int], kind: Kind) -> list[int]:
        """Record participation (once per member and run) with the ritual's points; celebrates new
        streak milestones. Returns the members newly recorded."""
        now = self.services.clock.now()
        settings = await self.services.settings.get(ritual.community_id)
        recorded: list[int] = []
        async with self.services.db.write() as session:
            # The transaction wrote the members first seen here; one another process (PostgreSQL) wrote first is
            # recorded under that row's id (under the id given here, the database refused the answer).
            member_ids = [self.services.identity.current_id(member_id) for member_id in member_ids]
            awards = []
            for member_id in member_ids:
                if await store.participate(session, run_id, member_id, now):
                    recorded.append(member_id)
                    awards.append(
                        award(
                            settings,
                            ritual.community_id,
                            member_id,
                            kind,
                            ritual.points,
                            f"{kind}:{run_id}:{member_id}",
                            now,
                            reason=ritual.name,
                            channel=ritual.channel,
                        )
                    )
            given = await ledger.record(session, awards)
        await self.services.points_recorded(given)  # their levels, now committed
        self._counted.setdefault(run_id, set()).update(member_ids)
        if recorded:
            await self._milestones(ritual, run_id, recorded)
        return recorded

    async def decline(self, ritual: RitualRow, run_id: int, member_id: int, kind: Kind) -> int:
        """The member says they did not take part (a pairing's "Not this time"): noted, so no later yes
        credits them, and what an earlier yes gave them is taken back by a new ledger row of the opposite
        points (never an edit). Returns the points taken back (0: none)."""
        settings = await self.services.settings.get(ritual.community_id)
        undone: list[Award] = []
        async with self.services.db.write() as session:
            await store.decline(session, run_id, member_id)
            taken_back = await store.withdraw(session, run_id, member_id)
            given = await ledger.rows_by_keys(session, ritual.community_id, [f"{kind}:{run_id}:{member_id}"])
            if taken_back and given:
                # Exactly what the yes gave (the ritual's points may have changed since), dated as it was: the
                # same kind and the same periods, so the member's points by category and by week add up to 0 for
                # it, never below (a take-back dated today made this week's total negative).
                undo = award(
                    settings,
                    ritual.community_id,
                    member_id,
                    kind,
                    -given[0].points,
                    f"{kind}:{run_id}:{member_id}:declined",
                    given[0].created_at,
                    reason=ritual.name,
                    channel=ritual.channel,
                )
                undone = await ledger.record(session, [undo])
        await self.services.points_recorded(undone)  # a level the yes reached may be left again
        self._counted.get(run_id, set()).discard(member_id)
        return given[0].points if taken_back and given else 0

    async def streaks(self, ritual: RitualRow, limit: int = _STREAK_RUNS) -> dict[int, int]:
        async with self.services.db.read() as session:
            runs = await store.posted_runs(session, ritual.id, limit)
            taken = await store.participants(session, [run.id for run in runs])
        return streaks(runs, taken, self.services.clock.now(), latest_only=ritual.kind == "prompt")

    async def _milestones(self, ritual: RitualRow, run_id: int, members: list[int]) -> None:
        current = await self.streaks(ritual)
        reached: list[tuple[int, int]] = []
        async with self.services.db.write() as session:
            for member_id in members:
                count = current.get(member_id, 0)
                if count in MILESTONES and await store.reach_milestone(
                    session, ritual.id, member_id, count, run_id, self.services.clock.now()
                ):
                    reached.append((member_id, count))
        if not reached:
            return
        refs = await self.places.members(ritual.community_id, [member for member, _ in reached])
        async with self.services.db.read() as session:
            shown = await store.on_boards(session, [member for member, _ in reached])
        channel = await self.places.channel(ritual)
        for member_id, count in reached:
            text = f"🔥 {mention(refs[member_id])} has taken part in **{ritual.name}** {count} times in a row!"
            if member_id not in shown:
                # Hidden from boards (`/privacy`): their streak is not the channel's to read, so they alone are
                # told, as of a level-up (with their DMs closed, nobody is).
                await self.services.notify_member(refs[member_id], Reply(text=text))
                continue
            # Refused (Hearth no longer allowed in the channel), the milestone stays reached, unposted: raised, it
            # cut short the handling of the answer, which then did not count for another ritual of the channel.
            try:
                await self.services.messenger.send(channel, Reply(text=text))
            except PlatformError as error:
                log.warning("ritual %s: could not post a streak milestone: %s", ritual.id, error.reason)

    async def on_message(self, author: MemberRef, channel: ChannelRef, thread_id: str | None) -> None:
        """A message counts for the open runs it answers: in the channel (prompt) or the thread. When a prompt
        ritual's window outlasts the gap between its runs (hourly, with a day to answer), a reply answers only its
        latest run: one message is one time taking part, never a streak of several."""
        if author.is_bot:
            return
        community = await self.services.identity.community(author.community)
        runs = await self.open_runs(community.id)
        if not runs:
            return
        now = self.services.clock.now()
        thread = thread_id or channel.thread_id
        # A thread ritual's thread is that ritual's conversation: a reply there is not also an answer to a prompt
        # posted in the same channel (a reply in any other thread of the channel is).
        ritual_threads = {run.thread_id for run in runs if run.kind == "thread" and run.thread_id}
        latest: dict[int, OpenRun] = {}
        for run in runs:
            if run.claimed_at <= now < run.window_ends_at:
                if run.ritual_id not in latest or run.claimed_at > latest[run.ritual_id].claimed_at:
                    latest[run.ritual_id] = run
        for run in runs:
            if not run.claimed_at <= now < run.window_ends_at:
                continue
            if run.kind == "prompt" and latest[run.ritual_id] is not run:
                continue
            answers = (
                run.kind == "prompt" and run.channel == channel.external_id and thread not in ritual_threads
            ) or (run.kind == "thread" and thread is not None and thread == run.thread_id)
            if not answers:
                continue
            member = await self.services.identity.member(author)
            if member.id in self._counted.get(run.run_id, ()):
                continue
            async with self.services.db.read() as session:
                ritual = await store.get(session, run.ritual_id)
            if ritual is not None:
                await self.take_part(ritual, run.run_id, [member.id], Kind.RITUAL_PARTICIPATION)

    def _heard(self, notice: str) -> None:
        """Another process posted a run: the open runs are read again at the next message."""
        if notice.startswith(_RUN_POSTED):
            self._open_loaded_at = None

    def forget(self, ritual: RitualRow) -> None:
        """Drop cached state of a ritual that was changed or deleted."""
        self._open_loaded_at = None
