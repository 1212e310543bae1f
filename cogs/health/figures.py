"""The health figures, from the aggregates and the ledger. Definitions: README, "Community health glossary".

Days and weeks are the community's (its time zone; weeks start on Monday). A period of N days ends today
(today included, so far). Opted-out members (`health_opt_out`) count only in anonymous totals (members,
joined, left, active, DAU/WAU/MAU, messages); figures that follow a person (activation, the funnel,
responsiveness, cohorts, states, at-risk, recognition reach) leave them out. Departed members count as left.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from storage import health_queries as q
from storage import onboarding
from storage.health import local_day
from storage.kinds import Kind

STATES = ("new", "consistently active", "active", "returned", "paused", "at risk", "dormant")
COHORT_WEEKS = 12
LOOKBACK = 90  # days of history a member's state looks at
NEW_DAYS = 14  # a member is "new" on the day they joined and the 13 after (README glossary, Member states)


@dataclass(frozen=True)
class Window:
    start: date  # first day, inclusive
    end: date  # last day (today), inclusive
    zone: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def at(self, day: date) -> datetime:
        """The start of a day, in UTC."""
        return datetime.combine(day, time(), ZoneInfo(self.zone)).astimezone(UTC)

    @property
    def since(self) -> datetime:
        return self.at(self.start)

    @property
    def until(self) -> datetime:
        return self.at(self.end + timedelta(days=1))


def window(now: datetime, days: int, zone: str) -> Window:
    today = local_day(now, zone)
    return Window(today - timedelta(days=days - 1), today, zone)


@dataclass
class Report:
    window: Window
    members: int = 0
    joined: int = 0
    left: int = 0
    active: int = 0
    dau: float = 0.0
    wau: int = 0
    mau: int = 0
    stickiness: float | None = None
    newcomers: int = 0
    activated_1: int = 0
    activated_3: int = 0
    onboarded: int = 0
    funnel: list[tuple[str, int]] = field(default_factory=list)
    first_posts: int = 0
    answered: int = 0
    median_response: timedelta | None = None
    within_1h: int = 0
    within_24h: int = 0
    messages: int = 0
    replies: int = 0
    recognised: int = 0
    tracked_active: int = 0  # active members who did not opt out (the base of recognition reach)
    givers: int = 0
    ritual_people: int = 0
    cohorts: list[tuple[date, int, list[float | None]]] = field(default_factory=list)
    states: dict[str, int] = field(default_factory=dict)
    states_before: dict[str, int] = field(default_factory=dict)
    daily_active: list[tuple[date, int]] = field(default_factory=list)
    daily_messages: list[tuple[date, int]] = field(default_factory=list)


async def report(
    session: AsyncSession, community_id: int, now: datetime, days: int, zone: str, intros_open: bool = True
) -> Report:
    """The figures of the `days` up to `now`, in `zone`. `intros_open`: whether the intro step can be on the
    checklist (`storage.onboarding.intros_open`); the funnel lists the checklist steps that are on."""
    w = window(now, days, zone)
    out = Report(w)
    people = await q.members(session, community_id)
    opted_out = {m.id for m in people if m.opted_out}
    until = w.until
    out.members = sum(1 for m in people if m.joined_at < until and (m.left_at is None or m.left_at >= until))
    out.left = sum(1 for m in people if m.left_at is not None and w.since <= m.left_at < until)

    month = Window(w.end - timedelta(days=27), w.end, zone)
    week = Window(w.end - timedelta(days=6), w.end, zone)
    # One grouped read for every span the figures need: the period's, and both state snapshots'.
    before_day = w.start - timedelta(days=1)
    ranges = [(w.start, w.end), (week.start, week.end), (month.start, month.end)]
    ranges += state_ranges(w.end) + state_ranges(before_day)
    spans = await q.active_days(session, community_id, ranges)
    out.active = sum(1 for counts in spans.values() if counts[0])
    out.wau = sum(1 for counts in spans.values() if counts[1])
    out.mau = sum(1 for counts in spans.values() if counts[2])
    out.dau = sum(counts[2] for counts in spans.values()) / 28
    out.stickiness = out.dau / out.mau if out.mau else None
    daily = await q.daily_active(session, community_id, w.start, w.end)
    out.daily_active = [(day, daily.get(day, 0)) for day in _days(w.start, w.end)]
    volume = await q.daily_messages(session, community_id, w.start, w.end)
    out.daily_messages = [(day, volume.get(day, 0)) for day in _days(w.start, w.end)]
    out.messages, out.replies = await q.message_totals(session, community_id, w.start, w.end)

    joins = await q.newcomers(session, community_id, w.since, until)
    out.joined = len(joins)
    tracked = [n for n in joins if n.member_id not in opted_out]
    await _activation(session, community_id, out, tracked, intros_open)
    posts = await q.first_posts(session, community_id, w.since, until)
    _responsiveness(out, [n for n in posts if n.member_id not in opted_out])

    active_ids = {member for member, counts in spans.items() if counts[0] and member not in opted_out}
    out.tracked_active = len(active_ids)
    receivers, givers = await q.kudos_people(session, community_id, w.since, until)  # kudos not voided
    out.recognised = len(active_ids & receivers)
    out.givers = len(givers - opted_out)
    rituals = await q.people_of_kind(session, community_id, Kind.RITUAL_PARTICIPATION, w.since, until)
    rituals |= set(await q.pairing_meetings(session, community_id, w.since, until))  # a pairing's "Yes, we met"
    out.ritual_people = len(active_ids & rituals)

    await _cohorts(session, community_id, out, opted_out)
    current = {m.id for m in people if m.id not in opted_out}
    width = len(state_ranges(w.end))
    now_spans = {member: counts[3 : 3 + width] for member, counts in spans.items()}
    then_spans = {member: counts[3 + width :] for member, counts in spans.items()}
    out.states = member_states(w.end, zone, people, current, now_spans)
    out.states_before = member_states(before_day, zone, people, current, then_spans)
    return out


async def _activation(
    session: AsyncSession, community_id: int, out: Report, tracked: list[q.NewcomerRow], intros_open: bool
) -> None:
    w = out.window
    out.newcomers = len(tracked)
    ids = [n.member_id for n in tracked]
    by_day = await q.messages_by_day(session, community_id, ids, w.start, w.end + timedelta(days=7))
    for n in tracked:
        first = local_day(n.joined_at, w.zone)
        sent = sum(
            count for day, count in by_day.get(n.member_id, {}).items() if first <= day < first + timedelta(days=7)
        )
        out.activated_1 += sent >= 1
        out.activated_3 += sent >= 3
    out.onboarded = len(await q.completed_onboarding(session, ids))
    steps = await q.steps_done(session, community_id, ids, w.since)
    first_message = sum(1 for n in tracked if n.first_message_at is not None)
    first_reply = sum(1 for n in tracked if n.first_reply_at is not None)
    # Only the checklist steps that are on: one switched off (or with nothing to take: no interests, no intros
    # channel) read 0 and made "first message" rise after it (until 2026-12-01).
    checklist = await onboarding.steps_on(session, community_id, ("rules", "interests", "intro"), intros_open)
    out.funnel = [
        ("joined", len(tracked)),
        *((step, len(steps.get(step, set()))) for step in checklist),
        ("first message", first_message),
        ("first reply", first_reply),
    ]


def _responsiveness(out: Report, posts: list[q.NewcomerRow]) -> None:
    """Time to first response of newcomers' first messages of the period (whenever they joined)."""
    posted = [n for n in posts if n.first_message_at is not None]
    out.first_posts = len(posted)
    waits = [n.first_reply_at - n.first_message_at for n in posted if n.first_reply_at and n.first_message_at]
    out.answered = len(waits)
    out.median_response = timedelta(seconds=statistics.median(w.total_seconds() for w in waits)) if waits else None
    out.within_1h = sum(1 for wait in waits if wait <= timedelta(hours=1))
    out.within_24h = sum(1 for wait in waits if wait <= timedelta(hours=24))


