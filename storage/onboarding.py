"""Onboarding: configuration, journeys, interest choices, exactly-once notices, welcomers.

Which steps a member completed is read from the ledger (`onboarding_step` rows whose reason is the
step), so the funnel lives where every other contribution does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from config.community import CommunitySettings
from storage.dialect import upsert_insert
from storage.kinds import Kind
from storage.models import (
    Community,
    Contribution,
    Member,
    OnboardingChoice,
    OnboardingConfig,
    OnboardingInterest,
    OnboardingJourney,
    OnboardingNotice,
    Welcomer,
)
from storage.times import as_utc


def _table(model: Any) -> Any:
    return model.__table__


@dataclass(frozen=True)
class Setup:
    rules_text: str = ""
    welcome_message: str = ""
    access_kind: str | None = None
    access_id: str | None = None
    access_name: str = ""
    optional_steps: frozenset[str] = frozenset()
    disabled_steps: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Interest:
    key: str
    label: str
    target_kind: str  # "role" or "channel"
    target_id: str
    target_name: str


@dataclass(frozen=True)
class Journey:
    """An open or finished journey, with what a platform needs to reach the member."""

    member_id: int
    community_id: int
    joined_at: datetime
    completed_at: datetime | None
    welcomer_id: int | None
    external_id: str
    display_name: str
    platform: str
    community_external_id: str
    community_name: str


def _split(text: str) -> frozenset[str]:
    return frozenset(part for part in text.split(",") if part)


async def load_setup(session: AsyncSession, community_id: int) -> Setup:
    table = _table(OnboardingConfig)
    row = (await session.execute(select(table).where(table.c.community_id == community_id))).first()
    if row is None:
        return Setup()
    return Setup(
        row.rules_text,
        row.welcome_message,
        row.access_kind,
        row.access_id,
        row.access_name,
        _split(row.optional_steps),
        _split(row.disabled_steps),
    )


async def save_setup(session: AsyncSession, community_id: int, setup: Setup) -> None:
    table = _table(OnboardingConfig)
    values = {
        "rules_text": setup.rules_text,
        "welcome_message": setup.welcome_message,
        "access_kind": setup.access_kind,
        "access_id": setup.access_id,
        "access_name": setup.access_name,
        "optional_steps": ",".join(sorted(setup.optional_steps)),
        "disabled_steps": ",".join(sorted(setup.disabled_steps)),
    }
    statement = upsert_insert(session, table).values(community_id=community_id, **values)
    await session.execute(statement.on_conflict_do_update(index_elements=["community_id"], set_=values))


def intros_open(settings: CommunitySettings) -> bool:
    """Whether a newcomer can post an introduction: the introductions feature is loaded (its `intro_points`
    setting is known) and an intros channel is set. Until then the intro step is not on the checklist,
    as the interests step is not until there are interests, so nobody is held at a step they cannot take."""
    return settings.has("intro_points") and bool(settings.basics.intros_channel)


async def steps_on(session: AsyncSession, community_id: int, steps: Sequence[str], intros_open: bool) -> list[str]:
    """Which of `steps` (checklist step names, in order) are on the community's checklist: not switched off, and
    `interests` only while there are interests to choose, `intro` only while introductions are open (`intros_open`:
    the introductions feature loaded and an intros channel set), so nobody is held at a step they cannot take.
    The onboarding cog's checklist and health's funnel both read it."""
    setup = await load_setup(session, community_id)
    has_interests = bool(await interests(session, community_id))
    return [
        step
        for step in steps
        if step not in setup.disabled_steps
        and (step != "interests" or has_interests)
        and (step != "intro" or intros_open)
    ]


async def interests(session: AsyncSession, community_id: int) -> list[Interest]:
    table = _table(OnboardingInterest)
    rows = await session.execute(select(table).where(table.c.community_id == community_id).order_by(table.c.label))
    return [Interest(r.key, r.label, r.target_kind, r.target_id, r.target_name) for r in rows]


async def save_interest(session: AsyncSession, community_id: int, interest: Interest) -> None:
    table = _table(OnboardingInterest)
    values = {
        "label": interest.label,
        "target_kind": interest.target_kind,
        "target_id": interest.target_id,
        "target_name": interest.target_name,
    }
    statement = upsert_insert(session, table).values(community_id=community_id, key=interest.key, **values)
    await session.execute(statement.on_conflict_do_update(index_elements=["community_id", "key"], set_=values))


async def remove_interest(session: AsyncSession, community_id: int, key: str) -> bool:
    """Stop offering an interest, and forget who chose it: kept, the choice would come back with an interest of
    the same name offered again, shown as theirs with a role or channel they were never given."""
    table = _table(OnboardingInterest)
    done = await session.execute(delete(table).where(table.c.community_id == community_id, table.c.key == key))
    await forget_choices(session, community_id, key)
    return bool(done.rowcount)  # type: ignore[attr-defined]


async def forget_choices(session: AsyncSession, community_id: int, key: str) -> None:
    """Forget who chose the interest `key` (removed, or now giving another role or channel)."""
    chosen = _table(OnboardingChoice)
    await session.execute(delete(chosen).where(chosen.c.community_id == community_id, chosen.c.interest_key == key))


# -- journeys ----------------------------------------------------------------------------------------------------


async def start_journey(session: AsyncSession, community_id: int, member_id: int, now: datetime) -> bool:
    """True when this is the member's first journey (a redelivered or repeated join starts nothing)."""
    table = _table(OnboardingJourney)
    done = await session.execute(
        upsert_insert(session, table)
        .values(member_id=member_id, community_id=community_id, joined_at=now)
        .on_conflict_do_nothing(index_elements=["member_id"])
        .returning(table.c.member_id)
    )
    return done.first() is not None


