"""The ledger on a real database: idempotency, period totals in the community's zone, ranks."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.util import await_
from sqlmodel import col

from storage import identity, ledger
from storage.engine import Database
from storage.ledger import Award
from storage.models import Contribution, MemberTotal


@pytest.fixture(autouse=True)
def ranks_from_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every bucket here, however small, is ranked from memory once it was ranked in (see ledger._Boards)."""
    monkeypatch.setattr(ledger, "BOARD_FROM_MEMBERS", 1)


async def _members(db: Database, count: int) -> tuple[int, list[int]]:
    now = datetime(2026, 3, 4, tzinfo=UTC)
    async with db.write() as session:
        community = await identity.ensure_community(session, "test", "c1", "Test", now)
        members = [await identity.ensure_member(session, community, f"m{n}", f"m{n}", False, now) for n in range(count)]
    return community, members


async def _count(db: Database, model: type) -> int:
    async with db.read() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_same_key_twice_records_one_row_and_one_award(db: Database) -> None:
    community, (member,) = await _members(db, 1)
    award = Award(community, member, "message", 5, "message:42", datetime(2026, 3, 4, 12, tzinfo=UTC))
    async with db.write() as session:
        first = await ledger.record(session, [award, award])
    async with db.write() as session:
        second = await ledger.record(session, [award])
    assert (len(first), len(second)) == (1, 0)
    assert await _count(db, Contribution) == 1
    async with db.read() as session:
        mine = await ledger.standing(session, community, "all", member)
    assert (mine.points, mine.messages) == (5, 1)


async def test_weeks_and_months_follow_the_community_zone(db: Database) -> None:
    community, (member,) = await _members(db, 1)
    # Sunday 23:30 UTC is already Monday in Berlin: a new week there, still last week in UTC.
    sunday_night = datetime(2026, 3, 8, 23, 30, tzinfo=UTC)
    async with db.write() as session:
        await ledger.record(session, [Award(community, member, "message", 1, "a", sunday_night, zone="Europe/Berlin")])
        await ledger.record(session, [Award(community, member, "message", 1, "b", sunday_night, zone="UTC")])
    assert ledger.period_bucket("week", sunday_night, "Europe/Berlin") == "week:2026-03-09"
    assert ledger.period_bucket("week", sunday_night, "UTC") == "week:2026-03-02"
    async with db.read() as session:
        berlin_week = await ledger.standing(session, community, "week:2026-03-09", member)
        utc_week = await ledger.standing(session, community, "week:2026-03-02", member)
        month = await ledger.standing(session, community, "month:2026-03", member)
    assert (berlin_week.points, utc_week.points, month.points) == (1, 1, 2)


async def test_leaderboard_order_ties_and_ranks(db: Database) -> None:
    community, members = await _members(db, 4)
    moment = datetime(2026, 3, 4, 12, tzinfo=UTC)
    points = {members[0]: 5, members[1]: 9, members[2]: 5}
    async with db.write() as session:
        await ledger.record(session, [Award(community, m, "adjustment", p, f"k{m}", moment) for m, p in points.items()])
    async with db.read() as session:
        board = await ledger.top(session, community, "all", limit=10)
        third = await ledger.standing(session, community, "all", members[2])
        nobody = await ledger.standing(session, community, "all", members[3])
    assert [(row.rank, row.display_name, row.points) for row in board] == [(1, "m1", 9), (2, "m0", 5), (2, "m2", 5)]
    assert (third.rank, third.ranked_members) == (2, 3)
    assert (nobody.points, nobody.rank) == (0, None)


async def test_a_failed_transaction_leaves_no_row_and_no_total(db: Database) -> None:
    community, (member,) = await _members(db, 1)
    moment = datetime(2026, 3, 4, 12, tzinfo=UTC)
    try:
        async with db.write() as session:
            await ledger.record(session, [Award(community, member, "kudos_received", 10, "x", moment)])
            raise RuntimeError("the reply could not be built")
    except RuntimeError:
        pass
    assert await _count(db, Contribution) == 0
    assert await _count(db, MemberTotal) == 0


