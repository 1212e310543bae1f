"""Recognition's own reads beyond the ledger's totals."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, Table, false, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import health_models  # noqa: F401  (defines the ledger's partial index of rare kinds, read below)
from storage import ledger as ledger_queries
from storage.dialect import SQLITE_ROWS_PER_STATEMENT, upsert_insert
from storage.kinds import Kind
from storage.models import Contribution, LevelAnnounced, Member, MemberTotal, ReactionKudos


async def off_boards(session: AsyncSession, member_id: int) -> bool:
    """Hidden from boards by their own choice, or gone from the community. A member whose row is not written
    yet (first seen a moment ago) is on the boards."""
    table = Member.__table__  # type: ignore[attr-defined]
    found = (
        await session.execute(select(table.c.hidden_from_boards, table.c.left_at).where(table.c.id == member_id))
    ).first()
    return found is not None and (bool(found[0]) or found[1] is not None)


async def points_in(session: AsyncSession, community_id: int, bucket: str, member_ids: list[int]) -> dict[int, int]:
    """Points of these members in one totals bucket (primary-key reads; a member without a row is left out):
    the all-time points that give a board's members their levels."""
    if not member_ids:
        return {}
    totals = MemberTotal.__table__  # type: ignore[attr-defined]
    found = await session.execute(
        select(totals.c.member_id, totals.c.points).where(
            totals.c.community_id == community_id, totals.c.bucket == bucket, totals.c.member_id.in_(member_ids)
        )
    )
    return {int(member_id): int(points) for member_id, points in found}


def _on_board(community_id: int, bucket: str, *columns: Any) -> Select[Any]:
    """`columns` of the bucket's totals joined to members still here and not hidden (as `ledger.top` lists)."""
    totals = MemberTotal.__table__  # type: ignore[attr-defined]
    members = Member.__table__  # type: ignore[attr-defined]
    return (
        select(*columns)
        .select_from(totals.join(members, members.c.id == totals.c.member_id))
        .where(
            totals.c.community_id == community_id,
            totals.c.bucket == bucket,
            members.c.hidden_from_boards == false(),
            members.c.left_at.is_(None),
        )
    )


async def neighbours(
    session: AsyncSession, community_id: int, bucket: str, points: int, member_id: int, count: int
) -> tuple[list[tuple[int, int, str, str]], list[tuple[int, int, str, str]]]:
    """The `count` members just above and just below one member on a board (order: points, most first, then
    member id), each side nearest first, as (member id, points, external id, name). Read from the member's
    place on the board index (points), not counted from the top as an OFFSET would: "around me" far down a
    large board costs what it costs at the top."""
    totals = MemberTotal.__table__  # type: ignore[attr-defined]
    members = Member.__table__  # type: ignore[attr-defined]
    columns = (totals.c.member_id, totals.c.points, members.c.external_id, members.c.display_name)
    # A range on points (the index) first, the tie on member id as a filter: an OR of the two would not use it.
    above = (
        _on_board(community_id, bucket, *columns)
        .where(
            totals.c.points >= points,
            totals.c.points != 0,  # a negative total's neighbours above skip the members at 0 (off the board)
            or_(totals.c.points > points, totals.c.member_id < member_id),
        )
        .order_by(totals.c.points, totals.c.member_id.desc())
        .limit(count)
    )
    below = (
        _on_board(community_id, bucket, *columns)
        .where(
            totals.c.points != 0,
            totals.c.points <= points,
            or_(totals.c.points < points, totals.c.member_id > member_id),
        )
        .order_by(totals.c.points.desc(), totals.c.member_id)
        .limit(count)
    )
    found_above = [(int(a), int(b), str(c), str(d)) for a, b, c, d in await session.execute(above)]
    found_below = [(int(a), int(b), str(c), str(d)) for a, b, c, d in await session.execute(below)]
    return found_above, found_below


async def on_board_with(session: AsyncSession, community_id: int, bucket: str, points: int) -> int:
    """How many members on a board have exactly `points` (a tie: one index range)."""
    totals = MemberTotal.__table__  # type: ignore[attr-defined]
    query = _on_board(community_id, bucket, func.count()).where(totals.c.points == points)
    return int((await session.execute(query)).scalar_one())


