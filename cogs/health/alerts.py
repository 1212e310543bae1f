"""The health sweep: unanswered newcomers (one alert per post), the weekly digest (one per community and week),
and mood counts of communities that switched sentiment off (deleted).

Each alert and digest is claimed in the database before it is sent — a newcomer's `alerted_at`, a
`health_digest(community, week)` row under its primary key (the rituals' pattern, in health's own table) —
so restarts and several processes sharing PostgreSQL send each exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.interval import IntervalTrigger

from bot.core.messenger import PlatformError
from bot.core.refs import ChannelRef
from bot.core.reply import Reply, channel_mention, mention
from bot.core.scheduling import Quiet
from bot.core.services import Services
from bot.core.wording import number, plural
from cogs.health.settings import HealthSettings
from config.community import CommunityBasics
from config.durations import format_duration
from storage import health_queries as q
from storage.health import local_day, utc
from storage.identity import all_communities

log = logging.getLogger(__name__)

SWEEP_JOB = "health:sweep"
SWEEP_EVERY = timedelta(minutes=15)
# An unanswered-post alert this much past its time says how long the post has truly waited.
LATE = timedelta(hours=1)
# First posts that have waited longer than this when their alert falls due (`mod_channel` or `unanswered_after`
# set long after them, Hearth down for days) are listed together in one message per sweep: a moderators' channel
# just set up is not flooded with an alert per old hello. At most STALE_LISTED are named, then how many more.
STALE = timedelta(days=7)  # "over a week", as the message says
STALE_LISTED = 10
DIGEST_AT = time(9, 0)  # Mondays, in the community's time zone

# (community id, now, the Monday it is posted on) -> the digest.
Digest = Callable[[int, datetime, date], Awaitable[Reply]]


class HealthSweep:
    def __init__(self, services: Services, digest: Digest, forget_authors: Callable[[int], None]) -> None:
        self.services = services
        self.digest = digest
        self.forget_authors = forget_authors  # who wrote where, kept in memory to count a channel-day's authors

    async def start(self) -> None:
        every = IntervalTrigger(seconds=int(SWEEP_EVERY.total_seconds()), start_date=self.services.clock.now())
        self.services.scheduler.add(SWEEP_JOB, every, self.sweep)

    async def stop(self) -> None:
        self.services.scheduler.remove(SWEEP_JOB)

    async def sweep(self, scheduled: datetime) -> Quiet | None:
        await self.services.activity.flush()  # first posts still in the buffer count
        db = self.services.db
        now = self.services.clock.now()
        next_due = await self._unanswered(now)
        async with db.read() as session:
            communities = await all_communities(session)
        for community in communities:
            settings = await self.services.settings.get(community.id)
            tuned = settings.of(HealthSettings)
            if not tuned.health_sentiment:  # switched off with /config set: what was kept goes
                self.forget_authors(community.id)
                async with db.read() as session:
                    has_moods = await q.has_moods(session, community.id)
                if has_moods:
                    async with db.write() as session:
                        await q.forget_moods(session, community.id)
            if tuned.health_digest and settings.basics.mod_channel:
                due = await self._digest(community.id, now, settings.basics)
                next_due = due if next_due is None else min(next_due, due)
        seen = db.writes
        activity = self.services.activity
        # A newcomer's first post still in the buffer is due to be waited on too, though nothing was written yet.
        return Quiet(next_due, lambda: db.writes == seen and not activity.health.first_messages)

    async def _unanswered(self, now: datetime) -> datetime | None:
        """Alert once per unanswered first post past its community's `unanswered_after`; the next moment due."""
        db = self.services.db
        async with db.read() as session:
            waiting = await q.unalerted(session, utc(now))
        next_due: datetime | None = None
        stale: dict[int, list[str]] = {}  # community -> "@dan in #general (22 days)", oldest first
        for community_id, newcomer in waiting:
            settings = await self.services.settings.get(community_id)
            after = settings.of(HealthSettings).unanswered_after
            mods = settings.basics.mod_channel
            if not after or not mods or newcomer.first_message_at is None:
                continue
            due = newcomer.first_message_at + after
            if due > now:
                next_due = due if next_due is None else min(next_due, due)
                continue
            async with db.write() as session:
                claimed = await q.claim_alert(session, newcomer.member_id, utc(now))
            if not claimed:
                continue
            found = await self.services.identity.members_by_id([newcomer.member_id])
            member = found.get(newcomer.member_id)
            if member is None:
                continue
            posted_in = newcomer.first_message_channel
            where = f" in {channel_mention(ChannelRef(member.ref.community, posted_in))}" if posted_in else ""
            waited = format_duration(_waited(now - newcomer.first_message_at, after))
            if now - newcomer.first_message_at > STALE:
                stale.setdefault(community_id, []).append(f"{mention(member)}{where} ({waited})")
                continue
            await self._alert(
                community_id,
                ChannelRef(member.ref.community, mods),
                f"👋 {mention(member)}'s first post{where} has had no reply for {waited}. "
                "A welcome from someone would make a difference.",
            )
        for community_id, posts in stale.items():
            community = await self.services.identity.community_by_id(community_id)
            mods = (await self.services.settings.get(community_id)).basics.mod_channel
            more = len(posts) - STALE_LISTED
            listed = ", ".join(posts[:STALE_LISTED]) + (f" and {number(more)} more" if more > 0 else "")
            await self._alert(
                community_id,
                ChannelRef(community.ref, mods or ""),
                f"👋 {plural(len(posts), 'first post')} of {'a newcomer' if len(posts) == 1 else 'newcomers'} "
                f"waited over a week with no reply: {listed}. A late welcome still counts.",
            )
        return next_due

    async def _alert(self, community_id: int, mods: ChannelRef, text: str) -> None:
        """Post an alert already claimed. One the platform refuses (Hearth no longer allowed in `mod_channel`) stays
        claimed, unposted, as a digest does, and the log says why in one line: raised, it failed the whole sweep,
        so other communities' alerts and the deletion of mood counts switched off waited for the next one."""
        try:
            await self.services.messenger.send(mods, Reply(text=text))
        except PlatformError as error:
            log.warning("could not post the unanswered-newcomer alert of community %s: %s", community_id, error)

    async def _digest(self, community_id: int, now: datetime, basics: CommunityBasics) -> datetime:
        """Post the digest of the week just ended (Monday to Sunday, local) on Monday from 09:00 (local) to the
        day's end; returns when the next one falls due. A Monday Hearth missed is skipped, not posted mid-week."""
        zone, mods = basics.timezone, basics.mod_channel
        today = local_day(now, zone)
        monday = today - timedelta(days=today.weekday())
        due = datetime.combine(monday, DIGEST_AT, ZoneInfo(zone)).astimezone(UTC)
        following = datetime.combine(monday + timedelta(weeks=1), DIGEST_AT, ZoneInfo(zone)).astimezone(UTC)
        if now < due:
            return due
        if today != monday:
            return following  # Hearth was down (or just installed) all Monday: no stale digest mid-week
        async with self.services.db.write() as session:
            claimed = await q.claim_digest(session, community_id, monday, utc(now))
        if claimed and mods:
            community = await self.services.identity.community_by_id(community_id)
            try:
                await self.services.messenger.send(
                    ChannelRef(community.ref, mods), await self.digest(community_id, now, monday)
                )
                async with self.services.db.write(routine=True) as session:
                    await q.mark_digest_posted(session, community_id, monday)
            except PlatformError as error:  # the platform refused (no access to the channel): no traceback
                log.warning("could not post the weekly health digest of community %s: %s", community_id, error)
            except Exception:
                log.exception("could not post the weekly health digest of community %s", community_id)
        return following


def _waited(waited: timedelta, after: timedelta) -> timedelta:
    """How long a first post has waited, as the alert says it: `unanswered_after` when the alert is on time (the
    sweep's few minutes aside); when it is late — `mod_channel` or `unanswered_after` set long after the post,
    Hearth down for a while — the true wait, in whole hours, or whole days from two days on (not "4 hours" about a
    post three weeks old)."""
    if waited < after + LATE:
        return after
    unit = timedelta(days=1) if waited >= timedelta(days=2) else timedelta(hours=1)
    return waited // unit * unit
