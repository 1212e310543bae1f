"""The contribution ledger and its running totals.

`record()` appends rows and updates the totals in the caller's transaction. A row whose
idempotency key the community already has is skipped, and so are its points: a redelivered event or
a retried command awards nothing. Totals are kept per member for `all`, the week (Monday start) and
the month, in the community's time zone, so that leaderboards and ranks are index range reads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from operator import attrgetter, itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Dialect, and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.dialect import dialect_insert, upsert_insert
from storage.models import Contribution, Member, MemberTotal

ALL_TIME = "all"

# Which totals column, besides points, a kind of contribution counts in.
_COUNTERS = {"kudos_received": "kudos_received", "kudos_given": "kudos_given", "message": "messages"}
_COUNTER_COLUMNS = ("kudos_received", "kudos_given", "messages")
# Where each counted kind adds 1 in a totals delta [points, *counters].
_COUNTER_POSITIONS = {kind: 1 + _COUNTER_COLUMNS.index(column) for kind, column in _COUNTERS.items()}


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
    return _buckets(zone, moment.replace(second=0, microsecond=0))


@lru_cache(maxsize=4096)
def _buckets(zone: str, minute: datetime) -> tuple[str, str, str]:
    # Cached per minute: a busy batch asks for the same few minutes thousands of times.
    day = _local_date(zone, minute)
    return ALL_TIME, week_bucket(day), month_bucket(day)


def period_bucket(period: str, moment: datetime, zone: str) -> str:
    """The bucket of `period` (`week`, `month`, `all`) that contains `moment`."""
    all_time, week, month = buckets_for(moment, zone)
    return {"week": week, "month": month, "all": all_time}[period]


_LEDGER_COLUMNS = (
    "community_id",
    "member_id",
    "kind",
    "points",
    "actor_id",
    "reason",
    "channel",
    "created_at",
    "idempotency_key",
)
_TOTALS_COLUMNS = ("community_id", "bucket", "member_id", "points", *_COUNTER_COLUMNS)


@dataclass(frozen=True)
class _Statements:
    """Statements compiled once per dialect and run with driver-level `executemany` of plain tuples.

    A batch is thousands of rows; SQLAlchemy's per-row parameter processing would cost more than
    the database's own work, so `record()` binds the rows itself, in the compiled parameter order.
    """

    ledger_insert: str  # INSERT ... ON CONFLICT DO NOTHING, without RETURNING
    ledger_row: Callable[[Award], tuple[Any, ...]]
    totals_upsert: str
    totals_row: Callable[[tuple[Any, ...]], tuple[Any, ...]]  # from _TOTALS_COLUMNS order to the compiled one


@lru_cache(maxsize=8)
def _statements(dialect: Dialect) -> _Statements:
    ledger = Contribution.__table__  # type: ignore[attr-defined]
    totals = MemberTotal.__table__  # type: ignore[attr-defined]
    ledger_insert = (
        dialect_insert(dialect.name, ledger)
        .values({name: bindparam(name) for name in _LEDGER_COLUMNS})
        .on_conflict_do_nothing(index_elements=["community_id", "idempotency_key"])
    )
    upsert = dialect_insert(dialect.name, totals).values({name: bindparam(name) for name in _TOTALS_COLUMNS})
    upsert = upsert.on_conflict_do_update(
        index_elements=["community_id", "bucket", "member_id"],
        set_={column: totals.c[column] + upsert.excluded[column] for column in ("points", *_COUNTER_COLUMNS)},
    )
    ledger_compiled = ledger_insert.compile(dialect=dialect)
    totals_compiled = upsert.compile(dialect=dialect)
    if not (ledger_compiled.positiontup and totals_compiled.positiontup):
        raise RuntimeError(f"the {dialect.name} driver {dialect.driver} has no positional parameters")
    # The one column whose Python value the driver cannot take as is (SQLite stores times as text).
    bind_time = ledger.c.created_at.type.dialect_impl(dialect).bind_processor(dialect) or (lambda value: value)
    order = tuple(ledger_compiled.positiontup)
    values = attrgetter(*order)
    time_position = order.index("created_at")

    def ledger_row(award: Award) -> tuple[Any, ...]:
        row = list(values(award))
        row[time_position] = bind_time(row[time_position])
        return tuple(row)

    totals_row = itemgetter(*(_TOTALS_COLUMNS.index(name) for name in totals_compiled.positiontup))
    return _Statements(ledger_compiled.string, ledger_row, totals_compiled.string, totals_row)


async def record(session: AsyncSession, awards: Sequence[Award]) -> list[Award]:
    """Append the awards whose keys are new and add them to the totals. Returns those recorded."""
    if not awards:
        return []
    unique: dict[tuple[int, str], Award] = {}
    for award in awards:
        unique.setdefault((award.community_id, award.idempotency_key), award)
    connection = await session.connection()
    statements = _statements(connection.dialect)
    if connection.dialect.name == "sqlite":
        recorded = await _insert_sqlite(connection, statements, unique)
    else:
        recorded = await _insert_returning(session, unique)
    await _add_to_totals(connection, statements, recorded)
    return recorded


async def _insert_sqlite(
    connection: AsyncConnection, statements: _Statements, unique: dict[tuple[int, str], Award]
) -> list[Award]:
    """Plain executemany; when some keys were known, the new rows are those above the previous top id.

    That holds because a SQLite write transaction excludes every other writer, and a rowid table
    without AUTOINCREMENT numbers new rows after the current maximum.
    """
    ledger = Contribution.__table__  # type: ignore[attr-defined]
    before = (await connection.execute(select(func.max(ledger.c.id)))).scalar_one() or 0
    rows = [statements.ledger_row(award) for award in unique.values()]
    inserted = await connection.exec_driver_sql(statements.ledger_insert, rows)
    if inserted.rowcount == len(rows):
        return list(unique.values())
    new_keys = await connection.execute(
        select(ledger.c.community_id, ledger.c.idempotency_key).where(ledger.c.id > before)
    )
    return [unique[(row[0], row[1])] for row in new_keys]


async def _insert_returning(session: AsyncSession, unique: dict[tuple[int, str], Award]) -> list[Award]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING: exact when other processes write concurrently."""
    ledger = Contribution.__table__  # type: ignore[attr-defined]
    inserted = await session.execute(
        upsert_insert(session, ledger)
        .on_conflict_do_nothing(index_elements=["community_id", "idempotency_key"])
        .returning(ledger.c.community_id, ledger.c.idempotency_key),
        [{name: getattr(award, name) for name in _LEDGER_COLUMNS} for award in unique.values()],
    )
    return [unique[(row[0], row[1])] for row in inserted]