async def remember_reaction(
    session: AsyncSession,
    community_id: int,
    channel: str,
    message_id: str,
    giver_id: int,
    receiver_id: int,
    ledger_key: str,
    now: datetime,
) -> None:
    table = ReactionKudos.__table__  # type: ignore[attr-defined]
    values = {
        "community_id": community_id,
        "channel": channel,
        "message_id": message_id,
        "giver_id": giver_id,
        "receiver_id": receiver_id,
        "ledger_key": ledger_key,
        "created_at": now,
    }
    await session.execute(
        upsert_insert(session, table)
        .values(values)
        .on_conflict_do_nothing(index_elements=["community_id", "channel", "message_id", "giver_id"])
    )


async def reaction_keys(session: AsyncSession, community_id: int, channel: str, message_id: str) -> list[str]:
    """The ledger keys of the kudos reactions gave on one message."""
    table = ReactionKudos.__table__  # type: ignore[attr-defined]
    found = await session.execute(
        select(table.c.ledger_key).where(
            table.c.community_id == community_id, table.c.channel == channel, table.c.message_id == message_id
        )
    )
    return [row[0] for row in found]


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


async def joined_at(session: AsyncSession, member_id: int) -> datetime | None:
    """When the member joined, as the platform says (Discord's join date, a join Hearth saw, a console
    `@name joined DATE`); None when that is unknown (a member Hearth only saw speak, there before Hearth on
    Slack or the console) or their row is not written yet. When Hearth first saw someone is not when they
    joined, so it is no answer here."""
    table = Member.__table__  # type: ignore[attr-defined]
    query = select(table.c.platform_joined_at).where(table.c.id == member_id)
    found = (await session.execute(query)).first()
    return _aware(found[0]) if found and found[0] is not None else None


async def first_seen(session: AsyncSession, member_id: int) -> datetime | None:
    """When Hearth first saw the member (their row's `joined_at`); None when their row is not written yet."""
    table = Member.__table__  # type: ignore[attr-defined]
    found = (await session.execute(select(table.c.joined_at).where(table.c.id == member_id))).first()
    return _aware(found[0]) if found else None


async def announce_level(session: AsyncSession, member_id: int, level: int) -> bool:
    """Whether `level` is above the highest level announced for the member, recording it as that highest if so
    (one statement: of two writers reaching it at once, one gets True)."""
    return member_id in await announce_levels(session, {member_id: level})


async def announce_levels(session: AsyncSession, levels: dict[int, int]) -> set[int]:
    """`announce_level` for many members ({member id: level reached}), in statements of up to
    `SQLITE_ROWS_PER_STATEMENT` members taken in id order (within the driver's limit on parameters; writers that
    meet lock rows in one order): the members whose level is above the highest announced for them, each recorded as
    their highest."""
    table = LevelAnnounced.__table__  # type: ignore[attr-defined]
    rows = [{"member_id": member_id, "level": level} for member_id, level in sorted(levels.items())]
    firsts: set[int] = set()
    for start in range(0, len(rows), SQLITE_ROWS_PER_STATEMENT):
        insert = upsert_insert(session, table).values(rows[start : start + SQLITE_ROWS_PER_STATEMENT])
        statement = insert.on_conflict_do_update(
            index_elements=["member_id"],
            set_={"level": insert.excluded.level},
            where=table.c.level < insert.excluded.level,
        ).returning(table.c.member_id)
        firsts.update((await session.execute(statement)).scalars())
    return firsts


def _taken_back(ledger: Table, undone: Sequence[str]) -> Any:
    """A `kudos_given` row the giver's kudos was taken back from for one of `undone` (the void of the giver's count,
    `void:<key>`, found by the unique (community, key) index)."""
    void = ledger.alias("void")
    return (
        select(void.c.id)
        .where(
            void.c.community_id == ledger.c.community_id,
            void.c.idempotency_key == literal("void:") + ledger.c.idempotency_key,
            void.c.reason.in_(undone),
        )
        .exists()
    )


async def last_kudos_between(
    session: AsyncSession,
    community_id: int,
    giver_id: int,
    receiver_id: int,
    since: datetime,
    undone: Sequence[str] = (),
) -> datetime | None:
    """When the giver last thanked the receiver, if after `since` (the giver's kudos_given rows: an index range);
    kudos taken back for one of `undone` (void reasons: `reaction removed`) do not count."""
    ledger = Contribution.__table__  # type: ignore[attr-defined]
    query = (
        select(ledger.c.created_at)
        .where(
            ledger.c.community_id == community_id,
            ledger.c.member_id == giver_id,
            ledger.c.kind == "kudos_given",
            ledger.c.created_at > since,
            ledger.c.actor_id == receiver_id,
        )
        .order_by(ledger.c.created_at.desc())
        .limit(1)
    )
    if undone:
        query = query.where(~_taken_back(ledger, undone))
    found = (await session.execute(query)).first()
    return _aware(found[0]) if found else None


