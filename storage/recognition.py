"""Recognition's own reads beyond the ledger's totals."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import upsert_insert
from storage.models import Contribution, Member, ReactionKudos


async def off_boards(session: AsyncSession, member_id: int) -> bool:
    """Hidden from boards by their own choice, or gone from the community. A member whose row is not written
    yet (first seen a moment ago) is on the boards."""
    table = Member.__table__  # type: ignore[attr-defined]
    found = (
        await session.execute(select(table.c.hidden_from_boards, table.c.left_at).where(table.c.id == member_id))
    ).first()
    return found is not None and (bool(found[0]) or found[1] is not None)


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
    """When the member joined (None: their row is not written yet: first seen a moment ago)."""
    table = Member.__table__  # type: ignore[attr-defined]
    found = (await session.execute(select(table.c.joined_at).where(table.c.id == member_id))).first()
    return _aware(found[0]) if found else None


async def last_kudos_between(
    session: AsyncSession, community_id: int, giver_id: int, receiver_id: int, since: datetime
) -> datetime | None:
    """When the giver last thanked the receiver, if after `since` (the giver's kudos_given rows: an index range)."""
    ledger = Contribution.__table__  # type: ignore[attr-defined]
    found = (
        await session.execute(
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
    ).first()
    return _aware(found[0]) if found else None
