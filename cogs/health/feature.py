"""`/health show|at-risk|reached-out|mood|sentiment`: the community's health for admins and moderators."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from bot.core.commands import Group, Option, OptionType
from bot.core.context import Context
from bot.core.events import MemberJoined, MessageDeleted, MessagePosted, ReactionAdded
from bot.core.refs import ChannelRef, Member, Permission
from bot.core.registry import Registry
from bot.core.reply import Attachment, Reply, UserError, channel_mention, mention
from bot.core.services import Services
from bot.core.wording import percent, plural, rounded
from cogs.health import charts
from cogs.health.alerts import HealthSweep
from cogs.health.figures import STATES, Report, report, window
from cogs.health.ladder import Ladder
from cogs.health.mood import warm_up
from cogs.health.settings import HealthSettings
from cogs.health.tracking import Tracking
from config.durations import format_duration
from storage import health_queries as q
from storage.health import local_day, utc
from storage.onboarding import intros_open

HEALTH = Group("health", "Community health: retention, onboarding, responsiveness, at-risk members, mood")
PERIODS = ("7d", "30d", "90d")
# A channel-day with fewer authors is not shown: its mood could point at someone.
MOOD_MIN_AUTHORS = 5
AT_RISK_LIMIT = 25


class HealthFeature:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.tracking = Tracking(services)
        self.ladder = Ladder(services)
        self.sweep = HealthSweep(services, self.digest, self.tracking.forget_authors)

    def register(self, registry: Registry) -> None:
        registry.commands_of(self)
        self.ladder.register(registry)
        registry.on_start(self.sweep.start)
        registry.on_start(warm_up)
        registry.on_stop(self.sweep.stop)
        registry.on(MessagePosted, self.tracking.on_message)
        registry.on(MessageDeleted, self.tracking.on_message_deleted)
        registry.on(ReactionAdded, self.tracking.on_reaction)
        registry.on(MemberJoined, self.tracking.on_join)

    async def _report(self, ctx: Context, days: int) -> Report:
        await self.services.activity.flush()  # the figures include what the buffer still holds
        async with self.services.db.read() as session:
            return await report(
                session, ctx.community.id, ctx.now, days, ctx.settings.basics.timezone, intros_open(ctx.settings)
            )

    @HEALTH.command(
        "show",
        "The community's health over 7, 30 or 90 days, with charts",
        Option("period", OptionType.CHOICE, "7d, 30d or 90d", required=False, choices=PERIODS, default="30d"),
        permission=Permission.MODERATOR,
        slow=True,
    )
    async def show(self, ctx: Context, period: str) -> Reply:
        found = await self._report(ctx, int(period.removesuffix("d")))
        title = f"Community health — last {period.removesuffix('d')} days"
        # Three worker threads at once: Agg rasterises in C++, so the charts overlap instead of queueing.
        activity, funnel, cohorts = await asyncio.gather(
            charts.render(partial(charts.activity, title, found.daily_active, found.daily_messages)),
            charts.render(partial(charts.funnel, found.funnel)),
            charts.render(partial(charts.cohorts, found.cohorts)),
        )
        files = (
            Attachment("health-activity.png", activity, "Active members and messages per day"),
            Attachment("health-funnel.png", funnel, "Onboarding funnel"),
            Attachment("health-cohorts.png", cohorts, "Retention by join week"),
        )
        return Reply(text=overview_text(found, title), files=files, ephemeral=True)

    async def digest(self, community_id: int, now: datetime, monday: date) -> Reply:
        """The weekly digest for the moderators' channel, posted on `monday`: the figures of the week before it
        (Monday to Sunday in the community's time zone), and at-risk members and candidates as of `now`."""
        settings = await self.services.settings.get(community_id)
        zone = settings.basics.timezone
        sunday = datetime.combine(monday - timedelta(days=1), time(12), ZoneInfo(zone))  # any moment of that day
        async with self.services.db.read() as session:
            found = await report(session, community_id, sunday, 7, zone, intros_open(settings))
        lines = [overview_text(found, "Weekly health digest — last week")]
        at_risk = await self.at_risk_rows(community_id, now, zone)
        names = ", ".join(mention(member) for member, _, _ in at_risk[:10])
        lines.append(
            f"**At risk** {names or 'nobody'}" + (f" and {len(at_risk) - 10} more" if len(at_risk) > 10 else "")
        )
        picked = await self.ladder.candidates_for(community_id, None, now, zone)
        refs = await self.services.identity.members_by_id([e.member_id for e in picked[:10]])
        named = ", ".join(mention(refs[e.member_id]) for e in picked[:10] if e.member_id in refs)
        lines.append(f"**Ladder candidates** {named or 'nobody yet'}")
        lines.append("Details: `/health show`, `/health at-risk`, `/ladder candidates`.")
        chart = await charts.render(lambda: charts.activity("Last 7 days", found.daily_active, found.daily_messages))
        return Reply(
            text="\n".join(lines), files=(Attachment("health-week.png", chart, "Active members and messages"),)
        )

    @HEALTH.command(
        "at-risk",
        "Members active in the previous 30 days and silent for the last 14",
        permission=Permission.MODERATOR,
    )
    async def at_risk(self, ctx: Context) -> Reply:
        await self.services.activity.flush()
        rows = await self.at_risk_rows(ctx.community.id, ctx.now, ctx.settings.basics.timezone)
        if not rows:
            return Reply.private("Nobody is at risk: everyone active in the previous 30 days was seen in the last 14.")
        lines = [f"**At risk** — {plural(len(rows), 'member')} active in the previous 30 days, silent for 14:"]
        zone = ctx.settings.basics.timezone
        for member, habits, reached in rows[:AT_RISK_LIMIT]:
            # The community's day, as "last seen" is: a UTC date is a day off for half the world's evenings.
            note = f" · reached out {local_day(utc(reached), zone):%d %b}" if reached else ""
            lines.append(
                f"• {mention(member)} — last seen {habits.last_day:%d %b}; used to: "
                f"{plural(habits.messages, 'message')}, {plural(habits.replies, 'reply', 'replies')}, "
                f"{plural(habits.reactions, 'reaction')} on {plural(habits.active_days, 'day')}{note}"
            )
        if len(rows) > AT_RISK_LIMIT:
            lines.append(f"…and {len(rows) - AT_RISK_LIMIT} more.")
        lines.append("Mark one with `/health reached-out member` once you have said hello.")
        return Reply.private("\n".join(lines))

    async def at_risk_rows(
        self, community_id: int, now: datetime, zone: str
    ) -> list[tuple[Member, q.Habits, datetime | None]]:
        today = window(now, 1, zone).end
        async with self.services.db.read() as session:
            before = await q.gone_quiet(
                session, community_id, today - timedelta(days=43), today - timedelta(days=13), today
            )
            people = {m.id: m for m in await q.members(session, community_id)}
            reached = await q.outreach(session, community_id)
        ids = [
            member_id
            for member_id in before
            if member_id in people and people[member_id].left_at is None and not people[member_id].opted_out
        ]
        refs = await self.services.identity.members_by_id(ids)
        rows = [(refs[i], before[i], reached.get(i)) for i in ids if i in refs]
        rows.sort(key=lambda row: (row[1].last_day, row[0].name))
        return rows

    @HEALTH.command(
        "reached-out",
        "Note that you reached out to an at-risk member (shown next to them)",
        Option("member", OptionType.MEMBER, "Whom you reached out to"),
        permission=Permission.MODERATOR,
    )
    async def reached_out(self, ctx: Context, member: Member) -> Reply:
        if member.is_bot:
            raise UserError("Bots are never at risk.")
        if member.id == ctx.author.id:
            # A note of reaching out to oneself would count in the outreach figures as someone reached.
            raise UserError("That's you: note the members you reached out to.")
        async with self.services.db.read() as session:
            departed = await q.has_left(session, member.id)
        if departed:
            raise UserError(f"{member.name} is no longer a member: `/health at-risk` lists only members who are here.")
        async with self.services.db.write() as session:
            await q.mark_outreach(session, ctx.community.id, member.id, ctx.author.id, utc(ctx.now))
        today = local_day(ctx.now, ctx.settings.basics.timezone)
        return Reply.private(f"Noted: you reached out to {mention(member)} on {today:%d %b}.")

    @HEALTH.command(
        "mood",
        "The mood of channels over 30 days (sentiment must be on)",
        Option("channel", OptionType.CHANNEL, "One channel (default: all)", required=False),
        permission=Permission.MODERATOR,
        slow=True,
    )
    async def mood(self, ctx: Context, channel: ChannelRef | None) -> Reply:
        if not ctx.settings.of(HealthSettings).health_sentiment:
            return Reply.private(
                "Sentiment is off in this community. An admin can switch it on with `/health sentiment on` "
                "(messages are scored in memory; only per-channel daily counts are kept)."
            )
        await self.services.activity.flush()
        w = window(ctx.now, 30, ctx.settings.basics.timezone)
        async with self.services.db.read() as session:
            days = await q.moods(session, ctx.community.id, w.start, w.end, channel.external_id if channel else None)
        shown = [d for d in days if d.authors >= MOOD_MIN_AUTHORS]
        hidden = len(days) - len(shown)
        if not shown:
            return Reply.private(
                "No channel-day to show yet: a day's mood appears once at least "
                f"{MOOD_MIN_AUTHORS} different members wrote in the channel that day."
                + (f" ({plural(hidden, 'channel-day')} hidden.)" if hidden else "")
            )
        series: dict[str, list[tuple[date, float]]] = {}
        lines = ["**Mood by channel** (mean from -1 to 1; positive / neutral / negative messages)"]
        for d in shown:
            series.setdefault(d.channel, []).append((d.day, d.mean))
        for name, points in series.items():
            rows = [d for d in shown if d.channel == name]
            total = sum(d.messages for d in rows)
            mean = sum(d.mean * d.messages for d in rows) / total
            pos, neu, neg = (sum(getattr(d, k) for d in rows) for k in ("positive", "neutral", "negative"))
            where = channel_mention(ChannelRef(ctx.community.ref, name))
            lines.append(f"• {where} — {mean:+.2f} over {plural(len(points), 'day')}: {pos} / {neu} / {neg}")
        if hidden:
            lines.append(f"{plural(hidden, 'channel-day')} with fewer than {MOOD_MIN_AUTHORS} authors not shown.")
        png = await charts.render(lambda: charts.mood(series))
        return Reply.private("\n".join(lines), files=(Attachment("health-mood.png", png, "Mood by channel"),))

    @HEALTH.command(
        "sentiment",
        "Switch mood scoring on or off (off deletes what was kept)",
        Option("state", OptionType.CHOICE, "on or off", choices=("on", "off")),
        permission=Permission.ADMIN,
    )
    async def sentiment(self, ctx: Context, state: str) -> Reply:
        await self.services.settings.set(ctx.community.id, "health_sentiment", "yes" if state == "on" else "no")
        if state == "on":
            return Reply.private(
                "Sentiment is on: each message is scored in memory and only per-channel daily counts are kept "
                f"(a channel-day shows once {MOOD_MIN_AUTHORS} members wrote in it). "
                "`/health sentiment off` deletes them."
            )
        await self.services.activity.flush()
        async with self.services.db.write() as session:
            await q.forget_moods(session, ctx.community.id)
        self.tracking.forget_authors(ctx.community.id)
        return Reply.private("Sentiment is off, and every stored mood count of this community is deleted.")


def overview_text(r: Report, title: str) -> str:
    def pct(part: int, whole: int) -> str:
        return f"{percent(part, whole)} ({part}/{whole})"

    stick = f"{rounded(100 * r.stickiness)}%" if r.stickiness is not None else "–"
    median = _duration(r.median_response) if r.median_response is not None else "–"
    funnel = " → ".join(f"{name} {count}" for name, count in r.funnel)
    drops = []
    for (_, before), (name, count) in zip(r.funnel, r.funnel[1:], strict=False):
        drops.append(f"{name} {percent(max(0, before - count), before)} lost" if before else f"{name} –")
    changes = []
    for state in STATES:
        now, then = r.states.get(state, 0), r.states_before.get(state, 0)
        changes.append(f"{state} {now} ({now - then:+d})")
    cohort_lines = [
        f"  {start:%d %b} ({size}): " + " ".join("·" if v is None else f"{rounded(100 * v)}%" for v in row[:6])
        for start, size, row in r.cohorts
    ]
    lines = [
        f"**{title}** ({r.window.start:%d %b} – {r.window.end:%d %b})",
        f"**Members** {r.members} · joined {r.joined} · left {r.left} · active {r.active}",
        f"**Active members** DAU {_dau(r.dau)} · WAU {r.wau} · MAU {r.mau} · stickiness (DAU/MAU) {stick}",
        f"**Activation** {plural(r.newcomers, 'newcomer')}: ≥1 message in 7 days {pct(r.activated_1, r.newcomers)} · "
        f"≥3 messages {pct(r.activated_3, r.newcomers)} · finished onboarding {pct(r.onboarded, r.newcomers)}",
        f"**Onboarding funnel** {funnel}" + (f" (drop-off: {', '.join(drops)})" if r.newcomers else ""),
        f"**Responsiveness** median time to first response {median} · answered within 1 h "
        f"{pct(r.within_1h, r.first_posts)} · within 24 h {pct(r.within_24h, r.first_posts)} · "
        f"replies {pct(r.replies, r.messages)} of messages",
        f"**Recognition** recognised {pct(r.recognised, r.tracked_active)} of active members · "
        f"{plural(r.givers, 'distinct giver')} · ritual participation {pct(r.ritual_people, r.tracked_active)}",
        f"**Member states** (change over the period) {', '.join(changes)}",
    ]
    if cohort_lines:
        lines.append("**Retention by join week** (weeks 1–6 after joining)")
        lines.extend(cohort_lines)
    return "\n".join(lines)


def _dau(dau: float) -> str:
    """Daily active members, to a tenth; some activity below a twentieth reads `<0.1`, not `0.0` beside a
    stickiness above 0% (one member active one day in a 30-day period)."""
    return "<0.1" if 0 < dau < 0.05 else rounded(dau, 1)


def _duration(delta: timedelta) -> str:
    """A median wait in words, to the minute (`2 hours 45 minutes`); under a minute, to the second."""
    seconds = int(delta.total_seconds())
    return format_duration(timedelta(seconds=seconds if seconds < 60 else seconds // 60 * 60))
