"""The contribution ledger and its running totals.

`record()` appends rows and updates the totals in the caller's transaction. A row whose
idempotency key the community already has is skipped, and so are its points: a redelivered event or
a retried command awards nothing. Totals are kept per member for `all`, the week (Monday start) and
the month, in the community's time zone, so that leaderboards and ranks are index range reads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import upsert_insert
from storage.models import Contribution, Member, MemberTotal

ALL_TIME = "all"

# Which totals column, besides points, a kind of contribution counts in.
_COUNTERS = {"kudos_received": "kudos_received", "kudos_given": "kudos_given", "message": "messages"}
_COUNTER_COLUMNS = ("kudos_received", "kudos_given", "messages")


@dataclass(frozen=True)
class Award:
    """One ledger row to be. `zone` is the community's time zone: it picks the week and month."""

    community_id: int
    member_id: int
    kind: str
    points: int
    idempotency_key: str
    created_at: datetime
    zone: str = "UTC"
    actor_id: int | None = None
    reason: str | None = None
    channel: str | None = None


@lru_cache(maxsize=4096)
def _local_date(zone: str, moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def week_bucket(day: date) -> str:
    return f"week:{(day - timedelta(days=day.weekday())).isoformat()}"


def month_bucket(day: date) -> str:
    return f"month:{day.year:04d}-{day.month:02d}"


def buckets_for(moment: datetime, zone: str) -> tuple[str, str, str]:
    day = _local_date(zone, moment.replace(second=0, microsecond=0))
    return ALL_TIME, week_bucket(day), month_bucket(day)


def period_bucket(period: str, moment: datetime, zone: str) -> str:
    """The bucket of `period` (`week`, `month`, `all`) that contains `moment`."""
    all_time, week, month = buckets_for(moment, zone)
    return {"week": week, "month": month, "all": all_time}[period]


@dataclass
class _Delta:
    points: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTER_COLUMNS, 0))


async def record(session: AsyncSession, awards: Sequence[Award]) -> list[Award]:
    """Append the awards whose keys are new and add them to the totals. Returns those recorded."""
    if not awards:
        return []
    ledger = Contribution.__table__  # type: ignore[attr-defined]
    unique: dict[tuple[int, str], Award] = {}
    for award in awards:
        unique.setdefault((award.community_id, award.idempotency_key), award)
    inserted = await session.execute(
        upsert_insert(session, ledger)
        .on_conflict_do_nothing(index_elements=["community_id", "idempotency_key"])
        .returning(ledger.c.community_id, ledger.c.idempotency_key),
        [
            {
                "community_id": a.community_id,
                "member_id": a.member_id,
                "kind": a.kind,
                "points": a.points,
                "actor_id": a.actor_id,
                "reason": a.reason,
                "channel": a.channel,
                "created_at": a.created_at,
                "idempotency_key": a.idempotency_key,
            }
            for a in unique.values()
        ],
    )
    recorded = [unique[(row[0], row[1])] for row in inserted]
    await _add_to_totals(session, recorded)
    return recorded


async def _add_to_totals(session: AsyncSession, awards: Sequence[Award]) -> None:
    deltas: dict[tuple[int, str, int], _Delta] = defaultdict(_Delta)
    for award in awards:
        counter = _COUNTERS.get(award.kind)
        for bucket in buckets_for(award.created_at, award.zone):
            delta = deltas[(award.community_id, bucket, award.member_id)]
            delta.points += award.points
            if counter:
                delta.counts[counter] += 1
    if not deltas:
        return
    totals = MemberTotal.__table__  # type: ignore[attr-defined]
    statement = upsert_insert(session, totals)
    statement = statement.on_conflict_do_update(
        index_elements=["community_id", "bucket", "member_id"],
        set_={column: totals.c[column] + statement.excluded[column] for column in ("points", *_COUNTER_COLUMNS)},
    )
    await session.execute(
        statement,
        [
            {"community_id": c, "bucket": b, "member_id": m, "points": d.points, **d.counts}
            for (c, b, m), d in deltas.items()
        ],
    )


@dataclass(frozen=True)
class BoardRow:
    rank: int
    member_id: int
    external_id: str
    display_name: str
    points: int


async def top(
    session: AsyncSession, community_id: int, bucket: str, limit: int = 10, measure: str = "points"
) -> list[BoardRow]:
    """The leaders of one bucket (ties share a rank; earlier member ids list first).

    `measure` is a totals column (`points`, `kudos_received`, ...); each row's `points` holds it.
    """
    totals = MemberTotal.__table__  # type: ignore[attr-defined]
    members = Member.__table__  # type: ignore[attr-defined]
    value = totals.c[measure]
    rows = (
        await session.execute(
            select(totals.c.member_id, value.label("points"), members.c.external_id, members.c.display_name)
            .join(members, members.c.id == totals.c.member_id)
            .where(totals.c.community_id == community_id, totals.c.bucket == bucket, value > 0)
            .order_by(value.desc(), totals.c.member_id)
            .limit(limit)
        )
    ).all()
    board: list[BoardRow] = []
    for position, row in enumerate(rows, start=1):
        rank = board[-1].rank if board and board[-1].points == row.points else position
        board.append(BoardRow(rank, row.member_id, row.external_id, row.display_name, row.points))
    return board


@dataclass(frozen=True)
class Standing:
    points: int
    rank: int | None
    ranked_members: int
    kudos_received: int
    kudos_given: int
    messages: int


async def standing(session: AsyncSession, community_id: int, bucket: str, member_id: int) -> Standing:
    """A member's totals in a bucket and their rank: 1 + how many have more points (index count)."""
    totals = MemberTotal.__table__  # type: ignore[attr-defined]
    in_bucket = and_(totals.c.community_id == community_id, totals.c.bucket == bucket)
    mine = (
        await session.execute(
            select(totals.c.points, totals.c.kudos_received, totals.c.kudos_given, totals.c.messages).where(
                in_bucket, totals.c.member_id == member_id
            )
        )
    ).first()
    ranked = (
        await session.execute(select(func.count()).select_from(totals).where(in_bucket, totals.c.points > 0))
    ).scalar_one()
    if mine is None:
        return Standing(0, None, int(ranked), 0, 0, 0)
    rank: int | None = None
    if mine.points > 0:
        ahead = (
            await session.execute(
                select(func.count()).select_from(totals).where(in_bucket, totals.c.points > mine.points)
            )
        ).scalar_one()
        rank = int(ahead) + 1
    return Standing(mine.points, rank, int(ranked), mine.kudos_received, mine.kudos_given, mine.messages)


async def count_since(session: AsyncSession, community_id: int, member_id: int, kind: str, since: datetime) -> int:
    """How many rows of `kind` a member has had since a moment (e.g. kudos given today)."""
    ledger = Contribution.__table__  # type: ignore[attr-defined]
    found = await session.execute(
        select(func.count())
        .select_from(ledger)
        .where(
            ledger.c.community_id == community_id,
            ledger.c.member_id == member_id,
            ledger.c.kind == kind,
            ledger.c.created_at >= since,
        )
    )
    return int(found.scalar_one())


async def exists(session: AsyncSession, community_id: int, idempotency_key: str) -> bool:
    ledger = Contribution.__table__  # type: ignore[attr-defined]
    found = await session.execute(
        select(ledger.c.id).where(ledger.c.community_id == community_id, ledger.c.idempotency_key == idempotency_key)
    )
    return found.first() is not None