async def _cohorts(session: AsyncSession, community_id: int, out: Report, opted_out: set[int]) -> None:
    """Newcomers by the week they joined (this week and the COHORT_WEEKS before it, so that the oldest cohort has
    all of its later weeks): the share active in each later week."""
    w = out.window
    this_week = w.end - timedelta(days=w.end.weekday())
    first_week = this_week - timedelta(weeks=COHORT_WEEKS)
    joins = [
        n
        for n in await q.newcomers(session, community_id, Window(first_week, w.end, w.zone).since, w.until)
        if n.member_id not in opted_out
    ]
    by_week: dict[date, list[int]] = {}
    for n in joins:
        day = local_day(n.joined_at, w.zone)
        by_week.setdefault(day - timedelta(days=day.weekday()), []).append(n.member_id)
    activity = await q.messages_by_day(session, community_id, [n.member_id for n in joins], first_week, w.end)
    for start in sorted(by_week):
        members = by_week[start]
        row: list[float | None] = []
        for k in range(1, COHORT_WEEKS + 1):
            week_start = start + timedelta(weeks=k)
            if week_start > w.end:
                row.append(None)  # that week has not begun
                continue
            week_end = week_start + timedelta(days=6)
            active = sum(1 for m in members if any(week_start <= d <= week_end for d in activity.get(m, {})))
            row.append(active / len(members))
        out.cohorts.append((start, len(members), row))


