"""Ledger batches as the ingest path writes them: each award once per bucket, redeliveries, zones, ties."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from storage import identity, ledger
from storage.engine import Database
from storage.ledger import Award

# A Sunday evening in Berlin that is already Monday in Tokyo: the zone decides the week.
SUNDAY = datetime(2026, 3, 8, 20, 0, tzinfo=UTC)


async def _members(db: Database, *names: str) -> tuple[int, list[int]]:
    async with db.write() as session:
        community = await identity.ensure_community(session, "console", "local", "Local", SUNDAY)
        ids = [await identity.ensure_member(session, community, name, name, False, SUNDAY) for name in names]
    return community, ids


def _message(community: int, member: int, key: str, moment: datetime = SUNDAY, zone: str = "UTC") -> Award:
    return Award(community, member, "message", 1, f"message:{key}", moment, zone=zone, channel="general")


async def _record(db: Database, awards: list[Award]) -> list[Award]:
    async with db.write() as session:
        return await ledger.record(session, awards)


async def _standing(db: Database, community: int, bucket: str, member: int) -> ledger.Standing:
    async with db.read() as session:
        return await ledger.standing(session, community, bucket, member)


async def test_a_batch_counts_each_award_once_in_every_bucket(db: Database) -> None:
    community, (alice, bob) = await _members(db, "alice", "bob")
    kudos = Award(community, bob, "kudos_received", 10, "kudos:1", SUNDAY, actor_id=alice, reason="thanks")
    given = replace(kudos, member_id=alice, kind="kudos_given", points=0, idempotency_key="kudos:1:given")
    later = SUNDAY + timedelta(minutes=3)
    batch = [_message(community, alice, "1"), _message(community, alice, "2", later), kudos, given]

    recorded = await _record(db, batch)

    assert recorded == batch
    for bucket in ledger.buckets_for(SUNDAY, "UTC"):
        mine = await _standing(db, community, bucket, alice)
        theirs = await _standing(db, community, bucket, bob)
        assert (mine.points, mine.messages, mine.kudos_given, mine.rank) == (2, 2, 1, 2)
        assert (theirs.points, theirs.kudos_received, theirs.rank) == (10, 1, 1)


async def test_redelivered_keys_award_nothing_in_the_same_or_a_later_batch(db: Database) -> None:
    community, (alice, bob) = await _members(db, "alice", "bob")
    first = [_message(community, alice, "1"), _message(community, alice, "1")]
    assert await _record(db, first) == first[:1]

    # A batch mixing one old key with new ones records (and counts) only the new ones.
    second = [_message(community, bob, "2"), _message(community, alice, "1"), _message(community, alice, "3")]
    assert await _record(db, second) == [second[0], second[2]]
    assert await _record(db, [_message(community, alice, "3")]) == []

    async with db.read() as session:
        board = await ledger.top(session, community, ledger.ALL_TIME)
    assert [(row.display_name, row.points) for row in board] == [("alice", 2), ("bob", 1)]


async def test_the_community_zone_picks_the_week(db: Database) -> None:
    community, (alice,) = await _members(db, "alice")
    await _record(db, [_message(community, alice, "1", zone="Asia/Tokyo")])

    utc_week = ledger.period_bucket("week", SUNDAY, "UTC")
    tokyo_week = ledger.period_bucket("week", SUNDAY, "Asia/Tokyo")
    assert (utc_week, tokyo_week) == ("week:2026-03-02", "week:2026-03-09")
    assert (await _standing(db, community, tokyo_week, alice)).points == 1
    assert (await _standing(db, community, utc_week, alice)).points == 0


async def test_standing_ranks_ties_together_and_leaves_pointless_members_unranked(db: Database) -> None:
    community, (alice, bob, carol, dave) = await _members(db, "alice", "bob", "carol", "dave")
    given = Award(community, carol, "kudos_given", 0, "kudos:1:given", SUNDAY, actor_id=alice)
    await _record(db, [_message(community, alice, "1"), _message(community, bob, "2"), given])

    alice_standing, carol_standing, dave_standing = [
        await _standing(db, community, ledger.ALL_TIME, member) for member in (alice, carol, dave)
    ]
    assert (alice_standing.points, alice_standing.rank, alice_standing.ranked_members) == (1, 1, 2)
    assert (await _standing(db, community, ledger.ALL_TIME, bob)).rank == 1
    assert (carol_standing.points, carol_standing.rank, carol_standing.kudos_given) == (0, None, 1)
    assert (dave_standing.points, dave_standing.rank, dave_standing.ranked_members) == (0, None, 2)


async def test_a_batch_of_thousands_with_redeliveries_records_each_new_key_once(db: Database) -> None:
    # Several multi-row statements on SQLite (1,000 rows each); the redelivered keys sit in every one of them, and
    # awards of two weeks in each.
    community, members = await _members(db, *(f"m{n}" for n in range(40)))
    week_later = SUNDAY + timedelta(days=1)  # Monday: the next week
    earlier = [_message(community, members[n % 40], str(n)) for n in range(0, 10_000, 7)]
    await _record(db, earlier)
    batch = [_message(community, members[n % 40], str(n), SUNDAY if n % 2 else week_later) for n in range(10_000)]

    recorded = await _record(db, batch)

    known = {award.idempotency_key for award in earlier}
    assert recorded == [award for award in batch if award.idempotency_key not in known]
    async with db.read() as session:
        board = await ledger.top(session, community, ledger.ALL_TIME, limit=40)
        activity = await ledger.top(session, community, ledger.category_bucket(ledger.ALL_TIME, "activity"), limit=40)
        this_week = await ledger.top(session, community, ledger.period_bucket("week", SUNDAY, "UTC"), limit=40)
        next_week = await ledger.top(session, community, ledger.period_bucket("week", week_later, "UTC"), limit=40)
    assert sum(row.points for row in board) == 10_000
    assert {row.points for row in board} == {250}
    assert [(row.member_id, row.points) for row in activity] == [(row.member_id, row.points) for row in board]
    # Odd members spoke on the Sunday only: they are on the earlier week's board, even members on the next one's
    # (the keys recorded by the earlier batch counted on the Sunday too).
    assert {row.member_id for row in next_week} == set(members[0::2])
    assert sum(row.points for row in this_week) + sum(row.points for row in next_week) == 10_000


async def test_a_batch_split_across_statements_counts_tags_kinds_and_weeks_in_their_own_boards(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Five awards' totals per statement, so that groups of buckets (a kudos with tags, messages of two weeks)
    # straddle statements.
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's statements only")
    monkeypatch.setattr(ledger, "SQLITE_ROWS_PER_STATEMENT", 5)
    community, (alice, bob) = await _members(db, "alice", "bob")
    monday = SUNDAY + timedelta(days=1)
    messages = [_message(community, (alice, bob)[n % 2], str(n), (SUNDAY, monday)[n % 3 == 0]) for n in range(30)]
    kudos = Award(community, bob, "kudos_received", 5, "kudos:1", SUNDAY, actor_id=alice, tags=("helpful", "teamwork"))

    await _record(db, [*messages, kudos])

    def board(bucket: str) -> dict[int, int]:
        return {member: standing.points for member, standing in standings[bucket].items()}

    buckets = {
        "all": ledger.ALL_TIME,
        "activity": ledger.category_bucket(ledger.ALL_TIME, "activity"),
        "kudos": ledger.category_bucket(ledger.ALL_TIME, "kudos"),
        "helpful": ledger.category_bucket(ledger.ALL_TIME, ledger.tag_category("helpful")),
        "teamwork this week": ledger.period_bucket("week", SUNDAY, "UTC", ledger.tag_category("teamwork")),
        "next week": ledger.period_bucket("week", monday, "UTC"),
    }
    standings = {
        name: {member: await _standing(db, community, bucket, member) for member in (alice, bob)}
        for name, bucket in buckets.items()
    }
    assert board("all") == {alice: 15, bob: 20}
    assert board("activity") == {alice: 15, bob: 15}
    assert board("kudos") == board("helpful") == board("teamwork this week") == {alice: 0, bob: 5}
    # n % 3 == 0 spoke on the Monday: 0, 6, ..., 24 are alice's (5), 3, 9, ..., 27 bob's (5).
    assert board("next week") == {alice: 5, bob: 5}