async def restart_journey(session: AsyncSession, member_id: int, now: datetime) -> None:
    """A member back after leaving with steps still open: their time at the current step counts from now, not
    from their first arrival (the days they were gone are no time spent stuck). A finished journey is left as is."""
    table = _table(OnboardingJourney)
    await session.execute(
        update(table).where(table.c.member_id == member_id, table.c.completed_at.is_(None)).values(joined_at=now)
    )


def _journey_query() -> Any:
    journeys, members, communities = _table(OnboardingJourney), _table(Member), _table(Community)
    return (
        select(
            journeys,
            members.c.external_id,
            members.c.display_name,
            communities.c.platform,
            communities.c.external_id.label("community_external_id"),
            communities.c.name.label("community_name"),
        )
        .join(members, members.c.id == journeys.c.member_id)
        .join(communities, communities.c.id == journeys.c.community_id)
    )


def _journey(row: Any) -> Journey:
    return Journey(
        row.member_id,
        row.community_id,
        as_utc(row.joined_at),
        as_utc(row.completed_at) if row.completed_at else None,
        row.welcomer_id,
        row.external_id,
        row.display_name,
        row.platform,
        row.community_external_id,
        row.community_name,
    )


async def journey(session: AsyncSession, member_id: int) -> Journey | None:
    journeys = _table(OnboardingJourney)
    row = (await session.execute(_journey_query().where(journeys.c.member_id == member_id))).first()
    return _journey(row) if row else None


async def open_journeys(session: AsyncSession, community_id: int | None = None) -> list[Journey]:
    """Journeys not yet complete of members still here (one community, or all for the sweep)."""
    journeys, members = _table(OnboardingJourney), _table(Member)
    query = _journey_query().where(journeys.c.completed_at.is_(None), members.c.left_at.is_(None))
    if community_id is not None:
        query = query.where(journeys.c.community_id == community_id)
    rows = await session.execute(query.order_by(journeys.c.joined_at, journeys.c.member_id))
    return [_journey(row) for row in rows]


async def done_steps(
    session: AsyncSession, community_id: int, member_ids: Sequence[int]
) -> dict[int, dict[str, datetime]]:
    """When each member completed each step, from the ledger."""
    ledger = _table(Contribution)
    found: dict[int, dict[str, datetime]] = defaultdict(dict)
    if not member_ids:
        return found
    rows = await session.execute(
        select(ledger.c.member_id, ledger.c.reason, ledger.c.created_at).where(
            ledger.c.community_id == community_id,
            ledger.c.kind == Kind.ONBOARDING_STEP,
            ledger.c.member_id.in_(list(member_ids)),
        )
    )
    for row in rows:
        found[row.member_id][row.reason] = as_utc(row.created_at)
    return found