async def test_count_since_counts_one_kind_from_a_moment(db: Database) -> None:
    community, (member,) = await _members(db, 1)
    start = datetime(2026, 3, 4, tzinfo=UTC)
    async with db.write() as session:
        await ledger.record(
            session,
            [Award(community, member, "kudos_given", 0, f"g{n}", start + timedelta(hours=n)) for n in range(3)]
            + [Award(community, member, "message", 1, "m", start + timedelta(hours=5))],
        )
        assert await ledger.count_since(session, community, member, "kudos_given", start + timedelta(hours=1)) == 2


async def test_recorded_times_read_back_exactly_through_the_orm(db: Database) -> None:
    # The ledger binds times itself on its hot path; the ORM must still find them to the microsecond.
    community, (member,) = await _members(db, 1)
    india = timezone(timedelta(hours=5, minutes=30))
    moment = datetime(2026, 3, 4, 23, 59, 58, 123456, tzinfo=india)
    on_the_second = datetime(2026, 3, 5, 1, 2, 3, tzinfo=UTC)
    async with db.write() as session:
        await ledger.record(
            session,
            [
                Award(community, member, "message", 1, "a", moment),
                Award(community, member, "message", 1, "b", on_the_second),
            ],
        )
    async with db.read() as session:
        found = (await session.execute(select(col(Contribution.idempotency_key), col(Contribution.created_at)))).all()
        at_moment = await session.execute(
            select(col(Contribution.idempotency_key)).where(col(Contribution.created_at) == moment)
        )
        at_second = await session.execute(
            select(col(Contribution.idempotency_key)).where(col(Contribution.created_at) == on_the_second)
        )
        later = await session.execute(
            select(col(Contribution.idempotency_key)).where(
                col(Contribution.created_at) > moment + timedelta(microseconds=1)
            )
        )
    assert sorted(found) == [("a", moment.astimezone(UTC)), ("b", on_the_second)]
    assert at_moment.scalars().all() == ["a"]
    assert at_second.scalars().all() == ["b"]
    assert later.scalars().all() == ["b"]


async def _ranks(db: Database, community: int, members: list[int]) -> list[tuple[int | None, int]]:
    """(rank, ranked members) of each member on the all-time board."""
    async with db.read() as session:
        found = [await ledger.standing(session, community, "all", member) for member in members]
    return [(mine.rank, mine.ranked_members) for mine in found]


async def test_ranks_follow_every_committed_write_after_a_rank_was_read(db: Database) -> None:
    # On SQLite the ranks come from the buckets' points held in memory: every write must reach them, and a
    # rolled-back one must not.
    community, members = await _members(db, 4)
    moment = datetime(2026, 3, 4, 12, tzinfo=UTC)

    async def award(member: int, points: int, key: str) -> None:
        async with db.write() as session:
            await ledger.record(session, [Award(community, member, "adjustment", points, key, moment)])

    for member, points in zip(members[:3], (5, 9, 5), strict=True):
        await award(member, points, f"start{member}")
    assert await _ranks(db, community, members) == [(2, 3), (1, 3), (2, 3), (None, 3)]
    await award(members[0], 10, "up")  # 15: first
    await award(members[3], 1, "newcomer")  # ranked now, last
    assert await _ranks(db, community, members) == [(1, 4), (2, 4), (3, 4), (4, 4)]
    try:
        async with db.write() as session:
            await ledger.record(session, [Award(community, members[2], "adjustment", 100, "undone", moment)])
            raise RuntimeError("the reply could not be built")
    except RuntimeError:
        pass
    await award(members[1], -5, "down")  # 4: behind the 5 of members[2]
    assert await _ranks(db, community, members) == [(1, 4), (3, 4), (2, 4), (4, 4)]


async def test_a_rank_read_while_a_write_is_under_way_follows_it_once_committed(db: Database) -> None:
    # The write spells out its rows for the boards held at the time (none here); a board read from a snapshot taken
    # before its commit lacks them and must not outlive the commit.
    community, members, moment = await _three_and_two(db)
    async with db.write() as session:
        await ledger.record(session, [Award(community, members[1], "adjustment", 10, "up", moment)])
        assert await _ranks(db, community, members) == [(1, 2), (2, 2)]  # the write is not committed yet
    assert await _ranks(db, community, members) == [(2, 2), (1, 2)]


