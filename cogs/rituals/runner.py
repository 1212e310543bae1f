"""Runs rituals: arms jobs from the ritual table, claims and posts each firing, counts participation,
celebrates streaks, closes windows (recap, pairing follow-up) and catches up after downtime.

The ritual table is the source of truth: a job only says "it may be time"; `fire` re-reads the ritual
and claims the `(ritual, scheduled_for)` run row before posting, so a firing posts once however many
Hearth processes (or restarts) see it.
"""

from __future__ import annotations

import logging
import random
import time
from calendar import isleap
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.messenger import PlatformError
from bot.core.refs import ChannelRef, CommunityRef, MemberRef
from bot.core.reply import Button, ButtonStyle, Card, Reply, mention
from bot.core.services import Services
from cogs.rituals.rules import MILESTONES, PAIRING_MEMORY, make_groups, render_prompt, streaks
from cogs.rituals.schedule import fire_times, parse_schedule
from config.durations import format_duration
from storage import ledger
from storage import rituals as store
from storage.ledger import Award
from storage.rituals import OpenRun, RitualRow

log = logging.getLogger(__name__)

# Rows a streak is counted over: enough for the largest milestone.
_STREAK_RUNS = 60
# At most this many missed firings are recorded after a long outage (older ones are only logged).
_MISSED_RECORDS = 1000
# Another process's new run is noticed by message matching within this many seconds.
_OPEN_RUNS_SECONDS = 10.0
_MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
# How soon a ritual created or resumed by another Hearth process (sharing the database) is armed here too:
# well within the default ritual_grace, so a firing missed meanwhile is still posted (late), and cheap
# enough for the console's long `wait`s.
_RESYNC_EVERY = timedelta(minutes=10)
_RESYNC_JOB = "rituals:resync"


def ritual_job(ritual_id: int) -> str:
    return f"ritual:{ritual_id}"


def close_job(run_id: int) -> str:
    return f"ritual-close:{run_id}"


def points_text(count: int) -> str:
    return f"{count} point" if count == 1 else f"{count} points"


@dataclass(frozen=True)
class Posted:
    message_id: str | None
    thread_id: str | None = None
    needs_close: bool = False
    note: str | None = None


