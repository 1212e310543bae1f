"""Recognition's storage: levels recorded as announced, once per member and level."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from storage import identity, recognition
from storage.engine import Database
from storage.models import LevelAnnounced

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


async def test_levels_reached_by_thousands_in_a_batch_are_recorded_once_each(db: Database) -> None:
    async with db.write() as session:
        community = await identity.ensure_community(session, "console", "local", "Local", NOW)
        first = await identity.ensure_member(session, community, "m0", "m0", False, NOW)
        # More members than one statement takes (the driver's limit on parameters is 32,766 on SQLite).
        await identity.insert_members(
            session,
            [identity.NewMember(first + n, community, f"m{n}", f"m{n}", False, NOW) for n in range(1, 17_000)],
        )
        await recognition.announce_level(session, first, 5)  # already announced higher
        await recognition.announce_level(session, first + 1, 1)  # lower: level 2 is news

    async with db.write() as session:
        firsts = await recognition.announce_levels(session, {first + n: 2 for n in range(17_000)})
    async with db.write() as session:
        again = await recognition.announce_levels(session, {first + n: 2 for n in range(17_000)})
    async with db.read() as session:
        table = LevelAnnounced.__table__  # type: ignore[attr-defined]
        counted = await session.execute(select(table.c.level, func.count()).group_by(table.c.level))
        levels: dict[int, int] = {level: count for level, count in counted.all()}

    assert first not in firsts and len(firsts) == 16_999
    assert again == set()
    assert levels == {5: 1, 2: 16_999}
