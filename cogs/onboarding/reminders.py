"""Reminders: one nudge to a newcomer stuck at a step, one alert to moderators; batched welcomes left over
by a stopped process are posted. Each notice is claimed in the database first, so never sent twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial

from apscheduler.triggers.interval import IntervalTrigger

from bot.core.refs import ChannelRef
from bot.core.reply import Reply, mention
from bot.core.scheduling import Quiet
from bot.core.services import Services
from bot.core.wording import number, plural
from cogs.onboarding.checklist import Checklist
from cogs.onboarding.service import OnboardingService, Progress, ago
from cogs.onboarding.settings import OnboardingSettings
from cogs.onboarding.welcomes import Welcomes
from config.community import CommunitySettings
from storage.onboarding import Journey

SWEEP_JOB = "onboarding:sweep"
SWEEP_EVERY = timedelta(minutes=30)
# A notice kind of its own: the reminder was due but reached nobody (no DM, no welcome channel).
MISSED = "missed"
# Newcomers stuck longer than this when their alert falls due (`mod_channel` set long after they joined, Hearth
# down for days) are listed together in one message per sweep, not alerted one by one: a moderators' channel just
# set up is not flooded. At most STALE_LISTED are named, then how many more.
STALE = timedelta(days=7)  # "over a week", as the message says
STALE_LISTED = 10


class Reminders:
    def __init__(
        self, services: Services, journeys: OnboardingService, checklist: Checklist, welcomes: Welcomes
    ) -> None:
        self.services = services
        self.journeys = journeys
        self.checklist = checklist
        self.welcomes = welcomes

    async def start(self) -> None:
        """Arm the reminder sweep; the notices it sends are claimed in the database, so never twice.
        start_date from our clock: APScheduler would start from the wall clock, not the virtual one."""
        every = IntervalTrigger(seconds=int(SWEEP_EVERY.total_seconds()), start_date=self.services.clock.now())
        self.services.scheduler.add(SWEEP_JOB, every, self.sweep)

    async def stop(self) -> None:
        self.services.scheduler.remove(SWEEP_JOB)

    async def sweep(self, scheduled: datetime) -> Quiet | None:
        """Nudge members stuck past nudge_after once, tell mods about those past alert_after once; in a
        community Hearth was removed from, neither until it is added back."""
        db = self.services.db
        seen = db.writes
        now = self.services.clock.now()
        next_due: datetime | None = None  # the next moment someone crosses a threshold
        everyone = await self.journeys.open_progress()
        # Claims already made are skipped without a write, so a sweep that sends nothing changes nothing.
        sent = await self.journeys.notices([progress.journey.member_id for progress in everyone])
        stale: dict[int, list[tuple[Progress, CommunitySettings, timedelta]]] = {}  # by community, in sweep order
        for progress in everyone:
            current = progress.current
            journey = progress.journey
            if journey.community_id in self.services.absent:
                # Hearth was removed there: nothing would reach the member, so nothing is claimed and the
                # reminder goes once Hearth is added back (re-adding writes, which ends this sweep's quiet).
                continue
            settings = await self.services.settings.get(journey.community_id)
            if current is None:
                # The steps they had left were switched off (or became skipped) after they did the others.
                await self.checklist.finish_if_nothing_left(progress, settings)
                continue
            tuned = settings.of(OnboardingSettings)
            waited = now - progress.since
            if waited >= tuned.nudge_after and (journey.member_id, current.step, "nudge") not in sent:
                await self._notify_once(
                    journey, current.step, "nudge", now, partial(self._nudge, progress, settings, sent, now)
                )
            if (
                waited >= tuned.alert_after
                and settings.basics.mod_channel
                and (journey.member_id, current.step, "alert") not in sent
            ):
                if waited > STALE:
                    stale.setdefault(journey.community_id, []).append((progress, settings, waited))
                else:
                    await self._notify_once(
                        journey, current.step, "alert", now, partial(self._alert, progress, settings, waited, sent)
                    )
            ahead = [after for after in (tuned.nudge_after, tuned.alert_after) if after > waited]
            if ahead:
                at = progress.since + min(ahead)
                next_due = at if next_due is None else min(next_due, at)
        for long_stuck in stale.values():
            await self._alert_long_stuck(long_stuck, sent, now)
        batched = await self.journeys.communities_with_batches()
        for community_id in batched:
            settings = await self.services.settings.get(community_id)
            ref = await self.journeys.community_ref(community_id)
            await self.welcomes.post_batch(community_id, ref, now - settings.of(OnboardingSettings).raid_window)
        # Until then the next sweeps would find nothing, unless something is written meanwhile.
        return None if batched else Quiet(next_due, lambda: db.writes == seen)

    async def _notify_once(
        self, journey: Journey, step: str, kind: str, now: datetime, send: Callable[[], Awaitable[None]]
    ) -> None:
        """Claim first, then send: a second sweep or process finds the claim and sends nothing."""
        if not await self.journeys.claim_notice(journey.member_id, step, kind, now):
            return
        try:
            await send()
        except Exception:
            await self.journeys.release_notice(journey.member_id, step, kind)
            raise

    async def _nudge(
        self, progress: Progress, settings: CommunitySettings, sent: set[tuple[int, str, str]], now: datetime
    ) -> None:
        current = progress.current
        assert current is not None
        member_id = progress.journey.member_id
        member = (await self.journeys.member_refs([member_id]))[member_id]
        text = f"Hi {mention(member)}! Your next step is **{current.label}** — it only takes a minute. 🙂"
        if not await self.checklist.reach(
            member, settings, await self.checklist.reply(progress, member.community, text)
        ):
            # Their DMs are closed and there is no welcome channel to mention them in: the reminder stays spent
            # (trying every sweep would knock on a closed door), but moderators are told it did not reach them.
            await self.journeys.claim_notice(member_id, current.step, MISSED, now)
            sent.add((member_id, current.step, MISSED))

    async def _alert_long_stuck(
        self, stuck: list[tuple[Progress, CommunitySettings, timedelta]], sent: set[tuple[int, str, str]], now: datetime
    ) -> None:
        """One message for a community's newcomers stuck over STALE whose alert is due, longest stuck first; each
        alert claimed first (never twice), and given back if the message cannot be posted."""
        claimed: list[tuple[Progress, CommunitySettings, timedelta]] = []
        for progress, settings, waited in sorted(stuck, key=lambda entry: -entry[2]):
            current = progress.current
            assert current is not None
            if await self.journeys.claim_notice(progress.journey.member_id, current.step, "alert", now):
                claimed.append((progress, settings, waited))
        if not claimed:
            return
        members = await self.journeys.member_refs([progress.journey.member_id for progress, _, _ in claimed])
        named = []
        for progress, _, waited in claimed[:STALE_LISTED]:
            member_id, current = progress.journey.member_id, progress.current
            assert current is not None
            unreached = ", my reminder did not reach them" if (member_id, current.step, MISSED) in sent else ""
            named.append(f"{mention(members[member_id])} at **{current.label}** ({ago(waited)}{unreached})")
        more = len(claimed) - STALE_LISTED
        listed = ", ".join(named) + (f" and {number(more)} more" if more > 0 else "")
        settings = claimed[0][1]
        try:
            await self.services.messenger.send(
                ChannelRef(members[claimed[0][0].journey.member_id].community, settings.basics.mod_channel or ""),
                Reply(
                    text=f"🧭 {plural(len(claimed), 'newcomer')} {'has' if len(claimed) == 1 else 'have'} been stuck "
                    f"at a step for over a week: "
                    f"{listed}. A personal hello might help."
                ),
            )
        except Exception:
            for progress, _, _ in claimed:
                current = progress.current
                assert current is not None
                await self.journeys.release_notice(progress.journey.member_id, current.step, "alert")
            raise

    async def _alert(
        self, progress: Progress, settings: CommunitySettings, waited: timedelta, sent: set[tuple[int, str, str]]
    ) -> None:
        current = progress.current
        assert current is not None and settings.basics.mod_channel
        member_id = progress.journey.member_id
        member = (await self.journeys.member_refs([member_id]))[member_id]
        missed = (
            " My reminder could not reach them (their DMs are closed and no welcome channel is set)."
            if (member_id, current.step, MISSED) in sent
            else ""
        )
        await self.services.messenger.send(
            ChannelRef(member.community, settings.basics.mod_channel),
            Reply(
                text=f"🧭 {mention(member)} has been stuck at **{current.label}** for {ago(waited)}.{missed} "
                "A personal hello might help."
            ),
        )
