"""The contribution ledger and its running totals.

`record()` appends rows and updates the totals in the caller's transaction. A row whose
idempotency key the community already has is skipped, and so are its points: a redelivered event or
a retried command awards nothing. Totals are kept per member for `all`, the week (Monday start) and
the month, in the community's time zone, so that leaderboards and ranks are index range reads.
"""

from __future__ import annotations

import json
import time
from bisect import bisect_right
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache, partial
from operator import attrgetter, itemgetter
from typing import Any
from weakref import WeakKeyDictionary, WeakSet
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    Dialect,
    Engine,
    and_,
    bindparam,
    case,
    event,
    false,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.dml import UpdateBase

from storage import seasons
from storage.dialect import (
    SQLITE_ROWS_PER_STATEMENT,
    Compiled,
    bind_processor,
    dialect_insert,
    fetch,
    insert_rows_sqlite,
    upsert_insert,
)
from storage.kinds import Kind
from storage.models import OFF_BOARDS_SQL, Contribution, Member, MemberTotal

ALL_TIME = "all"
PERIODS = ("week", "month", "quarter", "year", "all")

# Which board category each kind of contribution counts in (besides the overall board). A category board
# is a totals bucket of its own, `<period bucket>~<category>`, so it is the same index read as the overall
# board. Kinds not listed (kudos given, onboarding steps) count only overall.
CATEGORIES = ("kudos", "activity", "rituals", "welcomes", "intro")
CATEGORY_OF = {
    "kudos_received": "kudos",
    "kudos_void": "kudos",
    "message": "activity",
    "message_void": "activity",
    "ritual_participation": "rituals",
    "ritual_pairing_met": "rituals",
    "welcomer_completed": "welcomes",
    "intro_welcome": "welcomes",
    "intro": "intro",
}

_TAGGED = ("kudos_received", "kudos_void")

# Which totals column, besides points, a kind of contribution counts in.
_COUNTERS = {"kudos_received": "kudos_received", "kudos_given": "kudos_given", "message": "messages"}
_COUNTER_COLUMNS = ("kudos_received", "kudos_given", "messages")
_TOTALS_COLUMNS = ("community_id", "bucket", "member_id", "points", *_COUNTER_COLUMNS)
# Each counted kind's steps in the counter columns (kudos_received, kudos_given, messages), in that order;
# a void takes 1 back from what it voids.
_VOIDED = {"kudos_void": "kudos_received", "kudos_given_void": "kudos_given", "message_void": "message"}
_STEPS = {**{kind: (kind, 1) for kind in _COUNTERS}, **{void: (kind, -1) for void, kind in _VOIDED.items()}}
_COUNTS_OF = {
    kind: tuple(step if _COUNTERS[counted] == column else 0 for column in _COUNTER_COLUMNS)
    for kind, (counted, step) in _STEPS.items()
}
_NO_COUNTS = (0, 0, 0)


@dataclass(frozen=True, slots=True)
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
    # Value tags (`#helpful`) of kudos received or voided: each also counts in the `~tag:NAME` buckets.
    tags: tuple[str, ...] = ()
    # Buckets it also counts in, named as they are (not periods of its time): set by `record` (`_before_seasons`).
    also_in: tuple[str, ...] = ()


def tag_category(tag: str) -> str:
    """The board category of a value tag: its boards are totals buckets like the other categories'."""
    return f"tag:{tag}"


def week_bucket(day: date) -> str:
    return f"week:{(day - timedelta(days=day.weekday())).isoformat()}"


def month_bucket(day: date) -> str:
    return f"month:{day.year:04d}-{day.month:02d}"


def quarter_bucket(day: date) -> str:
    return f"quarter:{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def year_bucket(day: date) -> str:
    return f"year:{day.year:04d}"


