"""The ledger on a real database: idempotency, period totals in the community's zone, ranks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import func, select

from storage import identity, ledger
from storage.engine import Database
from storage.ledger import Award
from storage.models import Contribution, MemberTotal


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
        found = (await session.execute(select(Contribution.idempotency_key, Contribution.created_at))).all()
        at_moment = await session.execute(select(Contribution.idempotency_key).where(Contribution.created_at == moment))
        at_second = await session.execute(
            select(Contribution.idempotency_key).where(Contribution.created_at == on_the_second)
        )
        later = await session.execute(
            select(Contribution.idempotency_key).where(Contribution.created_at > moment + timedelta(microseconds=1))
        )
    assert sorted(found) == [("a", moment.astimezone(UTC)), ("b", on_the_second)]
    assert at_moment.scalars().all() == ["a"]
    assert at_second.scalars().all() == ["b"]
    assert later.scalars().all() == ["b"]
