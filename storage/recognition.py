"""Recognition's own reads beyond the ledger's totals."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member


async def off_boards(session: AsyncSession, member_id: int) -> bool:
    """Hidden from boards by their own choice, or gone from the community. A member whose row is not written
    yet (first seen a moment ago) is on the boards."""
    table = Member.__table__  # type: ignore[attr-defined]
    found = (
        await session.execute(select(table.c.hidden_from_boards, table.c.left_at).where(table.c.id == member_id))
    ).first()
    return found is not None and (bool(found[0]) or found[1] is not None)