async def introduced(session: AsyncSession, community_id: int, member_ids: Sequence[int]) -> set[int]:
    """Those of the members who have posted an introduction (its `intro` row, whatever its points)."""
    if not member_ids:
        return set()
    ledger = _table(Contribution)
    rows = await session.execute(
        select(ledger.c.member_id)
        .where(
            ledger.c.community_id == community_id,
            ledger.c.kind == Kind.INTRO,
            ledger.c.member_id.in_(list(member_ids)),
        )
        .distinct()
    )
    return set(rows.scalars())


async def _claim_moment(session: AsyncSession, member_id: int, column: str, now: datetime) -> bool:
    """Set a journey's still-empty timestamp; True only for the one caller that set it."""
    table = _table(OnboardingJourney)
    done = await session.execute(
        update(table)
        .where(table.c.member_id == member_id, table.c[column].is_(None))
        .values({column: now})
        .returning(table.c.member_id)
    )
    return done.first() is not None


async def mark_complete(session: AsyncSession, member_id: int, now: datetime) -> bool:
    """Claim the completion; True only for the one caller that completed it."""
    return await _claim_moment(session, member_id, "completed_at", now)


async def set_choices(session: AsyncSession, community_id: int, member_id: int, keys: Iterable[str]) -> None:
    table = _table(OnboardingChoice)
    await session.execute(delete(table).where(table.c.member_id == member_id))
    rows = [{"member_id": member_id, "interest_key": key, "community_id": community_id} for key in keys]
    if rows:
        await session.execute(table.insert(), rows)


async def choices(session: AsyncSession, member_id: int) -> list[str]:
    table = _table(OnboardingChoice)
    rows = await session.execute(select(table.c.interest_key).where(table.c.member_id == member_id))
    return sorted(row.interest_key for row in rows)


# -- exactly-once notices ------------------------------------------------------------------------------------------


async def claim_notice(session: AsyncSession, member_id: int, step: str, kind: str, now: datetime) -> bool:
    """True for the one caller that may send this nudge/alert, ever (a unique row, claimed first)."""
    table = _table(OnboardingNotice)
    done = await session.execute(
        upsert_insert(session, table)
        .values(member_id=member_id, step=step, kind=kind, sent_at=now)
        .on_conflict_do_nothing(index_elements=["member_id", "step", "kind"])
        .returning(table.c.member_id)
    )
    return done.first() is not None


async def release_notice(session: AsyncSession, member_id: int, step: str, kind: str) -> None:
    """Give a claim back when sending failed, so a later sweep tries again."""
    table = _table(OnboardingNotice)
    await session.execute(
        delete(table).where(table.c.member_id == member_id, table.c.step == step, table.c.kind == kind)
    )


async def notices(session: AsyncSession, member_ids: Sequence[int]) -> set[tuple[int, str, str]]:
    table = _table(OnboardingNotice)
    if not member_ids:
        return set()
    rows = await session.execute(
        select(table.c.member_id, table.c.step, table.c.kind).where(table.c.member_id.in_(list(member_ids)))
    )
    return {(row.member_id, row.step, row.kind) for row in rows}


# -- public welcomes -----------------------------------------------------------------------------------------------


async def recent_welcomes(session: AsyncSession, community_id: int, since: datetime) -> tuple[int, int]:
    """(public welcomes posted or queued since `since`, welcomes waiting in the queue).

    Locks the community's row for the rest of the transaction: in a raid the joins arrive at once, and
    unless they count and decide one at a time, each sees fewer than `raid_joins` welcomes and gets one
    of its own (PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers already, and has no FOR UPDATE).
    """
    communities = _table(Community)
    await session.execute(select(communities.c.id).where(communities.c.id == community_id).with_for_update())
    table = _table(OnboardingJourney)
    recent = await session.execute(
        select(func.count()).where(
            table.c.community_id == community_id,
            (table.c.welcomed_at >= since) | (table.c.welcome_queued_at >= since),
        )
    )
    waiting = await session.execute(
        select(func.count()).where(
            table.c.community_id == community_id,
            table.c.welcome_queued_at.is_not(None),
            table.c.welcomed_at.is_(None),
        )
    )
    return int(recent.scalar_one()), int(waiting.scalar_one())


