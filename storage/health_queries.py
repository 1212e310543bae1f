"""Reads behind the community-health figures: grouped in the database, one row per member at most.

Days are the community's calendar days (as the aggregates were written); moments are naive UTC.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, literal, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import upsert_insert
from storage.health import join_day, local_day
from storage.health_models import (
    PEOPLE_KINDS,
    PEOPLE_KINDS_SQL,
    HealthChannelDay,
    HealthDigest,
    HealthMemberDay,
    HealthMood,
    HealthNewcomer,
    HealthOutreach,
    LadderInvitation,
    LadderVolunteer,
)
from storage.kinds import Kind
from storage.models import Contribution, Member, OnboardingJourney, Ritual, RitualParticipation, RitualRun

_day = HealthMemberDay.__table__  # type: ignore[attr-defined]
_channel = HealthChannelDay.__table__  # type: ignore[attr-defined]
_newcomer = HealthNewcomer.__table__  # type: ignore[attr-defined]
_member = Member.__table__  # type: ignore[attr-defined]
_ledger = Contribution.__table__  # type: ignore[attr-defined]
_journey = OnboardingJourney.__table__  # type: ignore[attr-defined]
_mood = HealthMood.__table__  # type: ignore[attr-defined]
_outreach = HealthOutreach.__table__  # type: ignore[attr-defined]
_digest = HealthDigest.__table__  # type: ignore[attr-defined]
_invitation = LadderInvitation.__table__  # type: ignore[attr-defined]
_volunteer = LadderVolunteer.__table__  # type: ignore[attr-defined]
_ritual = Ritual.__table__  # type: ignore[attr-defined]
_run = RitualRun.__table__  # type: ignore[attr-defined]
_participation = RitualParticipation.__table__  # type: ignore[attr-defined]


def _of_kinds(*kinds: Kind) -> ColumnElement[bool]:
    """Ledger rows of these kinds; for the rare kinds also stated as the partial index's own condition, so
    that SQLite (and PostgreSQL's generic plans) read them through ix_contribution_people_kinds rather than
    the community's whole slice of ix_contribution_member_kind_time (0.13 s against 7 ms at 10M rows)."""
    values = [kind.value for kind in kinds]
    matches = _ledger.c.kind == values[0] if len(values) == 1 else _ledger.c.kind.in_(values)
    return and_(text(PEOPLE_KINDS_SQL), matches) if set(values) <= set(PEOPLE_KINDS) else matches


def _not_voided() -> ColumnElement[bool]:
    """Kudos received that no `kudos_void` took back (a reaction removed within the grace period, a moderator's
    `/recognition void`): the void is the receiver's row keyed `void:` + the kudos' key (by the unique key)."""
    void = Contribution.__table__.alias("void")  # type: ignore[attr-defined]
    return ~(
        select(void.c.id)
        .where(
            void.c.community_id == _ledger.c.community_id,
            void.c.idempotency_key == literal("void:") + _ledger.c.idempotency_key,
        )
        .exists()
    )


def _given_not_voided() -> ColumnElement[bool]:
    """Kudos given whose kudos no void took back. A giver's row is keyed as the kudos plus `:given`, its actor the
    receiver. The void of it is the giver's own `kudos_given_void`, keyed `void:` + that key and dated as the kudos,
    found through the giver's (community, member, kind, time) index: the receiver's `kudos_void` goes with the
    receiver's data (`/mydata delete`), and read alone it made a giver of whoever's kudos to them had been taken back
    (until 2026-12-02). The receiver's void still counts where it is the only one (voids from before givers had
    theirs)."""
    void = Contribution.__table__.alias("void")  # type: ignore[attr-defined]
    own = (
        select(void.c.id)
        .where(
            void.c.community_id == _ledger.c.community_id,
            void.c.member_id == _ledger.c.member_id,
            void.c.kind == Kind.KUDOS_GIVEN_VOID.value,
            void.c.created_at == _ledger.c.created_at,
            void.c.idempotency_key == literal("void:") + _ledger.c.idempotency_key,
        )
        .exists()
    )
    receivers = (
        select(void.c.id)
        .where(
            void.c.community_id == _ledger.c.community_id,
            void.c.member_id == _ledger.c.actor_id,
            void.c.kind == Kind.KUDOS_VOID.value,
            void.c.created_at == _ledger.c.created_at,
            void.c.idempotency_key + literal(":given") == literal("void:") + _ledger.c.idempotency_key,
        )
        .exists()
    )
    return ~or_(own, receivers)


# A member is active on a day when they did something themselves: wrote or reacted.
_ACTIVE = or_(_day.c.messages > 0, _day.c.reactions_given > 0)


@dataclass(frozen=True)
class MemberRow:
    id: int
    joined_at: datetime  # when they joined as the platform says (or Hearth saw them join), else first seen
    left_at: datetime | None
    opted_out: bool
    join_known: bool  # False: Hearth only saw them speak (or named in a script): when they joined is unknown

    def join_day(self, zone: str) -> date:
        """The community's calendar day they joined (a date-only join is that date in every zone)."""
        return join_day(self.joined_at, zone) if self.join_known else local_day(self.joined_at, zone)


async def members(session: AsyncSession, community_id: int) -> list[MemberRow]:
    """Every person (no bots) the community has had, departed ones too."""
    rows = await session.execute(
        select(
            _member.c.id,
            _member.c.joined_at,
            _member.c.left_at,
            _member.c.health_opt_out,
            _member.c.platform_joined_at,
        ).where(_member.c.community_id == community_id, _member.c.is_bot.is_(False))
    )
    return [
        MemberRow(row[0], row[1] if row[4] is None else min(row[1], row[4]), row[2], bool(row[3]), row[4] is not None)
        for row in rows
    ]


async def has_left(session: AsyncSession, member_id: int) -> bool:
    """Whether the member left the community (and has not come back)."""
    found = await session.execute(select(_member.c.left_at).where(_member.c.id == member_id))
    return found.scalar() is not None


async def active_days(
    session: AsyncSession, community_id: int, ranges: Sequence[tuple[date, date]]
) -> dict[int, list[int]]:
    """Per member, how many days they were active in each inclusive range (members active in none left out).

    The ranges' ends cut the span into consecutive segments, and each range is a run of them. The database
    marks each active day with its segment's letter and joins a member's letters into one string; a member's
    count in a range is then a difference of prefix sums of letter counts. That is one comparison chain and
    one aggregate per row where a sum per range costs one aggregate per range per row (0.07 s of CPU against
    0.25 s for 17 ranges over 180,000 member-days).
    """
    low, high = min(r[0] for r in ranges), max(r[1] for r in ranges)
    cuts = sorted({start for start, _ in ranges} | {end + timedelta(days=1) for _, end in ranges})
    letters = string.ascii_letters[: len(cuts) - 1]
    if len(letters) < len(cuts) - 1:
        raise ValueError(f"{len(ranges)} ranges cut the span into more than {len(letters)} segments")
    segment = case(*((_day.c.day < cut, letter) for cut, letter in zip(cuts[1:], letters, strict=True)))
    rows = await session.execute(
        select(_day.c.member_id, func.aggregate_strings(segment, ""))
        .where(_day.c.community_id == community_id, _day.c.day.between(low, high), _ACTIVE)
        .group_by(_day.c.member_id)
    )
    # Range i is segments cuts.index(start) up to (not including) cuts.index(end + 1 day).
    bounds = [(cuts.index(end + timedelta(days=1)), cuts.index(start)) for start, end in ranges]
    found: dict[int, list[int]] = {}
    for member_id, marks in rows:
        before = [0, *accumulate(map(marks.count, letters))]  # active days before each cut
        found[member_id] = [before[stop] - before[first] for stop, first in bounds]
    return found


async def daily_active(session: AsyncSession, community_id: int, start: date, end: date) -> dict[date, int]:
    rows = await session.execute(
        select(_day.c.day, func.count())
        .where(_day.c.community_id == community_id, _day.c.day.between(start, end), _ACTIVE)
        .group_by(_day.c.day)
    )
    return {_as_date(row[0]): int(row[1]) for row in rows}


async def daily_messages(session: AsyncSession, community_id: int, start: date, end: date) -> dict[date, int]:
    rows = await session.execute(
        select(_channel.c.day, func.sum(_channel.c.messages))
        .where(_channel.c.community_id == community_id, _channel.c.day.between(start, end))
        .group_by(_channel.c.day)
    )
    return {_as_date(row[0]): int(row[1] or 0) for row in rows}


async def message_totals(session: AsyncSession, community_id: int, start: date, end: date) -> tuple[int, int]:
    """(messages, replies) in the community's channels over the days."""
    row = (
        await session.execute(
            select(func.sum(_channel.c.messages), func.sum(_channel.c.replies)).where(
                _channel.c.community_id == community_id, _channel.c.day.between(start, end)
            )
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


_NEWCOMER_COLUMNS = (
    _newcomer.c.member_id,
    _newcomer.c.joined_at,
    _newcomer.c.first_message_at,
    _newcomer.c.first_reply_at,
    _newcomer.c.first_message_id,
    _newcomer.c.first_message_channel,
)


@dataclass(frozen=True)
class NewcomerRow:
    member_id: int
    joined_at: datetime
    first_message_at: datetime | None
    first_reply_at: datetime | None
    first_message_id: str | None
    first_message_channel: str | None


async def newcomers(session: AsyncSession, community_id: int, since: datetime, until: datetime) -> list[NewcomerRow]:
    """Newcomers who joined in a window."""
    return await _newcomers_by(session, community_id, _newcomer.c.joined_at, since, until)


async def first_posts(session: AsyncSession, community_id: int, since: datetime, until: datetime) -> list[NewcomerRow]:
    """Newcomers whose first message falls in a window, whenever they joined (time to first response counts
    first messages of the period, CHAOSS's habit: a newcomer who joined earlier and spoke up now is in it)."""
    return await _newcomers_by(session, community_id, _newcomer.c.first_message_at, since, until)


async def _newcomers_by(
    session: AsyncSession, community_id: int, moment: Any, since: datetime, until: datetime
) -> list[NewcomerRow]:
    """A community's newcomers whose `moment` column falls in [since, until)."""
    rows = await session.execute(
        select(*_NEWCOMER_COLUMNS).where(_newcomer.c.community_id == community_id, moment >= since, moment < until)
    )
    return [NewcomerRow(*row) for row in rows]


async def awaiting_reply(session: AsyncSession, since: datetime) -> list[tuple[int, NewcomerRow]]:
    """(community, newcomer) of every community whose newcomer joined since then and has no reply yet."""
    rows = await session.execute(
        select(_newcomer.c.community_id, *_NEWCOMER_COLUMNS).where(
            _newcomer.c.first_reply_at.is_(None), _newcomer.c.joined_at >= since
        )
    )
    return [(row[0], NewcomerRow(*row[1:])) for row in rows]


async def unalerted(session: AsyncSession, posted_before: datetime) -> list[tuple[int, NewcomerRow]]:
    """Newcomers' first posts older than a moment, unanswered and not yet reported, in every community, oldest
    first; only of newcomers still in the community who did not opt out of health figures (`/privacy health:out`)."""
    rows = await session.execute(
        select(_newcomer.c.community_id, *_NEWCOMER_COLUMNS)
        .join(_member, _member.c.id == _newcomer.c.member_id)
        .where(
            _newcomer.c.first_reply_at.is_(None),
            _newcomer.c.alerted_at.is_(None),
            _newcomer.c.first_message_at.is_not(None),
            _newcomer.c.first_message_at <= posted_before,
            _member.c.left_at.is_(None),
            _member.c.health_opt_out.is_(False),
        )
        .order_by(_newcomer.c.first_message_at, _newcomer.c.member_id)
    )
    return [(row[0], NewcomerRow(*row[1:])) for row in rows]


async def next_unanswered(session: AsyncSession) -> datetime | None:
    """The earliest first post still unanswered and unreported (when the next alert may fall due)."""
    return (
        await session.execute(
            select(func.min(_newcomer.c.first_message_at)).where(
                _newcomer.c.first_reply_at.is_(None),
                _newcomer.c.alerted_at.is_(None),
                _newcomer.c.first_message_at.is_not(None),
            )
        )
    ).scalar()


async def claim_alert(session: AsyncSession, member_id: int, now: datetime) -> bool:
    """Mark a newcomer's unanswered post reported; False when someone (another process) already did."""
    result = await session.execute(
        update(_newcomer)
        .where(_newcomer.c.member_id == member_id, _newcomer.c.alerted_at.is_(None))
        .values(alerted_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def steps_done(
    session: AsyncSession, community_id: int, member_ids: Sequence[int], since: datetime
) -> dict[str, set[int]]:
    """Which of these members completed which onboarding step (ledger rows), since a moment."""
    if not member_ids:
        return {}
    rows = await session.execute(
        select(_ledger.c.reason, _ledger.c.member_id)
        .where(
            _ledger.c.community_id == community_id,
            _of_kinds(Kind.ONBOARDING_STEP),
            _ledger.c.created_at >= since,
            _ledger.c.member_id.in_(list(member_ids)),
        )
        .distinct()
    )
    found: dict[str, set[int]] = {}
    for reason, member_id in rows:
        found.setdefault(reason or "", set()).add(member_id)
    return found


async def completed_onboarding(session: AsyncSession, member_ids: Sequence[int]) -> set[int]:
    if not member_ids:
        return set()
    rows = await session.execute(
        select(_journey.c.member_id).where(
            _journey.c.member_id.in_(list(member_ids)), _journey.c.completed_at.is_not(None)
        )
    )
    return {row[0] for row in rows}


async def messages_by_day(
    session: AsyncSession, community_id: int, member_ids: Sequence[int], start: date, end: date
) -> dict[int, dict[date, int]]:
    """Messages per member per day (for newcomers' first week, cohorts)."""
    if not member_ids:
        return {}
    rows = await session.execute(
        select(_day.c.member_id, _day.c.day, _day.c.messages, _day.c.reactions_given).where(
            _day.c.community_id == community_id,
            _day.c.day.between(start, end),
            _day.c.member_id.in_(list(member_ids)),
            _ACTIVE,
        )
    )
    found: dict[int, dict[date, int]] = {}
    for member_id, day, messages, _reactions in rows:
        found.setdefault(member_id, {})[_as_date(day)] = int(messages)
    return found


async def people_of_kind(
    session: AsyncSession,
    community_id: int,
    kind: Kind,
    since: datetime,
    until: datetime,
    *kept: ColumnElement[bool],
) -> set[int]:
    """Distinct members with a ledger row of a kind in a window (through the partial people-kinds index), of the
    rows `kept` (conditions on the row, such as no void having taken it back) allows."""
    rows = await session.execute(
        select(_ledger.c.member_id)
        .where(
            _ledger.c.community_id == community_id,
            _of_kinds(kind),
            _ledger.c.created_at >= since,
            _ledger.c.created_at < until,
            *kept,
        )
        .distinct()
    )
    return {row[0] for row in rows}


async def pairing_meetings(
    session: AsyncSession, community_id: int, since: datetime, until: datetime
) -> dict[int, int]:
    """Per member, the pairing rounds they met in, credited in a window: taking part in a pairing ritual. Its ledger
    rows are a kind of their own, a "Not this time" taking one back by a row of the opposite points; the rituals'
    participation table loses the member instead, so it is read here (a community's pairing rituals, their runs,
    the participations: a few rows a week)."""
    rows = await session.execute(
        select(_participation.c.member_id, func.count())
        .select_from(
            _participation.join(_run, _run.c.id == _participation.c.run_id).join(
                _ritual, _ritual.c.id == _run.c.ritual_id
            )
        )
        .where(
            _ritual.c.community_id == community_id,
            _ritual.c.kind == "pairing",
            _participation.c.created_at >= since,
            _participation.c.created_at < until,
        )
        .group_by(_participation.c.member_id)
    )
    return {int(row[0]): int(row[1]) for row in rows}


async def thanked_by(session: AsyncSession, community_id: int, since: datetime, until: datetime) -> dict[int, int]:
    """Per member, how many distinct members thanked them (kudos received and not voided; actor = giver) in a
    window."""
    rows = await session.execute(
        select(_ledger.c.member_id, func.count(func.distinct(_ledger.c.actor_id)))
        .where(
            _ledger.c.community_id == community_id,
            _of_kinds(Kind.KUDOS_RECEIVED),
            _ledger.c.created_at >= since,
            _ledger.c.created_at < until,
            _not_voided(),
        )
        .group_by(_ledger.c.member_id)
    )
    return {row[0]: int(row[1]) for row in rows if row[1]}


async def kudos_people(
    session: AsyncSession, community_id: int, since: datetime, until: datetime
) -> tuple[set[int], set[int]]:
    """(who received kudos, who gave them) in a window, of the kudos no void took back."""
    received = await people_of_kind(session, community_id, Kind.KUDOS_RECEIVED, since, until, _not_voided())
    given = await people_of_kind(session, community_id, Kind.KUDOS_GIVEN, since, until, _given_not_voided())
    return received, given


async def count_of_kind(
    session: AsyncSession, community_id: int, kinds: Sequence[Kind], since: datetime, until: datetime
) -> dict[int, int]:
    """Per member, rows of these kinds in a window."""
    rows = await session.execute(
        select(_ledger.c.member_id, func.count())
        .where(
            _ledger.c.community_id == community_id,
            _of_kinds(*kinds),
            _ledger.c.created_at >= since,
            _ledger.c.created_at < until,
        )
        .group_by(_ledger.c.member_id)
    )
    return {row[0]: int(row[1]) for row in rows}


@dataclass(frozen=True)
class Habits:
    member_id: int
    last_day: date
    active_days: int
    messages: int
    replies: int
    reactions: int


async def habits(
    session: AsyncSession, community_id: int, start: date, end: date, quiet_from: date | None = None
) -> dict[int, Habits]:
    """What each member active in the range did there, and their last active day in it (only those last active
    before `quiet_from`, when given)."""
    query = (
        select(
            _day.c.member_id,
            func.max(_day.c.day),
            func.count(),
            func.sum(_day.c.messages),
            func.sum(_day.c.replies_given),
            func.sum(_day.c.reactions_given),
        )
        .where(_day.c.community_id == community_id, _day.c.day.between(start, end), _ACTIVE)
        .group_by(_day.c.member_id)
    )
    if quiet_from is not None:
        query = query.having(func.max(_day.c.day) < quiet_from)
    rows = await session.execute(query)
    return {
        row[0]: Habits(row[0], _as_date(row[1]), int(row[2]), int(row[3] or 0), int(row[4] or 0), int(row[5] or 0))
        for row in rows
    }


async def gone_quiet(
    session: AsyncSession, community_id: int, start: date, split: date, end: date
) -> dict[int, Habits]:
    """Members active between `start` and the day before `split` and not from `split` to `end`, with what they
    did before: one grouped read that returns only them."""
    return await habits(session, community_id, start, end, quiet_from=split)


async def outreach(session: AsyncSession, community_id: int) -> dict[int, datetime]:
    rows = await session.execute(
        select(_outreach.c.member_id, _outreach.c.at).where(_outreach.c.community_id == community_id)
    )
    return {row[0]: row[1] for row in rows}


async def mark_outreach(session: AsyncSession, community_id: int, member_id: int, by_id: int, at: datetime) -> None:
    insert = upsert_insert(session, _outreach).values(
        member_id=member_id, community_id=community_id, by_id=by_id, at=at
    )
    await session.execute(insert.on_conflict_do_update(index_elements=["member_id"], set_={"by_id": by_id, "at": at}))


@dataclass(frozen=True)
class MoodDay:
    channel: str
    day: date
    messages: int
    mean: float
    positive: int
    neutral: int
    negative: int
    authors: int


async def moods(session: AsyncSession, community_id: int, start: date, end: date, channel: str | None) -> list[MoodDay]:
    query = (
        select(
            _mood.c.channel,
            _mood.c.day,
            _mood.c.messages,
            _mood.c.compound_sum,
            _mood.c.positive,
            _mood.c.neutral,
            _mood.c.negative,
            _mood.c.authors,
        )
        .where(_mood.c.community_id == community_id, _mood.c.day.between(start, end))
        .order_by(_mood.c.channel, _mood.c.day)
    )
    if channel is not None:
        query = query.where(_mood.c.channel == channel)
    rows = await session.execute(query)
    return [
        MoodDay(row[0], _as_date(row[1]), int(row[2]), float(row[3]) / max(1, int(row[2])), *map(int, row[4:]))
        for row in rows
    ]


async def has_moods(session: AsyncSession, community_id: int) -> bool:
    found = await session.execute(select(_mood.c.day).where(_mood.c.community_id == community_id).limit(1))
    return found.first() is not None


async def forget_moods(session: AsyncSession, community_id: int) -> None:
    """Sentiment switched off: its aggregates go."""
    await session.execute(delete(_mood).where(_mood.c.community_id == community_id))


async def claim_digest(session: AsyncSession, community_id: int, week: date, now: datetime) -> bool:
    """Claim a community's digest for a week; False when it was claimed already (a restart, another process)."""
    insert = upsert_insert(session, _digest).values(community_id=community_id, week=week, claimed_at=now, posted=False)
    result = await session.execute(insert.on_conflict_do_nothing(index_elements=["community_id", "week"]))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_digest_posted(session: AsyncSession, community_id: int, week: date) -> None:
    """A claimed digest reached the moderators' channel (a claim left unposted: the post failed, see the log)."""
    await session.execute(
        update(_digest).where(_digest.c.community_id == community_id, _digest.c.week == week).values(posted=True)
    )


async def invite(
    session: AsyncSession, community_id: int, member_id: int, role: str, grant: str | None, by: int, now: datetime
) -> int:
    result = await session.execute(
        _invitation.insert()
        .values(
            community_id=community_id,
            member_id=member_id,
            role=role,
            grant_role_id=grant,
            invited_by=by,
            status="open",
            created_at=now,
        )
        .returning(_invitation.c.id)
    )
    return int(result.scalar_one())


@dataclass(frozen=True)
class Invitation:
    id: int
    community_id: int
    member_id: int
    role: str
    grant_role_id: str | None
    status: str
    invited_by: int | None  # None once the inviter's data was deleted


async def answer_invitation(session: AsyncSession, invitation_id: int, status: str, now: datetime) -> Invitation | None:
    """Accept or decline an open invitation; None when there is none open by that id (answered already)."""
    result = await session.execute(
        update(_invitation)
        .where(_invitation.c.id == invitation_id, _invitation.c.status == "open")
        .values(status=status, answered_at=now)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    return await invitation(session, invitation_id)


async def open_invitation(session: AsyncSession, community_id: int, member_id: int, role: str) -> int | None:
    """The member's unanswered invitation to a role, if any (the latest)."""
    found = await session.execute(
        select(func.max(_invitation.c.id)).where(
            _invitation.c.community_id == community_id,
            _invitation.c.member_id == member_id,
            _invitation.c.role == role,
            _invitation.c.status == "open",
        )
    )
    number = found.scalar()
    return None if number is None else int(number)


async def set_invitation_grant(session: AsyncSession, invitation_id: int, grant: str) -> None:
    """The role an open invitation gives once accepted (the admin named another when inviting again)."""
    await session.execute(update(_invitation).where(_invitation.c.id == invitation_id).values(grant_role_id=grant))


async def invitation(session: AsyncSession, invitation_id: int) -> Invitation | None:
    row = (
        await session.execute(
            select(
                _invitation.c.id,
                _invitation.c.community_id,
                _invitation.c.member_id,
                _invitation.c.role,
                _invitation.c.grant_role_id,
                _invitation.c.status,
                _invitation.c.invited_by,
            ).where(_invitation.c.id == invitation_id)
        )
    ).first()
    return Invitation(*row) if row else None


async def volunteer(session: AsyncSession, community_id: int, member_id: int, role: str, now: datetime) -> bool:
    insert = upsert_insert(session, _volunteer).values(
        community_id=community_id, member_id=member_id, role=role, created_at=now
    )
    result = await session.execute(insert.on_conflict_do_nothing(index_elements=["community_id", "member_id", "role"]))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def volunteers(session: AsyncSession, community_id: int) -> dict[int, set[str]]:
    rows = await session.execute(
        select(_volunteer.c.member_id, _volunteer.c.role).where(_volunteer.c.community_id == community_id)
    )
    found: dict[int, set[str]] = {}
    for member_id, role in rows:
        found.setdefault(member_id, set()).add(role)
    return found


def _as_date(value: object) -> date:
    """SQLite hands grouped dates back as text."""
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
