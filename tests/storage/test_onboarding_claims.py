"""Exactly-once claims of onboarding notices and batched welcomes, with two processes' engines racing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from storage import identity, onboarding
from storage.engine import Database
from tests.conftest import START


@pytest.fixture
async def two_engines(db: Database, database_url: str) -> AsyncIterator[tuple[Database, Database, int, list[int]]]:
    """The migrated database, a second engine on it, a community and three members with journeys."""
    other = Database.open(database_url)
    async with db.write() as session:
        community = await identity.ensure_community(session, "console", "c", "C", START)
        members = [await identity.ensure_member(session, community, f"m{n}", f"m{n}", False, START) for n in range(3)]
        for member in members:
            assert await onboarding.start_journey(session, community, member, START)
            await onboarding.queue_welcome(session, member, START)
    try:
        yield db, other, community, members
    finally:
        await other.dispose()


async def test_a_notice_is_claimed_by_exactly_one_process(
    two_engines: tuple[Database, Database, int, list[int]],
) -> None:
    first, second, _, members = two_engines

    async def claim(db: Database) -> bool:
        async with db.write() as session:
            return await onboarding.claim_notice(session, members[0], "rules", "nudge", START)

    results = await asyncio.gather(*(claim(db) for db in (first, second, first, second)))
    assert sorted(results) == [False, False, False, True]
    async with first.write() as session:
        await onboarding.release_notice(session, members[0], "rules", "nudge")
    assert await claim(second)  # a released claim (sending failed) can be claimed again


async def test_queued_welcomes_are_taken_once(two_engines: tuple[Database, Database, int, list[int]]) -> None:
    first, second, community, members = two_engines

    async def take(db: Database) -> list[int]:
        async with db.write() as session:
            return await onboarding.take_queued_welcomes(session, community, START, START)

    taken = await asyncio.gather(take(first), take(second))
    assert sorted(taken, key=len) == [[], members]
    async with first.read() as session:
        assert await onboarding.recent_welcomes(session, community, START) == (3, 0)


@pytest.mark.parametrize("volunteers", [2, 1])
async def test_newcomers_joining_together_share_a_welcomer_only_when_all_are_taken(
    two_engines: tuple[Database, Database, int, list[int]], volunteers: int
) -> None:
    first, second, community, members = two_engines
    async with first.write() as session:
        latecomer = await identity.ensure_member(session, community, "m3", "m3", False, START)
        assert await onboarding.start_journey(session, community, latecomer, START)
        for volunteer in members[:volunteers]:
            assert await onboarding.set_welcomer(session, community, volunteer, True)
    assigned_first = asyncio.Event()

    async def assign(db: Database, newcomer: int, hold: bool) -> int | None:
        async with db.write() as session:
            welcomer = await onboarding.assign_welcomer(session, community, newcomer, START)
            if hold:  # still uncommitted while the other process assigns
                assigned_first.set()
                await asyncio.sleep(0.2)
            return welcomer

    first_join = asyncio.create_task(assign(first, members[2], hold=True))
    await assigned_first.wait()
    second_welcomer = await assign(second, latecomer, hold=False)
    if volunteers == 2:
        assert {await first_join, second_welcomer} == set(members[:2])
    else:  # the only welcomer welcomes both
        assert [await first_join, second_welcomer] == [members[0], members[0]]