async def row_id(session: AsyncSession, community_id: int, idempotency_key: str) -> int | None:
    return await ledger_queries.id_of(session, community_id, idempotency_key)


async def key_of(session: AsyncSession, community_id: int, row_id: int, kind: str) -> str | None:
    """The idempotency key of ledger row `row_id` when it is of `kind` in this community."""
    ledger = Contribution.__table__  # type: ignore[attr-defined]
    found = await session.execute(
        select(ledger.c.idempotency_key).where(
            ledger.c.id == row_id, ledger.c.community_id == community_id, ledger.c.kind == kind
        )
    )
    first = found.first()
    return str(first[0]) if first else None


async def giving_locked(session: AsyncSession, community_id: int, member_id: int) -> bool:
    """Whether the member's latest lock row locks (a lock, not followed by an unlock)."""
    return await ledger_queries.latest_lock(session, community_id, member_id) == Kind.GIVING_LOCKED


@dataclass(frozen=True)
class AuditRow:
    id: int
    kind: str
    member_id: int
    points: int
    actor_id: int | None
    reason: str | None
    created_at: datetime


AUDITED = ("adjustment", "kudos_void", "message_void", "giving_locked", "giving_unlocked")


async def audit(session: AsyncSession, community_id: int, member_id: int | None, limit: int = 10) -> list[AuditRow]:
    """The latest adjustments, voids and locks, newest first (of one member when given)."""
    ledger = Contribution.__table__  # type: ignore[attr-defined]
    query = select(
        ledger.c.id,
        ledger.c.kind,
        ledger.c.member_id,
        ledger.c.points,
        ledger.c.actor_id,
        ledger.c.reason,
        ledger.c.created_at,
    ).where(ledger.c.community_id == community_id, ledger.c.kind.in_(AUDITED))
    if member_id is not None:
        query = query.where(ledger.c.member_id == member_id)
    found = await session.execute(query.order_by(ledger.c.id.desc()).limit(limit))
    return [AuditRow(*row[:6], _aware(row[6]) or row[6]) for row in found]


# The partial index's own condition, stated in the query: SQLite uses a partial index only for a query that states
# its condition (`kind = 'kudos_given'` alone does not imply `kind IN (...)` to its planner).
_RARE_KINDS = next(
    index
    for index in Contribution.__table__.indexes  # type: ignore[attr-defined]
    if index.name == "ix_contribution_people_kinds"
).dialect_options["sqlite"]["where"]


@dataclass(frozen=True)
class GivenKudos:
    """One kudos as the report reads it: who gave it to whom, and when."""

    giver_id: int
    receiver_id: int
    created_at: datetime


async def kudos_since(session: AsyncSession, community_id: int, since: datetime) -> list[GivenKudos]:
    """Every kudos given in the community since `since` and not voided, oldest first.

    Read from the givers' `kudos_given` rows through the partial index of the ledger's rare kinds
    (`ix_contribution_people_kinds`: community, kind, time), so the community's message rows are never read.
    A void (`kudos_void`, dated as the kudos it takes back) is found by the receiver's key: `void:KEY` takes back
    the kudos whose given row is `KEY:given`."""
    ledger = Contribution.__table__  # type: ignore[attr-defined]
    given = await session.execute(
        select(ledger.c.member_id, ledger.c.actor_id, ledger.c.created_at, ledger.c.idempotency_key)
        .where(
            ledger.c.community_id == community_id,
            ledger.c.kind == "kudos_given",
            _RARE_KINDS,
            ledger.c.created_at >= since,
        )
        .order_by(ledger.c.created_at, ledger.c.id)
    )
    rows = [(giver, receiver, at, key) for giver, receiver, at, key in given if receiver is not None]
    receivers = sorted({receiver for _, receiver, _, _ in rows})
    voided: set[str] = set()
    for start in range(0, len(receivers), 500):
        # The receivers' voids, each an index range (community, member, kind, time): voids have no index by kind.
        found = await session.execute(
            select(ledger.c.idempotency_key).where(
                ledger.c.community_id == community_id,
                ledger.c.member_id.in_(receivers[start : start + 500]),
                ledger.c.kind == "kudos_void",
                ledger.c.created_at >= since,
            )
        )
        voided.update(key.removeprefix("void:") + ":given" for (key,) in found)
    return [GivenKudos(giver, receiver, _aware(at) or at) for giver, receiver, at, key in rows if key not in voided]