async def test_ranks_stay_exact_when_many_members_move_between_two_reads(db: Database) -> None:
    community, members = await _members(db, 700)
    moment = datetime(2026, 3, 4, 12, tzinfo=UTC)
    points = {member: 1 + (member * 37) % 50 for member in members}
    async with db.write() as session:
        await ledger.record(session, [Award(community, m, "adjustment", p, f"a{m}", moment) for m, p in points.items()])
    await _ranks(db, community, members[:1])
    # More members move than the in-memory board counts one by one before sorting again.
    for round_ in range(2):
        step = {member: (member * 11 + round_) % 7 - 3 for member in members}
        async with db.write() as session:
            await ledger.record(
                session, [Award(community, m, "adjustment", s, f"r{round_}:{m}", moment) for m, s in step.items() if s]
            )
        for member, s in step.items():
            points[member] += s
        sample = members[::37]
        expected = [
            (
                # On the board: a total other than 0, a negative one below zero.
                1 + sum(other > points[m] and other != 0 for other in points.values()) if points[m] != 0 else None,
                sum(value != 0 for value in points.values()),
            )
            for m in sample
        ]
        assert await _ranks(db, community, sample) == expected


async def _three_and_two(db: Database) -> tuple[int, list[int], datetime]:
    """A community of two members with 3 and 2 points (adjustments at the returned moment)."""
    community, members = await _members(db, 2)
    moment = datetime(2026, 3, 4, 12, tzinfo=UTC)
    async with db.write() as session:
        await ledger.record(
            session,
            [Award(community, m, "adjustment", p, f"a{m}", moment) for m, p in zip(members, (3, 2), strict=True)],
        )
    return community, members, moment