async def _add_to_totals(connection: AsyncConnection, statements: _Statements, awards: Sequence[Award]) -> None:
    """One upsert per (community, bucket, member) of the batch, in key order.

    Key order means fewer page jumps, and on PostgreSQL two concurrent batches lock rows in the same
    order, so they queue instead of deadlocking.
    """
    deltas: dict[tuple[int, str, int], list[int]] = {}
    for award in awards:
        counter = _COUNTER_POSITIONS.get(award.kind)
        for bucket in buckets_for(award.created_at, award.zone):
            key = (award.community_id, bucket, award.member_id)
            delta = deltas.get(key)
            if delta is None:
                delta = deltas[key] = [0] * (1 + len(_COUNTER_COLUMNS))
            delta[0] += award.points
            if counter:
                delta[counter] += 1
    if deltas:
        rows = [statements.totals_row((*key, *delta)) for key, delta in sorted(deltas.items())]
        await connection.exec_driver_sql(statements.totals_upsert, rows)


@dataclass(frozen=True)
class BoardRow:
    rank: int
    member_id: int
    external_id: str
    display_name: str
    points: int


async def top(session: AsyncSession, community_id: int, bucket: str, limit: int = 10) -> list[BoardRow]:
    """The leaders of one bucket (ties share a rank; earlier member ids list first)."""
    totals = MemberTotal.__table__  # type: ignore[attr-defined]
    members = Member.__table__  # type: ignore[attr-defined]
    rows = (
        await session.execute(
            select(totals.c.member_id, totals.c.points, members.c.external_id, members.c.display_name)
            .join(members, members.c.id == totals.c.member_id)
            .where(totals.c.community_id == community_id, totals.c.bucket == bucket, totals.c.points > 0)
            .order_by(totals.c.points.desc(), totals.c.member_id)
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