# The pairs as one parameter, so that the statement's text never changes (prepared once, whatever the batch's
# size): on SQLite a JSON array of integers, community << 32 | member (ids are 32-bit), on PostgreSQL two arrays;
# each pair joined to the totals by primary key (a row-value `IN` would make SQLite scan the totals).
_TOTALS_OF_PAIRS_SQLITE = (
    "SELECT t.member_id, t.points FROM json_each(?) AS wanted JOIN member_total AS t"
    " ON t.community_id = wanted.value >> 32 AND t.bucket = 'all' AND t.member_id = wanted.value & 4294967295"
)
_TOTALS_OF_PAIRS_POSTGRESQL = (
    "SELECT t.member_id, t.points FROM unnest(CAST($1 AS INTEGER[]), CAST($2 AS INTEGER[]))"
    " AS wanted(community_id, member_id) JOIN member_total AS t"
    " ON t.community_id = wanted.community_id AND t.bucket = 'all' AND t.member_id = wanted.member_id"
)


async def all_time_points(session: AsyncSession, members: Sequence[tuple[int, int]]) -> dict[int, int]:
    """All-time points of (community id, member id) pairs, by member id (a member without a total is left out).

    One statement however many communities the members belong to (it runs with every activity batch), sent as
    the driver's own SQL: on SQLite one trip to aiosqlite's thread, as storage/ledger.py reads."""
    if not members:
        return {}
    # In key order: the index is walked forwards, not at random (4,000 members a batch read in 60% of the time).
    members = sorted(members)
    connection = await session.connection()
    totals: Sequence[Sequence[Any]]
    if connection.dialect.name == "sqlite":
        raw = await connection.get_raw_connection()
        pairs = json.dumps([community_id << 32 | member_id for community_id, member_id in members])
        totals = list(await raw.driver_connection.execute_fetchall(_TOTALS_OF_PAIRS_SQLITE, (pairs,)))  # type: ignore[union-attr]
    else:
        communities, member_ids = [c for c, _ in members], [m for _, m in members]
        totals = (await connection.exec_driver_sql(_TOTALS_OF_PAIRS_POSTGRESQL, (communities, member_ids))).all()
    return {int(member_id): int(points) for member_id, points in totals}


async def members_with_points(session: AsyncSession, community_id: int) -> list[tuple[int, int]]:
    """(member id, all-time points) of every member with points in the community, most first: those hidden from
    boards too (whom the boards leave out), for `/levels sync`. Points below 0, and 0 for a member who reached a
    level (`level_announced`), count too: such a member may hold a level role Hearth could not take away when
    their points dropped, which the sync is there to repair. Other members at 0 are left out: every newcomer has
    a 0-point row, and reading them would cost a large server a call to the platform per lurker and role."""
    totals = MemberTotal.__table__  # type: ignore[attr-defined]
    announced = LevelAnnounced.__table__  # type: ignore[attr-defined]
    found = await session.execute(
        select(totals.c.member_id, totals.c.points)
        .where(
            totals.c.community_id == community_id,
            totals.c.bucket == "all",
            or_(totals.c.points != 0, totals.c.member_id.in_(select(announced.c.member_id))),
        )
        .order_by(totals.c.points.desc(), totals.c.member_id)
    )
    return [(int(member_id), int(points)) for member_id, points in found]


async def points_by_key_prefix(session: AsyncSession, community_id: int, prefix: str) -> dict[int, list[int]]:
    """Points of each ledger row whose idempotency key starts with `prefix`, by member id (a range read on the
    unique (community, key) index: keys from `prefix` up to, not including, `prefix` with its last character
    raised by one)."""
    ledger = Contribution.__table__  # type: ignore[attr-defined]
    end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    found = await session.execute(
        select(ledger.c.member_id, ledger.c.points).where(
            ledger.c.community_id == community_id,
            ledger.c.idempotency_key >= prefix,
            ledger.c.idempotency_key < end,
        )
    )
    rows: dict[int, list[int]] = {}
    for member_id, points in found:
        rows.setdefault(int(member_id), []).append(int(points))
    return rows