async def test_a_total_changed_around_the_ledger_shows_in_ranks(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    community, members, moment = await _three_and_two(db)
    assert await _ranks(db, community, members) == [(1, 2), (2, 2)]
    async with db.write() as session:  # as a member's data deletion does: a statement, not ledger.record
        await session.execute(delete(MemberTotal).where(col(MemberTotal.member_id) == members[0]))
    assert await _ranks(db, community, members) == [(None, 1), (1, 1)]
    async with db.write() as session:  # SQL text, as if from another program: seen once the board is read again
        await session.execute(text("UPDATE member_total SET points = 10 WHERE member_id = :m"), {"m": members[1]})
    monkeypatch.setattr(ledger, "BOARD_SECONDS", 0.0)
    async with db.write() as session:
        await ledger.record(session, [Award(community, members[0], "adjustment", 5, "back", moment)])
    assert await _ranks(db, community, members) == [(2, 2), (1, 2)]


_OTHER_PROCESS = """
import asyncio, sys
from datetime import UTC, datetime
from storage import ledger
from storage.engine import Database

async def main(url, community, member):
    database = Database.open(url)
    async with database.write() as session:
        award = ledger.Award(community, member, "adjustment", 8, "elsewhere", datetime(2026, 3, 4, 12, tzinfo=UTC))
        await ledger.record(session, [award])
    await database.dispose()

asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
"""


async def test_ranks_follow_another_process_writing_the_same_postgresql_database(
    db: Database, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("one process per SQLite file")
    community, members, _ = await _three_and_two(db)
    for _ in range(2):  # the second read is served from memory
        assert await _ranks(db, community, members) == [(1, 2), (2, 2)]
    # A tester's find: more than ten commands at once opened overflow connections, and each one the pool closed
    # dropped every board, so that ranks read whole buckets again and again (slower than with no boards at all).
    boards = ledger._BOARDS[database_url]
    dropped = boards.dropped
    release = asyncio.Event()

    async def hold_a_connection() -> None:
        async with db.read() as session:
            await session.execute(select(1))
            await release.wait()

    holders = [asyncio.create_task(hold_a_connection()) for _ in range(14)]  # past the pool's ten
    try:
        await asyncio.sleep(0.5)
    finally:
        release.set()
        await asyncio.gather(*holders)
    assert boards.dropped == dropped  # the overflow closed in good order; the others still listen
    assert boards.held(community, "all") is not None
    other = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _OTHER_PROCESS, database_url, str(community), str(members[1])
    )
    assert await other.wait() == 0
    async with db.read() as session:  # one round trip: the announcement reaches the idle connections first
        await session.execute(select(1))
    assert await _ranks(db, community, members) == [(2, 2), (1, 2)]


async def test_a_negative_total_ranks_below_zero_and_a_zero_total_is_off_the_board(db: Database) -> None:
    community, members = await _members(db, 5)
    moment = datetime(2026, 3, 4, 12, tzinfo=UTC)
    first = {members[0]: 5, members[1]: -3, members[2]: 2, members[3]: -7}
    async with db.write() as session:
        await ledger.record(session, [Award(community, m, "adjustment", p, f"a{m}", moment) for m, p in first.items()])

    async def ranks() -> list[tuple[int | None, int]]:
        async with db.read() as session:
            found = [await ledger.standing(session, community, "all", member) for member in members]
        return [(each.rank, each.ranked_members) for each in found]

    # Read in the database, then from memory once the bucket was ranked (the fixture above).
    assert await ranks() == [(1, 4), (3, 4), (2, 4), (4, 4), (None, 4)]
    assert await ranks() == [(1, 4), (3, 4), (2, 4), (4, 4), (None, 4)]
    # Members moved since the board was read: one back to 0 (off the board), one into the negative.
    async with db.write() as session:
        await ledger.record(
            session,
            [
                Award(community, members[2], "adjustment", -2, "b2", moment),
                Award(community, members[4], "adjustment", -1, "b4", moment),
            ],
        )
    assert await ranks() == [(1, 4), (3, 4), (None, 4), (4, 4), (2, 4)]
    async with db.read() as session:
        board = await ledger.top(session, community, "all", limit=10)
    assert [(row.rank, row.display_name, row.points) for row in board] == [
        (1, "m0", 5),
        (2, "m4", -1),
        (3, "m1", -3),
        (4, "m3", -7),
    ]


async def test_a_rank_counts_the_few_off_board_members_by_their_index_whatever_order_the_indexes_came_in(
    db: Database, tmp_path: Path
) -> None:
    # SQLite databases are never analysed: with two indexes on member.community_id alike to the planner, it took the
    # one listed later, and a rank in a 20,000-member community walked all of them (5-6 ms instead of 0.3).
    if not db.is_sqlite:
        pytest.skip("SQLite's planner")
    path = tmp_path / "ordered.db"
    other = Database.open(f"sqlite+aiosqlite:///{path}")
    await other.migrate()
    await other.dispose()
    connection = sqlite3.connect(path)
    try:
        dialect = sqlite_dialect.dialect()
        statements = ledger._statements(dialect)
        for first in ("ix_member_off_boards", "ix_member_community_id"):  # re-created last: listed after the other
            sql = connection.execute("SELECT sql FROM sqlite_master WHERE name = ?", (first,)).fetchone()[0]
            connection.execute(f"DROP INDEX {first}")
            connection.execute(sql)
            for statement in (statements.standing, statements.own_standing):
                parameters = [1] * statement.sql.count("?")
                plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement.sql}", parameters)]
                on_member = [step for step in plan if step.startswith("SEARCH member ")]
                assert on_member and all("ix_member_off_boards" in step for step in on_member), plan
    finally:
        connection.close()


async def test_a_rank_read_while_a_write_commits_follows_it_once_committed(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLAlchemy's "commit" event, where the boards take a write's rows in, comes before the COMMIT itself: a rank
    # read during the COMMIT's trip to the driver (another connection, the snapshot still without the write) must not
    # keep its board either.
    community, members, moment = await _three_and_two(db)
    dialect = db.engine.sync_engine.dialect
    commit = dialect.do_commit
    during: list[list[tuple[int | None, int]]] = []

    def do_commit(dbapi_connection: Any) -> None:
        if not during:  # the first commit: the write below
            during.append(await_(asyncio.wait_for(_ranks(db, community, members), 10)))
        commit(dbapi_connection)

    async with db.write() as session:
        await ledger.record(session, [Award(community, members[1], "adjustment", 10, "up", moment)])
        monkeypatch.setattr(dialect, "do_commit", do_commit)
    monkeypatch.setattr(dialect, "do_commit", commit)
    assert during == [[(1, 2), (2, 2)]]  # read before the COMMIT
    assert await _ranks(db, community, members) == [(2, 2), (1, 2)]