def buckets_for(moment: datetime, zone: str) -> tuple[str, str, str, str, str]:
    """all, week, month, quarter, year (in PERIODS order after `all`) containing `moment` in `zone`."""
    return _buckets(zone, moment.timestamp() // 60)


@lru_cache(maxsize=4096)
def _buckets(zone: str, minute: float) -> tuple[str, str, str, str, str]:
    # Cached per minute (every zone's offset is whole minutes): a busy batch asks for the same few
    # minutes thousands of times.
    day = datetime.fromtimestamp(minute * 60, ZoneInfo(zone)).date()
    return ALL_TIME, week_bucket(day), month_bucket(day), quarter_bucket(day), year_bucket(day)


def period_bucket(period: str, moment: datetime, zone: str, category: str | None = None) -> str:
    """The bucket of `period` (`week`, `month`, `quarter`, `year`, `all`) that contains `moment`, overall or
    of one category."""
    all_time, week, month, quarter, year = buckets_for(moment, zone)
    bucket = {"week": week, "month": month, "quarter": quarter, "year": year, "all": all_time}[period]
    return category_bucket(bucket, category) if category else bucket


def category_bucket(bucket: str, category: str) -> str:
    return f"{bucket}~{category}"


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


@dataclass(frozen=True)
class _Statements:
    ledger_insert: Compiled  # INSERT ... ON CONFLICT DO NOTHING, without RETURNING
    ledger_row: Callable[[Award], tuple[Any, ...]]  # parameters of ledger_insert
    newest_keys: Compiled
    totals_upsert: Compiled  # parameters in _TOTALS_COLUMNS order
    bind_time: Callable[[datetime], Any]  # a time as the driver takes it (SQLite stores text)
    top: dict[str, Compiled]  # by measure: `points` or a counter column
    standing: Compiled
    # A member's row and how many off-board members are ranked and ahead: the rest comes from a _Board.
    own_standing: Compiled
    board: Compiled  # every member's points in a bucket
    count_since: Compiled
    exists: Compiled  # the id of the row with a key, if any
    latest_lock: Compiled  # the kind of a member's latest lock or unlock row
    # Kudos a giver gave since a moment, less those taken back for one of two reasons (`undone_0`, `undone_1`).
    kudos_left_given: Compiled


def _sqlite_time(moment: datetime) -> str:
    """The text SQLAlchemy stores for a time on SQLite: naive UTC with microseconds (cheaper than its processors)."""
    return moment.astimezone(UTC).isoformat(" ", "microseconds")[:26]  # without the "+00:00"


@lru_cache(maxsize=8)
def _statements(dialect: Dialect) -> _Statements:
    ledger = Contribution.__table__  # type: ignore[attr-defined]
    totals = MemberTotal.__table__  # type: ignore[attr-defined]
    members = Member.__table__  # type: ignore[attr-defined]
    ledger_insert = Compiled.of(
        dialect_insert(dialect.name, ledger)
        .values({name: bindparam(name) for name in _LEDGER_COLUMNS})
        .on_conflict_do_nothing(index_elements=["community_id", "idempotency_key"]),
        dialect,
    )
    upsert = dialect_insert(dialect.name, totals).values({name: bindparam(name) for name in _TOTALS_COLUMNS})
    totals_upsert = Compiled.of(
        upsert.on_conflict_do_update(
            index_elements=["community_id", "bucket", "member_id"],
            set_={column: totals.c[column] + upsert.excluded[column] for column in ("points", *_COUNTER_COLUMNS)},
        ),
        dialect,
    )
    if (ledger_insert.order, totals_upsert.order) != (_LEDGER_COLUMNS, _TOTALS_COLUMNS):
        raise RuntimeError(f"{dialect.name} orders INSERT parameters unlike their columns")
    bind_time = _sqlite_time if dialect.name == "sqlite" else bind_processor(ledger.c.created_at, dialect)

    def ledger_row(award: Award) -> tuple[Any, ...]:  # in _LEDGER_COLUMNS order
        return (
            award.community_id,
            award.member_id,
            award.kind,
            award.points,
            award.actor_id,
            award.reason,
            award.channel,
            bind_time(award.created_at),
            award.idempotency_key,
        )

    in_bucket = and_(totals.c.community_id == bindparam("community_id"), totals.c.bucket == bindparam("bucket"))
    # Boards show members who are still here and did not ask to be hidden (`/privacy`); they are not counted
    # ahead of anyone either, so a rank is a place on the board people see. Counts stay index-only over the
    # totals, less the few off-board members (a partial index on member) with totals in the bucket.
    # Written as the partial index's own condition, so that SQLite's planner recognises it.
    off_board = text(f"({OFF_BOARDS_SQL})")
    on_board = and_(members.c.hidden_from_boards == false(), members.c.left_at.is_(None))
    listed = members.c.id == totals.c.member_id
    mine = totals.alias("mine")
    hidden = totals.alias("hidden")

    def everyone_count(above_total: Callable[[Any], Any]) -> Any:
        """How many members of the bucket have `above_total(their points)` true (an index count)."""
        return select(func.count()).where(in_bucket, above_total(totals.c.points)).scalar_subquery()

    def off_board_count(above_total: Callable[[Any], Any]) -> Any:
        """How many off-board members of the bucket have `above_total(their points)` true.

        Off-board members first (the partial index), each one's total by primary key: never a walk over the
        bucket's totals, which a join would let the planner choose.
        """
        their_total = (
            select(hidden.c.points)
            .where(
                hidden.c.community_id == bindparam("community_id"),
                hidden.c.bucket == bindparam("bucket"),
                hidden.c.member_id == members.c.id,
            )
            .scalar_subquery()
        )
        return (
            select(func.count())
            .select_from(members)
            .where(members.c.community_id == bindparam("community_id"), off_board, above_total(their_total))
            .scalar_subquery()
        )

    def on_board_count(above_total: Callable[[Any], Any]) -> Any:
        return everyone_count(above_total) - off_board_count(above_total)

    # On a board: every member whose total is not 0 (a negative total ranks below zero, README "Leaderboards").
    # Each count one index range: those above 0 and those below; ahead of a negative total, those above it
    # less those at exactly 0 (off the board).
    ranked = on_board_count(lambda points: points > 0) + on_board_count(lambda points: points < 0)
    ahead = on_board_count(lambda points: points > mine.c.points) - case(
        (mine.c.points < 0, on_board_count(lambda points: points == 0)), else_=0
    )
    one = select(literal(1).label("one")).subquery()
    is_mine = and_(
        mine.c.community_id == bindparam("community_id"),
        mine.c.bucket == bindparam("bucket"),
        mine.c.member_id == bindparam("member_id"),
    )
    of_member_kind = and_(
        ledger.c.community_id == bindparam("community_id"),
        ledger.c.member_id == bindparam("member_id"),
        ledger.c.kind == bindparam("kind"),
    )
    return _Statements(
        ledger_insert=ledger_insert,
        ledger_row=ledger_row,
        newest_keys=Compiled.of(
            select(ledger.c.community_id, ledger.c.idempotency_key)
            .order_by(ledger.c.id.desc())
            .limit(bindparam("count")),
            dialect,
        ),
        totals_upsert=totals_upsert,
        bind_time=bind_time,
        top={
            measure: Compiled.of(
                select(totals.c.member_id, totals.c[measure], members.c.external_id, members.c.display_name)
                .join(members, listed)
                .where(in_bucket, totals.c[measure] != 0, on_board)
                .order_by(totals.c[measure].desc(), totals.c.member_id)
                .limit(bindparam("limit"))
                .offset(bindparam("offset")),
                dialect,
            )
            for measure in ("points", *_COUNTER_COLUMNS)
        },
        # One statement: a member's row, outer-joined to a single row so that a member without one
        # still learns how many are ranked, and their rank as 1 + how many have more points.
        standing=Compiled.of(
            select(
                mine.c.points,
                mine.c.kudos_received,
                mine.c.kudos_given,
                mine.c.messages,
                ranked.label("ranked"),
                case((mine.c.points != 0, ahead)).label("ahead"),
            ).select_from(one.outerjoin(mine, is_mine)),
            dialect,
        ),
        own_standing=Compiled.of(
            select(
                mine.c.points,
                mine.c.kudos_received,
                mine.c.kudos_given,
                mine.c.messages,
                (off_board_count(lambda points: points > 0) + off_board_count(lambda points: points < 0)).label(
                    "off_board_ranked"
                ),
                case(
                    (
                        mine.c.points != 0,
                        off_board_count(lambda points: points > mine.c.points)
                        - case((mine.c.points < 0, off_board_count(lambda points: points == 0)), else_=0),
                    )
                ).label("off_board_ahead"),
            ).select_from(one.outerjoin(mine, is_mine)),
            dialect,
        ),
        board=Compiled.of(select(totals.c.member_id, totals.c.points).where(in_bucket), dialect),
        count_since=Compiled.of(
            select(func.count()).where(of_member_kind, ledger.c.created_at >= bindparam("since")), dialect
        ),
        exists=Compiled.of(
            select(ledger.c.id).where(
                ledger.c.community_id == bindparam("community_id"),
                ledger.c.idempotency_key == bindparam("idempotency_key"),
            ),
            dialect,
        ),
        latest_lock=Compiled.of(
            select(ledger.c.kind)
            .where(
                ledger.c.community_id == bindparam("community_id"),
                ledger.c.member_id == bindparam("member_id"),
                ledger.c.kind.in_(
                    [bindparam("locked", Kind.GIVING_LOCKED.value), bindparam("unlocked", Kind.GIVING_UNLOCKED.value)]
                ),
            )
            .order_by(ledger.c.created_at.desc(), ledger.c.id.desc())
            .limit(1),
            dialect,
        ),
        kudos_left_given=Compiled.of(
            select(
                select(func.count())
                .where(
                    ledger.c.community_id == bindparam("community_id"),
                    ledger.c.member_id == bindparam("member_id"),
                    ledger.c.kind == bindparam("given", Kind.KUDOS_GIVEN.value),
                    ledger.c.created_at >= bindparam("since"),
                )
                .scalar_subquery()
                - select(func.count())
                .where(
                    ledger.c.community_id == bindparam("community_id"),
                    ledger.c.member_id == bindparam("member_id"),
                    ledger.c.kind == bindparam("given_void", Kind.KUDOS_GIVEN_VOID.value),
                    ledger.c.created_at >= bindparam("since"),
                    ledger.c.reason.in_([bindparam("undone_0"), bindparam("undone_1")]),
                )
                .scalar_subquery()
            ),
            dialect,
        ),
    )


async def _query(session: AsyncSession, pick: Callable[[_Statements], Compiled], **values: Any) -> list[Sequence[Any]]:
    """The rows (as tuples) of the compiled query `pick` chooses, in the session's transaction."""
    connection = await session.connection()
    return await fetch(session, pick(_statements(connection.dialect)), values)


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
    await _add_to_totals(connection, statements, await _before_seasons(session, recorded))
    return recorded


def _takes_back(award: Award) -> bool:
    """A void, or a row of the opposite points dated as the row it takes back (a pairing's yes undone by a
    group mate's "Not this time"). An adjustment is neither: one taking points is dated when it is made, and
    an import's, dated 2000-01-01, counts on a running season's board as its other lines do."""
    return award.kind in _VOIDED or (award.points < 0 and award.kind != "adjustment")


async def _before_seasons(session: AsyncSession, awards: list[Award]) -> list[Award]:
    """`awards`, where one taking back a row (`_takes_back`) also counts where the seasons' boards need it to.

    From before its community's running season, it counts in that season's start copy
    (`storage.seasons.start_bucket`): a season's board is all time less the copy, and the row taken back is in
    both, so the board is left as it was (it showed the member below 0). From within a closed season, it counts
    in that season's board (`storage.seasons.board_bucket`), written once at its close, as it counts in the
    week and month it is dated in (until 2026-12-02 kudos voided after their season closed stayed on its board)."""
    communities = {award.community_id for award in awards if _takes_back(award)}
    if not communities:
        return awards
    known = {c: found for c in sorted(communities) if (found := await seasons.every(session, c))}
    return [
        replace(award, also_in=buckets)
        if _takes_back(award) and (buckets := _season_buckets(award, known.get(award.community_id, [])))
        else award
        for award in awards
    ]


def _season_buckets(award: Award, community_seasons: list[seasons.SeasonRow]) -> tuple[str, ...]:
    """The season buckets a row taking back one dated `award.created_at` counts in (`_before_seasons`)."""
    buckets: list[str] = []
    for season in community_seasons:
        if season.closed_at is None:
            if award.created_at < season.started_at:
                buckets.append(seasons.start_bucket(season.id))
        elif season.started_at <= award.created_at < season.closed_at:
            buckets.append(seasons.board_bucket(season.id))
    return tuple(buckets)


async def _insert_sqlite(
    connection: AsyncConnection, statements: _Statements, unique: dict[tuple[int, str], Award]
) -> list[Award]:
    """Insert without RETURNING. When some keys were known already, the new rows are the newest ones.

    That holds because a SQLite write transaction excludes every other writer, and a rowid table
    without AUTOINCREMENT numbers each new row one above the current maximum.
    """
    rows = [statements.ledger_row(award) for award in unique.values()]
    inserted = await insert_rows_sqlite(connection, statements.ledger_insert.sql, rows)
    if inserted == len(rows):
        return list(unique.values())
    newest = statements.newest_keys
    new_keys = await connection.exec_driver_sql(newest.sql, newest.parameters({"count": inserted}))
    fresh = {tuple(row) for row in new_keys}
    return [award for key, award in unique.items() if key in fresh]


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
    """One upsert row per (award, bucket): each period overall, in the award's category and its tags' boards.

    Not merged per (community, bucket, member) in memory: a batch of message activity holds a member once
    (the activity cooldown outlasts a batch), and where a key repeats the upsert adds each row in turn.
    On SQLite the awards go by community and member (`_upsert_totals_sqlite`); on PostgreSQL the rows go
    exactly in key order, so that two concurrent batches lock rows in the same order and queue instead of
    deadlocking.
    """
    if not awards:
        return
    groups = _totals_groups(awards)
    if connection.dialect.name == "sqlite":
        await _upsert_totals_sqlite(connection, statements.totals_upsert.sql, groups)
        await totals_written(connection, {community for community, _ in groups}, partial(_totals_rows, groups))
        return
    # PostgreSQL: one statement over arrays, not a statement per row (executemany), which cost the server
    # ten statements per message. One statement may not touch a row twice: rows are merged per key first.
    merged: dict[tuple[int, str, int], list[int]] = {}
    for community, bucket, member_id, *counts in _totals_rows(groups):
        key = (community, bucket, member_id)
        found = merged.get(key)
        if found is None:
            merged[key] = counts
        else:
            found[:] = [a + b for a, b in zip(found, counts, strict=True)]
    keys = sorted(merged)
    columns = [*zip(*keys, strict=True), *zip(*(merged[key] for key in keys), strict=True)]
    statement = _totals_from_arrays(connection.dialect)
    await connection.exec_driver_sql(
        statement.sql, statement.parameters(dict(zip(_TOTALS_COLUMNS, map(list, columns), strict=True)))
    )
    await totals_written(
        connection, {key[0] for key in keys}, lambda held: [(*key, *merged[key]) for key in keys if key[:2] in held]
    )


# A batch's awards grouped by (community, the buckets they count in); each award as (member id, points,
# kudos received, kudos given, messages). A busy batch has a handful of groups of hundreds of awards.
_Groups = dict[tuple[int, tuple[str, ...]], list[tuple[int, ...]]]


def _totals_groups(awards: Sequence[Award]) -> _Groups:
    groups: _Groups = {}
    for award in awards:
        kind = award.kind
        buckets = _award_buckets(award.zone, award.created_at.timestamp() // 60, CATEGORY_OF.get(kind))
        if award.tags and kind in _TAGGED:
            periods = buckets[:5]
            for tag in award.tags:
                buckets = (*buckets, *_category_buckets(periods, tag_category(tag)))
        if award.also_in:
            buckets = (*buckets, *award.also_in)
        entry = (award.member_id, award.points, *_COUNTS_OF.get(kind, _NO_COUNTS))
        group = groups.get((award.community_id, buckets))
        if group is None:
            groups[(award.community_id, buckets)] = [entry]
        else:
            group.append(entry)
    return groups


def _totals_rows(groups: _Groups, only: Collection[tuple[int, str]] | None = None) -> list[tuple[Any, ...]]:
    """The totals upsert's rows, in `_TOTALS_COLUMNS` order, sorted by community, bucket and member; with `only`,
    those of these (community, bucket) keys alone."""
    rows = [
        (community, bucket, *entry)
        for (community, buckets), entries in groups.items()
        for bucket in buckets
        if only is None or (community, bucket) in only
        for entry in entries
    ]
    rows.sort(key=_TOTALS_KEY)
    return rows


_TOTALS_KEY = itemgetter(0, 1, 2)


async def _upsert_totals_sqlite(connection: AsyncConnection, single_row_upsert: str, groups: _Groups) -> None:
    """The totals upserts of a batch, each award sent once with its community and the buckets it counts in (a
    JSON list, one per group): SQLite spells out the (award, bucket) rows itself (`json_each`). Seven parameters
    an award, not seventy, and a tenth of the statements: building and binding those was most of a batch's cost
    on the event loop and in the driver. Awards go by community and member, so that the upserts of one bucket
    visit its B-tree pages in order, not at random (in a random order they took a third longer).
    """
    head, _, tail = single_row_upsert.partition(" VALUES (")
    _, _, conflict = tail.partition(")")
    values: list[Any] = []
    for (community, buckets), entries in sorted(groups.items()):
        entries.sort()  # by member
        listed = json.dumps(buckets)
        for entry in entries:
            values += (listed, community, *entry)
    step = SQLITE_ROWS_PER_STATEMENT * _TOTALS_AWARD_WIDTH
    raw = await connection.get_raw_connection()
    for start in range(0, len(values), step):
        chunk = values[start : start + step]
        await raw.driver_connection.execute_fetchall(  # type: ignore[union-attr]
            _totals_by_award_sql(head, conflict, len(chunk) // _TOTALS_AWARD_WIDTH), chunk
        )


_TOTALS_AWARD_WIDTH = 7  # (buckets as JSON, community id, member id, points, kudos received, kudos given, messages)


@lru_cache(maxsize=16)
def _totals_by_award_sql(head: str, conflict: str, awards: int) -> str:
    """`_upsert_totals_sqlite`'s statement for `awards` awards; `head` is the upsert's `INSERT INTO ... (columns)`
    and `conflict` its `ON CONFLICT ...` clause."""
    rows = ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * awards)
    return (
        f"WITH v(buckets, c, m, p, kr, kg, ms) AS (VALUES {rows})"
        f" {head} SELECT v.c, b.value, v.m, v.p, v.kr, v.kg, v.ms FROM v JOIN json_each(v.buckets) AS b"
        f" WHERE true{conflict}"  # WHERE: SQLite's parser needs one between a join and ON CONFLICT
    )


@lru_cache(maxsize=4)
def _totals_from_arrays(dialect: Dialect) -> Compiled:
    """The totals upsert of a batch as one statement (PostgreSQL): `INSERT ... SELECT unnest(:community_id),
    unnest(:bucket), ... ON CONFLICT DO UPDATE`, one array per column, rows in key order."""
    from sqlalchemy.dialects import postgresql  # not imported where only SQLite is used (start-up)

    totals = MemberTotal.__table__  # type: ignore[attr-defined]
    arrays = select(
        *[func.unnest(bindparam(name, type_=postgresql.ARRAY(totals.c[name].type))) for name in _TOTALS_COLUMNS]
    )
    upsert = postgresql.insert(totals).from_select(list(_TOTALS_COLUMNS), arrays)
    return Compiled.of(
        upsert.on_conflict_do_update(
            index_elements=["community_id", "bucket", "member_id"],
            set_={column: totals.c[column] + upsert.excluded[column] for column in ("points", *_COUNTER_COLUMNS)},
        ),
        dialect,
    )


@lru_cache(maxsize=4096)
def _award_buckets(zone: str, minute: float, category: str | None) -> tuple[str, ...]:
    """The buckets an award of `category` made in that minute counts in: the periods, then the category's."""
    periods = _buckets(zone, minute)
    return periods if category is None else (*periods, *_category_buckets(periods, category))


@lru_cache(maxsize=4096)
def _category_buckets(periods: tuple[str, ...], category: str) -> tuple[str, ...]:
    return tuple(category_bucket(bucket, category) for bucket in periods)


@dataclass(frozen=True)
class BoardRow:
    rank: int
    member_id: int
    external_id: str
    display_name: str
    points: int


async def top(
    session: AsyncSession,
    community_id: int,
    bucket: str,
    limit: int = 10,
    measure: str = "points",
    *,
    offset: int = 0,
) -> list[BoardRow]:
    """The leaders of one bucket (ties share a rank; earlier member ids list first).

    `measure` is `points` or a counter (`kudos_received`, ...); each row's `points` holds it. `offset` skips
    that many leaders first (a board's later pages, SQL `OFFSET`); ranks stay places on the whole board (a
    first row tying with one skipped shares its rank: one more index count, points boards only).
    """
    rows = await _query(
        session, lambda s: s.top[measure], community_id=community_id, bucket=bucket, limit=limit, offset=offset
    )
    board: list[BoardRow] = []
    for position, (member_id, points, external_id, display_name) in enumerate(rows, start=offset + 1):
        if board:
            rank = board[-1].rank if board[-1].points == points else position
        elif offset and measure == "points":
            rank = (await standing(session, community_id, bucket, member_id)).rank or position
        else:
            rank = position
        board.append(BoardRow(rank, member_id, external_id, display_name, points))
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
    """A member's totals in a bucket and their rank: 1 + how many on the board have more points.

    In a bucket of BOARD_FROM_MEMBERS ranked members or more, the counts come from its points held in memory
    (`_Boards`, read on the first rank asked there), less the few off-board members, which the database
    counts; elsewhere, and on PostgreSQL while no connection listens for other processes' changes or one has
    just changed the community, they are index counts in the database.
    """
    connection = await session.connection()
    boards = _boards_of(connection)
    board = boards.held(community_id, bucket)
    if board is not None:
        return await _standing_from_memory(session, board, community_id, bucket, member_id)
    found = await _query(session, attrgetter("standing"), community_id=community_id, bucket=bucket, member_id=member_id)
    points, kudos_received, kudos_given, messages, ranked, ahead = found[0]
    if int(ranked) >= BOARD_FROM_MEMBERS and boards.usable(community_id):
        await boards.read(session, community_id, bucket)  # for the next rank here
    if points is None:
        return Standing(0, None, int(ranked), 0, 0, 0)
    rank = None if ahead is None else int(ahead) + 1
    return Standing(points, rank, int(ranked), kudos_received, kudos_given, messages)


async def _standing_from_memory(
    session: AsyncSession, board: _Board, community_id: int, bucket: str, member_id: int
) -> Standing:
    found = await _query(
        session, attrgetter("own_standing"), community_id=community_id, bucket=bucket, member_id=member_id
    )
    points, kudos_received, kudos_given, messages, off_board_ranked, off_board_ahead = found[0]
    ranked = board.ranked() - int(off_board_ranked)
    if points is None:
        return Standing(0, None, ranked, 0, 0, 0)
    rank = None
    if off_board_ahead is not None:  # only with points other than 0, as in the database's count
        # The member's own points are the database's; their entry in memory is left out of the count, so a
        # board a moment behind (see _Boards) cannot count them ahead of themselves.
        own = board.points.get(member_id, 0)
        ahead = board.above(points) - (own > points and own != 0) - int(off_board_ahead)
        rank = ahead + 1
    return Standing(points, rank, ranked, kudos_received, kudos_given, messages)


# --- Ranks from memory ------------------------------------------------------------------------------------
# A rank counted in the database walks the bucket's index past everyone ahead and the ranked count past
# everyone: 20,000 entries for a member of a 20,000-member community, and on PostgreSQL a heap visit for each
# entry on a page not all-visible (every page an activity batch updated since the last vacuum): 15-60 ms.
# Kept in memory, each bucket's points sorted answer both with a binary search.
#
# Every change this process makes to the totals reaches the boards: `record` hands the rows it wrote of the
# boards in memory to `totals_written`, and the boards take them in when the transaction commits (a rollback
# drops them; a board read meanwhile is dropped, its snapshot older than the commit); any other
# INSERT, UPDATE or DELETE statement on the totals (a member's data deleted, a season's copy) has every board
# read again after its commit. On SQLite one Hearth process owns the file, and that is all. On PostgreSQL
# other Hearth processes may write too: each transaction that changes totals announces its communities
# (`pg_notify('hearth_totals', '3,17')`, delivered at commit; `*` for a statement that does not say which),
# one round trip per batch; every pooled connection of this process LISTENs, and an announcement from another
# backend drops that community's boards, which are then counted in the database for FOREIGN_QUIET_SECONDS
# (so that communities several processes write are not read again and again). A board is built only while a
# connection listens; a listening connection lost drops them all, and one closed in good order (the pool's
# overflow) only when it was the last. An answer may lag another process's
# commit by the notification's trip (about a millisecond). (A trigger announcing every statement on the
# table would catch programs other than Hearth too, but costs each totals row of an activity batch 10-30 us
# on the server while the batch is one statement per row.) A board is also read again after BOARD_SECONDS,
# which bounds how long a change made outside Hearth (SQL run by hand) goes unseen.

BOARD_SECONDS = 300.0
# Smaller buckets are counted in the database: a few hundred index entries cost less than holding them.
BOARD_FROM_MEMBERS = 1000
FOREIGN_QUIET_SECONDS = 10.0
NOTIFY_CHANNEL = "hearth_totals"
# Members' points held per database, at most (about 125 bytes each: 25 MB); least recently used boards go first.
_MEMBERS_KEPT = 200_000
_MOVES_BEFORE_SORT = 512  # members moved since the sort, counted one by one until the next sort
_PENDING_TOTALS = "hearth.ledger.pending_totals"  # key in a connection's `info`: rows awaiting commit
# Key in a pooled connection's record `info`: the communities (None: every one) whose boards took in a commit that
# SQLAlchemy announced ("commit" event) but the driver may not have finished (see `_Boards.read`).
_COMMITTING = "hearth.ledger.committing"
# How long a closed connection's backend still counts as this process's (its announcements may arrive after it closed).
_CLOSED_PIDS_SECONDS = 60.0
_LISTENING = "hearth.ledger.listening"  # key in a pooled connection's record `info`: its backend's pid
_TOTALS_TABLE = MemberTotal.__tablename__


class _Board:
    """One community's totals of one bucket: every member's points, and the positive ones sorted as they were
    at the last sort; `moved` holds each member changed since with their points at that sort."""

    __slots__ = ("moved", "ordered", "points", "read_at")

    def __init__(self, points: dict[int, int], read_at: float) -> None:
        self.points = points
        self.read_at = read_at
        self.moved: dict[int, int] = {}
        self.ordered = sorted(value for value in points.values() if value != 0)

    def add(self, member_id: int, step: int) -> None:
        before = self.points.get(member_id, 0)
        self.moved.setdefault(member_id, before)
        self.points[member_id] = before + step
        if len(self.moved) > _MOVES_BEFORE_SORT:
            self.ordered = sorted(value for value in self.points.values() if value != 0)
            self.moved.clear()

    def above(self, value: int) -> int:
        """How many members on the board (a total other than 0) have more than `value` points:
        O(log n + members moved since the sort)."""
        count = len(self.ordered) - bisect_right(self.ordered, value)
        points = self.points
        for member_id, was in self.moved.items():
            now = points[member_id]
            count += (now > value and now != 0) - (was > value and was != 0)
        return count

    def ranked(self) -> int:
        """How many members are on the board: a total other than 0."""
        count = len(self.ordered)
        for member_id, was in self.moved.items():
            count += (self.points[member_id] != 0) - (was != 0)
        return count


class _Boards:
    """The boards of one database (by URL: every engine this process opens on it feeds them)."""

    def __init__(self, shared: bool) -> None:
        self.shared = shared  # PostgreSQL: other processes write too, and announce it
        self.boards: OrderedDict[tuple[int, str], _Board] = OrderedDict()
        self.changes: Counter[int] = Counter()  # per community, committed batches that changed its totals
        self.dropped = 0  # times every board was dropped (a change of unknown communities, a connection closed)
        self.engines: WeakSet[Engine] = WeakSet()
        self.own_pids: set[int] = set()  # backends of this process's listening connections
        self.closed_pids: dict[int, float] = {}  # backends of its connections closed lately, and when
        self.foreign_at: dict[int, float] = {}  # community -> when another backend last announced a change
        # Commits taken in whose COMMIT may still be on its way to the database, per community (`committing_every`:
        # changes of unknown communities): a board read meanwhile may be from a snapshot without them (`_settled`).
        self.committing: Counter[int] = Counter()
        self.committing_every = 0

    def usable(self, community_id: int) -> bool:
        if not self.shared:
            return True
        if not self.own_pids:
            return False  # no connection listens yet: announcements would be missed
        heard = self.foreign_at.get(community_id)
        return heard is None or time.monotonic() - heard >= FOREIGN_QUIET_SECONDS

    def held(self, community_id: int, bucket: str) -> _Board | None:
        """The bucket's board if it is in memory, usable and read less than BOARD_SECONDS ago."""
        key = (community_id, bucket)
        board = self.boards.get(key)
        if board is None or time.monotonic() - board.read_at >= BOARD_SECONDS or not self.usable(community_id):
            return None
        self.boards.move_to_end(key)
        return board

    async def read(self, session: AsyncSession, community_id: int, bucket: str) -> None:
        """Read a bucket's points into memory (an index-only read), to keep unless a batch for the community
        committed meanwhile, or its COMMIT was still on its way when the read began (it may or may not be in the
        rows read): SQLAlchemy's "commit" event, where the boards take a write in, comes before the COMMIT."""
        before = (self.changes[community_id], self.dropped)
        settled = not self.committing[community_id] and not self.committing_every
        rows = await _query(session, attrgetter("board"), community_id=community_id, bucket=bucket)
        if settled and (self.changes[community_id], self.dropped) == before and self.usable(community_id):
            self.boards[(community_id, bucket)] = _Board(dict(rows), time.monotonic())  # type: ignore[arg-type]
            while len(self.boards) > 1 and sum(len(held.points) for held in self.boards.values()) > _MEMBERS_KEPT:
                self.boards.popitem(last=False)

    def watch(self, engine: Engine) -> None:
        # On the engine itself: its listeners also hear the option engines (Database's reader and writer)
        # made from it, whose own listeners would hear only them.
        engine = getattr(engine, "_proxied", engine)
        if engine in self.engines:
            return
        event.listen(engine, "begin", self._rolled_back)  # nothing pending yet, whatever the last one left
        event.listen(engine, "commit", self._committed)
        event.listen(engine, "rollback", self._rolled_back)
        event.listen(engine, "after_execute", self._executed)
        # The COMMIT is done once the connection begins again or leaves (back to the pool, closed, lost).
        event.listen(engine, "begin", self._settled_connection)
        for done in ("checkin", "close", "invalidate"):
            event.listen(engine, done, self._settled)
        if self.shared:
            event.listen(engine, "checkout", self._checked_out)
            event.listen(engine, "invalidate", self._lost)  # before "close", which an invalidated one gets too
            event.listen(engine, "close", self._closed)
        self.engines.add(engine)

    def drop_all(self) -> None:
        self.boards.clear()
        self.dropped += 1

    def _executed(self, connection: Connection, statement: object, *_: object) -> None:
        if isinstance(statement, UpdateBase) and getattr(statement.table, "name", None) == _TOTALS_TABLE:
            connection.info.setdefault(_PENDING_TOTALS, []).append(None)  # None: read every board again
            if self.shared:  # other processes too (which communities, the statement does not say)
                connection.exec_driver_sql(_ANNOUNCE, (NOTIFY_CHANNEL, "*"))

    def covering(self, communities: Collection[int]) -> set[tuple[int, str]]:
        """The (community, bucket) keys of the boards in memory for `communities`."""
        return {key for key in self.boards if key[0] in communities}

    def _committed(self, connection: Connection) -> None:
        committing: list[int | None] = connection.info.setdefault(_COMMITTING, [])
        for pending in connection.info.pop(_PENDING_TOTALS, ()):
            if pending is None:
                self.drop_all()
                self.committing_every += 1
                committing.append(None)
                continue
            communities, covered, rows = pending
            for community_id in communities:
                self.changes[community_id] += 1
                self.committing[community_id] += 1
                committing.append(community_id)
            # A board read after the rows were spelt out (from a snapshot without this transaction) has none of them.
            for key in [key for key in self.boards if key[0] in communities and key not in covered]:
                del self.boards[key]
            for community_id, bucket, member_id, points, *_ in rows:
                board = self.boards.get((community_id, bucket))
                if board is not None and points:
                    board.add(member_id, points)

    def _settled_connection(self, connection: Connection) -> None:
        if not connection.invalidated:
            self._settle(connection.info)

    def _settled(self, _dbapi_connection: Any, record: Any, *_: Any) -> None:
        if record is not None:
            self._settle(record.info)

    def _settle(self, info: dict[Any, Any]) -> None:
        """The connection's last COMMIT, if any, is done: boards may be read again where it was on its way."""
        for community_id in info.pop(_COMMITTING, ()):
            if community_id is None:
                self.committing_every -= 1
            else:
                self.committing[community_id] -= 1
                if self.committing[community_id] <= 0:
                    del self.committing[community_id]

    def _rolled_back(self, connection: Connection) -> None:
        if connection.invalidated:  # the connection was lost: its record's info went with it (and asking for it
            return  # would raise over the error that lost it)
        connection.info.pop(_PENDING_TOTALS, None)

    def _checked_out(self, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        """Every pooled connection LISTENs from its first use on (asyncpg delivers while it is idle too)."""
        if _LISTENING not in record.info:
            try:
                dbapi_connection.run_async(lambda driver: driver.add_listener(NOTIFY_CHANNEL, self._heard))
            except Exception as error:  # the connection is gone: the pool tries a new one (see storage.engine)
                raise DisconnectionError(f"connection lost before LISTEN: {error}") from error
            pid = dbapi_connection.driver_connection.get_server_pid()
            record.info[_LISTENING] = pid
            self.own_pids.add(pid)

    def _lost(self, _dbapi_connection: Any, record: Any, *_: Any) -> None:
        """A listening connection lost (an error, the server gone): announcements may have gone unheard, and the other
        connections may be as dead: start again from the database."""
        pid = record.info.pop(_LISTENING, None)
        if pid is not None:
            self.own_pids.discard(pid)
            self.drop_all()

    def _closed(self, _dbapi_connection: Any, record: Any, *_: Any) -> None:
        """A listening connection closed in good order (the pool's overflow given back, a recycle): the others still
        hear every announcement, so the boards stay unless it was the last (until 2026-12-02 each close dropped them
        all: more than ten commands at once read every bucket again and again, slower than no boards at all)."""
        pid = record.info.pop(_LISTENING, None)
        if pid is None:
            return
        self.own_pids.discard(pid)
        now = time.monotonic()
        if len(self.closed_pids) >= 64:  # a pool that opens and closes overflow connections all day
            self.closed_pids = {old: at for old, at in self.closed_pids.items() if now - at < _CLOSED_PIDS_SECONDS}
        self.closed_pids[pid] = now  # its own announcements still on the way stay this process's
        if not self.own_pids:
            self.drop_all()

    def _own(self, pid: int) -> bool:
        if pid in self.own_pids:
            return True
        closed = self.closed_pids.get(pid)
        return closed is not None and time.monotonic() - closed < _CLOSED_PIDS_SECONDS

    def _heard(self, _connection: Any, pid: int, _channel: str, payload: str) -> None:
        if self._own(pid):
            return  # this process's own change, taken in at its commit
        if payload == "*":  # more communities than one notification holds
            self.drop_all()
            return
        now = time.monotonic()
        communities = {int(part) for part in payload.split(",")}
        for community_id in communities:
            self.changes[community_id] += 1
            self.foreign_at[community_id] = now
        for key in [key for key in self.boards if key[0] in communities]:
            del self.boards[key]


_BOARDS: dict[str, _Boards] = {}  # by URL
_BOARDS_OF_ENGINE: WeakKeyDictionary[Engine, _Boards] = WeakKeyDictionary()  # the same, found without the URL


def _boards_of(connection: AsyncConnection) -> _Boards:
    engine = connection.engine.sync_engine
    boards = _BOARDS_OF_ENGINE.get(engine)
    if boards is None:
        url = str(engine.url)
        boards = _BOARDS.get(url)
        if boards is None:
            boards = _BOARDS[url] = _Boards(shared=connection.dialect.name == "postgresql")
        boards.watch(engine)
        _BOARDS_OF_ENGINE[engine] = boards
    return boards


async def totals_written(
    connection: AsyncConnection,
    communities: Collection[int],
    rows_of: Callable[[Collection[tuple[int, str]]], Sequence[Sequence[Any]]],
) -> None:
    """The write side's hook: `connection`'s transaction just upserted totals in `communities`; `rows_of(keys)`
    spells out its rows of those (community, bucket) keys, in `_TOTALS_COLUMNS` order with the points added.

    The boards in memory take their rows in once it commits (only theirs are spelt out: a batch's rows are ten an
    award, and spelling and sorting all of them cost a busy stream a tenth of its rate from the first rank asked);
    on PostgreSQL the transaction also announces the communities to other processes (delivered at its commit)."""
    if connection.dialect.name == "postgresql":
        listed = ",".join(str(community) for community in sorted(communities))
        await connection.exec_driver_sql(_ANNOUNCE, (NOTIFY_CHANNEL, _announced(listed)))
    # Even with no board in memory yet: one read before the commit must not outlive it (see `_Boards._committed`).
    covered = _boards_of(connection).covering(communities)  # the engine's commits reach the boards from now on
    pending = (communities, covered, rows_of(covered) if covered else ())
    connection.sync_connection.info.setdefault(_PENDING_TOTALS, []).append(pending)  # type: ignore[union-attr]


_ANNOUNCE = "SELECT pg_notify($1, $2)"


def _announced(communities: str) -> str:
    """A notification's payload: the communities' ids, or `*` (every community) past its 8,000 bytes."""
    return communities if len(communities) < 7900 else "*"


async def count_since(session: AsyncSession, community_id: int, member_id: int, kind: str, since: datetime) -> int:
    """How many rows of `kind` a member has had since a moment (e.g. kudos given today)."""
    connection = await session.connection()
    moment = _statements(connection.dialect).bind_time(since)
    found = await _query(
        session, attrgetter("count_since"), community_id=community_id, member_id=member_id, kind=kind, since=moment
    )
    return int(found[0][0])


@dataclass(frozen=True)
class Row:
    """A ledger row as read back (to void it)."""

    idempotency_key: str
    member_id: int
    kind: str
    points: int
    actor_id: int | None
    channel: str | None
    created_at: datetime
    reason: str | None = None  # kudos' reason: the value tags a void takes off their boards


async def rows_by_keys(session: AsyncSession, community_id: int, keys: Sequence[str]) -> list[Row]:
    """The rows with these idempotency keys (unique index lookups); unknown keys are left out."""
    if not keys:
        return []
    ledger = Contribution.__table__  # type: ignore[attr-defined]
    found = await session.execute(
        select(
            ledger.c.idempotency_key,
            ledger.c.member_id,
            ledger.c.kind,
            ledger.c.points,
            ledger.c.actor_id,
            ledger.c.channel,
            ledger.c.created_at,
            ledger.c.reason,
        ).where(ledger.c.community_id == community_id, ledger.c.idempotency_key.in_(list(keys)))
    )
    return [
        Row(key, member_id, kind, points, actor_id, channel, at if at.tzinfo else at.replace(tzinfo=UTC), reason)
        for key, member_id, kind, points, actor_id, channel, at, reason in found
    ]


async def exists(session: AsyncSession, community_id: int, idempotency_key: str) -> bool:
    return await id_of(session, community_id, idempotency_key) is not None


async def id_of(session: AsyncSession, community_id: int, idempotency_key: str) -> int | None:
    """The id of the row with this key (a kudos' number, `/recognition void N`), None when there is none."""
    found = await _query(session, attrgetter("exists"), community_id=community_id, idempotency_key=idempotency_key)
    return int(found[0][0]) if found else None


async def latest_lock(session: AsyncSession, community_id: int, member_id: int) -> str | None:
    """The kind of the member's latest `giving_locked` or `giving_unlocked` row, None when they have none."""
    found = await _query(session, attrgetter("latest_lock"), community_id=community_id, member_id=member_id)
    return str(found[0][0]) if found else None


async def kudos_left_given(
    session: AsyncSession, community_id: int, giver_id: int, since: datetime, undone: tuple[str, str]
) -> int:
    """How many kudos the giver gave since `since`, less those taken back since for one of `undone` (their
    `kudos_given_void` rows, dated as the kudos): the day's allowance used, in one statement (two index ranges)."""
    connection = await session.connection()
    moment = _statements(connection.dialect).bind_time(since)
    found = await _query(
        session,
        attrgetter("kudos_left_given"),
        community_id=community_id,
        member_id=giver_id,
        since=moment,
        undone_0=undone[0],
        undone_1=undone[1],
    )
    return int(found[0][0])