class RitualRunner:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._open: dict[int, tuple[float, list[OpenRun]]] = {}
        # Members already recorded per open run, so further messages cost no database write.
        self._counted: dict[int, set[int]] = {}

    # -- scheduling -----------------------------------------------------------------------------------
    def arm(self, ritual: RitualRow) -> datetime | None:
        """(Re)place the ritual's job; returns its next fire time."""
        if ritual.paused:
            self.disarm(ritual.id)
            return None
        trigger = parse_schedule(ritual.schedule).trigger(ritual.timezone, ritual.starts_on)
        return self.services.scheduler.add(
            ritual_job(ritual.id), trigger, partial(self.fire, ritual.id, ritual.revision)
        )

    def disarm(self, ritual_id: int) -> None:
        self.services.scheduler.remove(ritual_job(ritual_id))

    def _arm_close(self, run_id: int, at: datetime) -> None:
        self.services.scheduler.add(close_job(run_id), DateTrigger(run_date=at), partial(self._close_job, run_id))

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
        every = IntervalTrigger(seconds=int(_RESYNC_EVERY.total_seconds()), start_date=now)
        self.services.scheduler.add(_RESYNC_JOB, every, self.resync)

    async def resync(self, scheduled: datetime) -> None:
        """Arm the active rituals this process has no job for: created or resumed by another process.
        (Changed or paused ones need nothing: `fire` follows the table.)"""
        armed = set(self.services.scheduler.job_ids())
        async with self.services.db.read() as session:
            rituals = await store.active(session)
        for ritual in rituals:
            if ritual_job(ritual.id) not in armed:
                await self._catch_up_and_arm(ritual)

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
        if not due:
            return
        *older, latest = due
        if len(older) > _MISSED_RECORDS:
            log.warning("ritual %s missed %d firings; recording the last %d", ritual.id, len(older), _MISSED_RECORDS)
            older = older[-_MISSED_RECORDS:]
        async with self.services.db.write() as session:
            for moment in older:
                await store.claim_run(session, ritual.id, moment, "missed", now, moment)
        await self.run(ritual, latest)

    async def fire(self, ritual_id: int, revision: int, scheduled_for: datetime) -> None:
        """A job says it is time: check the table, then run."""
        async with self.services.db.read() as session:
            ritual = await store.get(session, ritual_id)
        if ritual is None or ritual.paused:
            self.disarm(ritual_id)
            return
        if ritual.revision != revision:
            # Changed since this job was armed (perhaps by another process): follow the table.
            self.arm(ritual)
            trigger = parse_schedule(ritual.schedule).trigger(ritual.timezone, ritual.starts_on)
            if fire_times(trigger, scheduled_for - timedelta(microseconds=1), limit=1) != [scheduled_for]:
                return
        if scheduled_for <= ritual.active_since:
            return  # the schedule began counting after this moment (created, resumed or changed then)
        await self.run(ritual, scheduled_for)

    async def run(self, ritual: RitualRow, scheduled_for: datetime, *, on_demand: bool = False) -> int | None:
        """Claim the firing and post it; the run's id, or None when it was already claimed or too late."""
        now = self.services.clock.now()
        settings = await self.services.config.get(ritual.community_id)
        window_ends = max(now, scheduled_for) + timedelta(seconds=ritual.window_seconds)
        if not on_demand and now - scheduled_for > settings.ritual_grace:
            async with self.services.db.write() as session:
                await store.claim_run(session, ritual.id, scheduled_for, "missed", now, scheduled_for)
            log.warning("ritual %s: the firing for %s is too late to post", ritual.id, scheduled_for.isoformat())
            return None
        async with self.services.db.write() as session:
            run_id = await store.claim_run(session, ritual.id, scheduled_for, "posting", now, window_ends)
        if run_id is None:
            return None
        try:
            posted = await self._post(ritual, run_id, scheduled_for)
        except Exception as error:
            reason = error.reason if isinstance(error, PlatformError) else "unexpected error (see the log)"
            log.exception("ritual %s could not post its run %s", ritual.id, run_id)
            async with self.services.db.write() as session:
                await store.finish_run(session, run_id, status="failed", note=reason[:300], closed_at=now)
            return run_id
        async with self.services.db.write() as session:
            await store.finish_run(
                session,
                run_id,
                status="posted",
                message_id=posted.message_id,
                thread_id=posted.thread_id,
                note=posted.note,
                closed_at=None if posted.needs_close else now,
            )
        self._open.pop(ritual.community_id, None)
        if posted.needs_close:
            self._arm_close(run_id, window_ends)
        return run_id

    # -- posting, per kind ----------------------------------------------------------------------------
    async def _community(self, community_id: int) -> CommunityRef:
        return (await self.services.identity.community_by_id(community_id)).ref

    async def channel(self, ritual: RitualRow, thread_id: str | None = None) -> ChannelRef:
        community = await self._community(ritual.community_id)
        return ChannelRef(community, ritual.channel, ritual.channel_name, thread_id)

    async def member_refs(self, community_id: int, member_ids: list[int]) -> dict[int, MemberRef]:
        found = await self.services.identity.members_by_id(member_ids)
        return {member_id: member.ref for member_id, member in found.items() if member.community_id == community_id}

    async def _post(self, ritual: RitualRow, run_id: int, scheduled_for: datetime) -> Posted:
        local = scheduled_for.astimezone(ZoneInfo(ritual.timezone))
        channel = await self.channel(ritual)
        prompt = render_prompt(ritual.prompt, ritual.name, local)
        window = format_duration(timedelta(seconds=ritual.window_seconds))
        if ritual.kind == "prompt":
            footer = f"Reply in this channel within {window} to take part (+{points_text(ritual.points)})"
            message_id = await self.services.messenger.send(channel, _card(ritual, prompt, footer))
            return Posted(message_id, needs_close=ritual.recap)
        if ritual.kind == "thread":
            footer = f"Reply in the thread within {window} to take part (+{points_text(ritual.points)})"
            message_id = await self.services.messenger.send(channel, _card(ritual, prompt, footer))
            thread = await self.services.messenger.start_thread(
                channel, message_id, f"{ritual.name} — {local:%Y-%m-%d}"
            )
            return Posted(message_id, thread.thread_id, needs_close=ritual.recap)
        if ritual.kind == "pairing":
            return await self._pair(ritual, run_id, scheduled_for, channel, prompt)
        if ritual.kind == "spotlight":
            return Posted(await self.services.messenger.send(channel, await self._spotlight(ritual, local, prompt)))
        return await self._celebrate(ritual, local.date(), channel, prompt)

    async def _pair(
        self, ritual: RitualRow, run_id: int, scheduled_for: datetime, channel: ChannelRef, prompt: str
    ) -> Posted:
        async with self.services.db.read() as session:
            members = await store.opted_in(session, ritual.id)
            previous = await store.posted_runs(session, ritual.id, PAIRING_MEMORY)
            recent = await store.groups_of(session, [run.id for run in previous])
        rng = random.Random(f"{ritual.id}:{scheduled_for.isoformat()}")
        groups = make_groups(members, [g for run in recent.values() for g in run.values()], rng)
        if not groups:
            text = (
                f"☕ Not enough members have joined **{ritual.name}** for a pairing this time. "
                f"Join with `/ritual join {ritual.name}`!"
            )
            return Posted(await self.services.messenger.send(channel, Reply(text=text)), note="not enough members")
        async with self.services.db.write() as session:
            await store.save_groups(session, run_id, groups)
        refs = await self.member_refs(ritual.community_id, members)
        lines = [" & ".join(mention(refs[member]) for member in group) for group in groups]
        card = Card(
            title=f"☕ {ritual.name}: this round's pairs",
            description="\n".join(lines),
            footer=f"Join with /ritual join {ritual.name} · leave with /ritual leave {ritual.name}",
        )
        message_id = await self.services.messenger.send(channel, Reply(card=card))
        for group in groups:
            together = ", ".join(mention(refs[member]) for member in group)
            text = f"👋 {together}: you're paired for **{ritual.name}** this round! {prompt}".rstrip()
            try:
                await self.services.messenger.send_group([refs[member] for member in group], Reply(text=text))
            except PlatformError as error:
                log.warning("ritual %s: could not introduce group %s: %s", ritual.id, group, error.reason)
        return Posted(message_id, needs_close=True)

    async def _spotlight(self, ritual: RitualRow, local: datetime, prompt: str) -> Reply:
        settings = await self.services.config.get(ritual.community_id)
        # A spotlight on a Monday looks back at the week that just ended; otherwise at this week so far.
        reference = local - timedelta(days=1)
        bucket = ledger.period_bucket("week", reference, settings.timezone)
        await self.services.ledger.flush()
        async with self.services.db.read() as session:
            leaders = await ledger.top(session, ritual.community_id, bucket, 5)
            thanked = await ledger.top(session, ritual.community_id, bucket, 3, measure="kudos_received")
        week_start = date.fromisoformat(bucket.split(":", 1)[1])
        refs = await self.member_refs(ritual.community_id, [row.member_id for row in [*leaders, *thanked]])
        top_lines = [
            f"{_MEDALS.get(row.rank, f'{row.rank}.')} {mention(refs[row.member_id])} — {points_text(row.points)}"
            for row in leaders
        ]
        thanked_lines = [f"💛 {mention(refs[row.member_id])} — {row.points} kudos" for row in thanked]
        description = "\n".join(
            [
                *([prompt, ""] if prompt else []),
                "**Top contributors**",
                *(top_lines or ["A quiet week — every contribution counts!"]),
                "",
                "**Most thanked**",
                *(thanked_lines or ["No kudos yet this week. Thank someone with /kudos!"]),
            ]
        )
        title = f"🌟 {ritual.name}: the week of {week_start.day} {week_start:%B %Y}"
        return Reply(card=Card(title=title, description=description))

    async def _celebrate(self, ritual: RitualRow, today: date, channel: ChannelRef, prompt: str) -> Posted:
        days = [(today.month, today.day)]
        if (today.month, today.day) == (2, 28) and not isleap(today.year):
            days.append((2, 29))  # Feb 29 birthdays and anniversaries are celebrated on Feb 28
        zone = ZoneInfo(ritual.timezone)
        async with self.services.db.read() as session:
            birthdays = await store.birthdays_on(session, ritual.community_id, days)
            joined = await store.join_dates(session, ritual.community_id)
        anniversaries: list[tuple[int, int]] = []
        for member_id, moment in joined:
            local = moment.astimezone(zone).date()
            if (local.month, local.day) in days and today.year > local.year:
                anniversaries.append((member_id, today.year - local.year))
        if not birthdays and not anniversaries:
            return Posted(None, note="nothing to celebrate")
        refs = await self.member_refs(ritual.community_id, birthdays + [member for member, _ in anniversaries])
        lines = [f"🎂 Happy birthday, {mention(refs[member])}!" for member in birthdays]
        lines += [
            f"🎉 {mention(refs[member])} joined us {_years(years)} ago today — happy anniversary!"
            for member, years in anniversaries
        ]
        card = Card(title=f"🎉 {ritual.name}", description="\n".join([*([prompt, ""] if prompt else []), *lines]))
        return Posted(await self.services.messenger.send(channel, Reply(card=card)))

    # -- the end of a window -------------------------------------------------------------------------
    async def _close_job(self, run_id: int, _scheduled_for: datetime) -> None:
        await self.close(run_id)

    async def close(self, run_id: int) -> None:
        """Recap or pairing follow-up, once (the conditional update decides who does it)."""
        self.services.scheduler.remove(close_job(run_id))
        async with self.services.db.write() as session:
            claimed = await store.claim_close(session, run_id, self.services.clock.now())
            run = await store.get_run(session, run_id)
            ritual = await store.get(session, run.ritual_id) if run else None
        if not claimed or run is None or ritual is None:
            return
        try:
            if ritual.kind == "pairing":
                await self._follow_up(ritual, run_id)
            elif ritual.recap:
                await self._recap(ritual, run_id)
        except PlatformError as error:
            log.warning("ritual %s: could not close run %s: %s", ritual.id, run_id, error.reason)

    async def _recap(self, ritual: RitualRow, run_id: int) -> None:
        async with self.services.db.read() as session:
            taken = (await store.participants(session, [run_id])).get(run_id, set())
            milestones = await store.milestones_in_run(session, run_id)
        count = len(taken)
        if count == 0:
            text = f"📋 **{ritual.name}** recap: nobody took part this time — maybe next time!"
        else:
            text = f"📋 **{ritual.name}** recap: {count} member{'s' if count != 1 else ''} took part."
        if milestones:
            refs = await self.member_refs(ritual.community_id, [member for member, _ in milestones])
            text += (
                " New streak milestones: "
                + ", ".join(f"{mention(refs[member])} ({milestone} in a row)" for member, milestone in milestones)
                + "."
            )
        await self.services.messenger.send(await self.channel(ritual), Reply(text=text))

    async def _follow_up(self, ritual: RitualRow, run_id: int) -> None:
        async with self.services.db.read() as session:
            groups = (await store.groups_of(session, [run_id])).get(run_id, {})
        if not groups:
            return
        refs = await self.member_refs(ritual.community_id, [m for group in groups.values() for m in group])
        for number, group in groups.items():
            reply = Reply(
                text=f"Did you meet for **{ritual.name}**?",
                buttons=(
                    Button("Yes, we met", f"ritual:met:{run_id}:{number}", ButtonStyle.SUCCESS),
                    Button("Not this time", f"ritual:skip:{run_id}:{number}"),
                ),
            )
            try:
                await self.services.messenger.send_group([refs[member] for member in group], reply)
            except PlatformError as error:
                log.warning("ritual %s: no follow-up for group %s: %s", ritual.id, group, error.reason)

    # -- participation --------------------------------------------------------------------------------
    async def open_runs(self, community_id: int) -> list[OpenRun]:
        cached = self._open.get(community_id)
        if cached and time.monotonic() - cached[0] < _OPEN_RUNS_SECONDS:
            return cached[1]
        async with self.services.db.read() as session:
            runs = await store.open_runs(session, community_id, self.services.clock.now())
        still_open = {run.run_id for run in runs}
        for run in cached[1] if cached else []:
            if run.run_id not in still_open:
                self._counted.pop(run.run_id, None)
        self._open[community_id] = (time.monotonic(), runs)
        return runs

    async def take_part(self, ritual: RitualRow, run_id: int, member_ids: list[int], kind: str) -> list[int]:
        """Record participation (once per member and run) with the ritual's points; celebrates new
        streak milestones. Returns the members newly recorded."""
        now = self.services.clock.now()
        settings = await self.services.config.get(ritual.community_id)
        recorded: list[int] = []
        async with self.services.db.write() as session:
            awards = []
            for member_id in member_ids:
                if await store.participate(session, run_id, member_id, now):
                    recorded.append(member_id)
                    awards.append(
                        Award(
                            ritual.community_id,
                            member_id,
                            kind,
                            ritual.points,
                            f"{kind}:{run_id}:{member_id}",
                            now,
                            zone=settings.timezone,
                            reason=ritual.name,
                            channel=ritual.channel,
                        )
                    )
            await ledger.record(session, awards)
        self._counted.setdefault(run_id, set()).update(member_ids)
        if recorded:
            await self._milestones(ritual, run_id, recorded)
        return recorded

    async def streaks(self, ritual: RitualRow, limit: int = _STREAK_RUNS) -> dict[int, int]:
        async with self.services.db.read() as session:
            runs = await store.posted_runs(session, ritual.id, limit)
            taken = await store.participants(session, [run.id for run in runs])
        return streaks(runs, taken, self.services.clock.now())

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
        refs = await self.member_refs(ritual.community_id, [member for member, _ in reached])
        channel = await self.channel(ritual)
        for member_id, count in reached:
            text = f"🔥 {mention(refs[member_id])} has taken part in **{ritual.name}** {count} times in a row!"
            await self.services.messenger.send(channel, Reply(text=text))

    async def on_message(self, author: MemberRef, channel: ChannelRef, thread_id: str | None) -> None:
        """A message counts for every open run it answers: in the channel (prompt) or the thread."""
        if author.is_bot:
            return
        community = await self.services.identity.community(author.community)
        runs = await self.open_runs(community.id)
        if not runs:
            return
        now = self.services.clock.now()
        thread = thread_id or channel.thread_id
        for run in runs:
            if not run.claimed_at <= now < run.window_ends_at:
                continue
            answers = (run.kind == "prompt" and run.channel == channel.external_id) or (
                run.kind == "thread" and thread is not None and thread == run.thread_id
            )
            if not answers:
                continue
            member = await self.services.identity.member(author)
            if member.id in self._counted.get(run.run_id, ()):
                continue
            async with self.services.db.read() as session:
                ritual = await store.get(session, run.ritual_id)
            if ritual is not None:
                await self.take_part(ritual, run.run_id, [member.id], "ritual_participation")

    def forget(self, ritual: RitualRow) -> None:
        """Drop cached state of a ritual that was changed or deleted."""
        self._open.pop(ritual.community_id, None)


def _card(ritual: RitualRow, prompt: str, footer: str) -> Reply:
    return Reply(card=Card(title=f"🔔 {ritual.name}", description=prompt, footer=footer))


def _years(count: int) -> str:
    return f"{count} year" if count == 1 else f"{count} years"
