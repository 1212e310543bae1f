"""Stored per-community setting values, as text (each cog declares their types and defaults)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import upsert_insert
from storage.models import CommunitySetting


async def load(session: AsyncSession, community_id: int) -> dict[str, str]:
    table = CommunitySetting.__table__  # type: ignore[attr-defined]
    rows = await session.execute(select(table.c.key, table.c.value).where(table.c.community_id == community_id))
    return {row.key: row.value for row in rows}


async def load_all(session: AsyncSession) -> dict[int, dict[str, str]]:
    """Every community's stored values, in one read (the table holds only values changed from defaults)."""
    table = CommunitySetting.__table__  # type: ignore[attr-defined]
    rows = await session.execute(select(table.c.community_id, table.c.key, table.c.value))
    found: dict[int, dict[str, str]] = {}
    for row in rows:
        found.setdefault(row.community_id, {})[row.key] = row.value
    return found


async def store(session: AsyncSession, community_id: int, key: str, value: str) -> None:
    table = CommunitySetting.__table__  # type: ignore[attr-defined]
    statement = upsert_insert(session, table).values(community_id=community_id, key=key, value=value)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["community_id", "key"], set_={"value": statement.excluded.value}
        )
    )