def state_ranges(today: date) -> list[tuple[date, date]]:
    """The day ranges a member's state on `today` looks at (inclusive), in `member_states`' order."""

    def d(n: int) -> date:  # n days ago
        return today - timedelta(days=n)

    return [
        (d(6), today),  # 0: last 7 days
        (d(13), d(7)),  # 1: the week before
        (d(43), d(14)),  # 2: the 30 days before those two weeks
        (d(20), d(7)),  # 3: days 8-21 ago
        (d(LOOKBACK - 1), d(21)),  # 4: earlier
        (d(20), d(14)),  # 5: the third week back
        (d(27), d(21)),  # 6: the fourth week back
    ]


def member_states(
    today: date, zone: str, people: list[q.MemberRow], tracked: set[int], spans: dict[int, list[int]]
) -> dict[str, int]:
    """Each member present on `today` in one state (after TogetherCrew and Orbit; README glossary); `spans`:
    each member's active days in `state_ranges(today)`."""
    ranges = state_ranges(today)
    end_of_day = Window(today, today, zone).until
    first_new_day = today - timedelta(days=NEW_DAYS - 1)
    counts = dict.fromkeys(STATES, 0)
    for m in people:
        if m.id not in tracked or m.join_day(zone) > today or (m.left_at is not None and m.left_at < end_of_day):
            continue
        a = spans.get(m.id, [0] * len(ranges))
        # New by the day they joined, when known: not by when Hearth first saw them (a member who was there
        # before Hearth, or whom Hearth only saw speak, is not new for a fortnight after). Compared as days of
        # the community's calendar: 14 days of UTC hours back from midnight end an hour off it across a clock
        # change, and two members who joined the same evening were one new and one not.
        if m.join_known and m.join_day(zone) >= first_new_day:
            state = "new"
        elif a[0] and a[1] and a[5] and a[6]:
            state = "consistently active"
        elif a[0] and not a[3] and a[4]:
            state = "returned"
        elif a[0]:
            state = "active"
        elif a[1]:
            state = "paused"
        elif a[2]:
            state = "at risk"
        else:
            state = "dormant"
        counts[state] += 1
    return counts


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]