async def mark_welcomed(session: AsyncSession, member_id: int, now: datetime) -> bool:
    return await _claim_moment(session, member_id, "welcomed_at", now)


async def queue_welcome(session: AsyncSession, member_id: int, now: datetime) -> None:
    table = _table(OnboardingJourney)
    await session.execute(
        update(table)
        .where(table.c.member_id == member_id, table.c.welcomed_at.is_(None), table.c.welcome_queued_at.is_(None))
        .values(welcome_queued_at=now)
    )


async def take_queued_welcomes(
    session: AsyncSession, community_id: int, queued_before: datetime, now: datetime
) -> list[int]:
    """Claim the waiting welcomes queued before a moment; returns their member ids, oldest first."""
    table = _table(OnboardingJourney)
    done = await session.execute(
        update(table)
        .where(
            table.c.community_id == community_id,
            table.c.welcomed_at.is_(None),
            table.c.welcome_queued_at.is_not(None),
            table.c.welcome_queued_at <= queued_before,
        )
        .values(welcomed_at=now)
        .returning(table.c.member_id, table.c.welcome_queued_at)
    )
    return [row.member_id for row in sorted(done, key=lambda row: (row.welcome_queued_at, row.member_id))]


async def communities_with_queued_welcomes(session: AsyncSession) -> list[int]:
    table = _table(OnboardingJourney)
    rows = await session.execute(
        select(table.c.community_id)
        .where(table.c.welcome_queued_at.is_not(None), table.c.welcomed_at.is_(None))
        .distinct()
    )
    return [row.community_id for row in rows]


# -- welcomers -----------------------------------------------------------------------------------------------------


async def set_welcomer(session: AsyncSession, community_id: int, member_id: int, active: bool) -> bool:
    """Volunteer or step back; False when nothing changed."""
    table = _table(Welcomer)
    current = (await session.execute(select(table.c.active).where(table.c.member_id == member_id))).first()
    if current is not None and current.active == active:
        return False
    if current is None and not active:
        return False
    statement = upsert_insert(session, table).values(member_id=member_id, community_id=community_id, active=active)
    await session.execute(statement.on_conflict_do_update(index_elements=["member_id"], set_={"active": active}))
    return True


_ONE_MICROSECOND = timedelta(microseconds=1)


async def assign_welcomer(session: AsyncSession, community_id: int, newcomer_id: int, now: datetime) -> int | None:
    """Pair the newcomer with the available welcomer assigned least recently (never assigned first).

    On PostgreSQL a welcomer being assigned in another transaction is skipped, so that newcomers joining
    together get different welcomers; only when every one is taken right now do two share one. (SQLite's
    BEGIN IMMEDIATE serialises the assignments already.)
    """
    welcomers, members, journeys = _table(Welcomer), _table(Member), _table(OnboardingJourney)
    least_recent = (
        select(welcomers.c.member_id)
        .join(members, members.c.id == welcomers.c.member_id)
        .where(
            welcomers.c.community_id == community_id,
            welcomers.c.active.is_(True),
            welcomers.c.member_id != newcomer_id,
            members.c.left_at.is_(None),
        )
        .order_by(welcomers.c.last_assigned_at.is_not(None), welcomers.c.last_assigned_at, welcomers.c.member_id)
        .limit(1)
    )
    found = (await session.execute(least_recent.with_for_update(of=welcomers, skip_locked=True))).first()
    if found is None:
        found = (await session.execute(least_recent)).first()
    if found is None:
        return None
    # Stamped after every earlier assignment, however close: newcomers joining in the same moment (a server
    # import, a script) would otherwise leave every welcomer equally recent and the tie would go to one of them.
    latest = (
        await session.execute(
            select(func.max(welcomers.c.last_assigned_at)).where(welcomers.c.community_id == community_id)
        )
    ).scalar()
    stamp = max(now, as_utc(latest) + _ONE_MICROSECOND) if latest is not None else now
    await session.execute(
        update(welcomers).where(welcomers.c.member_id == found.member_id).values(last_assigned_at=stamp)
    )
    await session.execute(
        update(journeys).where(journeys.c.member_id == newcomer_id).values(welcomer_id=found.member_id)
    )
    return int(found.member_id)
