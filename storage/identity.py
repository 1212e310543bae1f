"""Map platform refs to our integer ids, once per community and member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import upsert_insert
from storage.models import Community, Member


@dataclass(frozen=True)
class MemberRow:
    id: int
    community_id: int
    external_id: str
    display_name: str
    is_bot: bool


async def ensure_community(session: AsyncSession, platform: str, external_id: str, name: str, now: datetime) -> int:
    table = Community.__table__  # type: ignore[attr-defined]
    await session.execute(
        upsert_insert(session, table)
        .values(platform=platform, external_id=external_id, name=name, created_at=now)
        .on_conflict_do_nothing(index_elements=["platform", "external_id"])
    )
    found = await session.execute(
        select(table.c.id).where(table.c.platform == platform, table.c.external_id == external_id)
    )
    return int(found.scalar_one())


async def ensure_member(
    session: AsyncSession,
    community_id: int,
    external_id: str,
    display_name: str,
    is_bot: bool,
    now: datetime,
) -> int:
    """The member's id, creating the row on first sight and keeping the display name current."""
    table = Member.__table__  # type: ignore[attr-defined]
    await session.execute(
        upsert_insert(session, table)
        .values(
            community_id=community_id,
            external_id=external_id,
            display_name=display_name,
            is_bot=is_bot,
            joined_at=now,
        )
        .on_conflict_do_nothing(index_elements=["community_id", "external_id"])
    )
    row = (
        await session.execute(
            select(table.c.id, table.c.display_name).where(
                table.c.community_id == community_id, table.c.external_id == external_id
            )
        )
    ).one()
    if display_name and row.display_name != display_name:
        await session.execute(update(table).where(table.c.id == row.id).values(display_name=display_name))
    return int(row.id)


async def mark_left(session: AsyncSession, member_id: int, now: datetime | None) -> None:
    table = Member.__table__  # type: ignore[attr-defined]
    await session.execute(update(table).where(table.c.id == member_id).values(left_at=now))


async def find_member_by_name(session: AsyncSession, community_id: int, name: str) -> MemberRow | None:
    """A member by display name or external id (for text platforms that name people)."""
    table = Member.__table__  # type: ignore[attr-defined]
    found = (
        await session.execute(
            select(table)
            .where(
                table.c.community_id == community_id,
                (table.c.display_name == name) | (table.c.external_id == name),
            )
            .limit(1)
        )
    ).first()
    if found is None:
        return None
    return MemberRow(found.id, found.community_id, found.external_id, found.display_name, found.is_bot)


async def lock_member(session: AsyncSession, member_id: int) -> None:
    """Row lock on PostgreSQL (SELECT ... FOR UPDATE); SQLite's write transaction already excludes others."""
    if session.get_bind().dialect.name == "sqlite":
        return  # a statement that locks nothing would only cost a round trip on the command path
    table = Member.__table__  # type: ignore[attr-defined]
    await session.execute(select(table.c.id).where(table.c.id == member_id).with_for_update())


@dataclass(frozen=True)
class CommunityRow:
    id: int
    platform: str
    external_id: str
    name: str


async def community_by_id(session: AsyncSession, community_id: int) -> CommunityRow:
    table = Community.__table__  # type: ignore[attr-defined]
    row = (await session.execute(select(table).where(table.c.id == community_id))).one()
    return CommunityRow(row.id, row.platform, row.external_id, row.name)


async def members_by_id(session: AsyncSession, member_ids: list[int]) -> dict[int, MemberRow]:
    """Members by our id (for mentioning or messaging them from a scheduled job)."""
    if not member_ids:
        return {}
    table = Member.__table__  # type: ignore[attr-defined]
    rows = await session.execute(select(table).where(table.c.id.in_(member_ids)))
    return {row.id: MemberRow(row.id, row.community_id, row.external_id, row.display_name, row.is_bot) for row in rows}
