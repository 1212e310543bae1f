"""Command claims: one row per state-changing command invocation, under a unique constraint.

A plain insert with `ON CONFLICT DO NOTHING ... RETURNING`, so two deliveries of the same request, even
in two processes sharing PostgreSQL, never both run the command. A confirmation (`/mydata delete`'s) is
answered once the same way: its first answer is claimed, and a later click is told what was chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import Compiled, bind_processor, dialect_insert, fetch
from storage.models import CommandClaim

_CLAIM = CommandClaim.__table__  # type: ignore[attr-defined]


@lru_cache(maxsize=4)
def _claim_statement(dialect: Dialect) -> tuple[Compiled, Callable[[datetime], Any]]:
    """The claim's INSERT, compiled once, and how its time goes to the driver: every state-changing command runs
    it, and through SQLAlchemy's cursor it took four trips to SQLite's driver thread (`fetch`: one)."""
    statement = (
        dialect_insert(dialect.name, _CLAIM)
        .values(
            community_id=bindparam("community_id"),
            invocation_id=bindparam("invocation_id"),
            claimed_at=bindparam("claimed_at"),
        )
        .on_conflict_do_nothing(index_elements=["community_id", "invocation_id"])
        .returning(_CLAIM.c.id)
    )
    return Compiled.of(statement, dialect), bind_processor(_CLAIM.c.claimed_at, dialect)


async def claim(session: AsyncSession, community_id: int, invocation_id: str, now: datetime) -> bool:
    """True when this caller claimed the invocation; False when it was claimed already (a replay)."""
    statement, bind_time = _claim_statement((await session.connection()).dialect)
    values = {"community_id": community_id, "invocation_id": invocation_id, "claimed_at": bind_time(now)}
    return bool(await fetch(session, statement, values))


async def release(session: AsyncSession, community_id: int, invocation_id: str) -> None:
    """Forget a claim whose command changed nothing (refused or failed), so a redelivery is answered the same."""
    await session.execute(
        delete(_CLAIM).where(_CLAIM.c.community_id == community_id, _CLAIM.c.invocation_id == invocation_id)
    )


async def answer(session: AsyncSession, community_id: int, question: str, choice: str, now: datetime) -> str | None:
    """Record `choice` as the answer to `question` (a confirmation's id) unless it was answered before.

    Returns None when `choice` is recorded now, else the earlier answer. Two claims in one transaction: the
    question's, unique, decides which answer is first even across processes; `question=choice` says what it
    was. Both carry the same time, so they are pruned together."""
    if await claim(session, community_id, question, now):
        await claim(session, community_id, f"{question}={choice}", now)
        return None
    return await answered(session, community_id, question)


async def answered(session: AsyncSession, community_id: int, question: str) -> str | None:
    """The answer recorded for `question`, or None when it has none."""
    found = await session.execute(
        select(_CLAIM.c.invocation_id).where(
            _CLAIM.c.community_id == community_id, _CLAIM.c.invocation_id.startswith(f"{question}=", autoescape=True)
        )
    )
    key = found.scalars().first()
    return None if key is None else str(key).removeprefix(f"{question}=")


async def unanswer(session: AsyncSession, community_id: int, question: str) -> None:
    """Forget an answer whose work failed, so the question may be answered again."""
    await session.execute(
        delete(_CLAIM).where(
            _CLAIM.c.community_id == community_id,
            (_CLAIM.c.invocation_id == question) | _CLAIM.c.invocation_id.startswith(f"{question}=", autoescape=True),
        )
    )


async def prune(session: AsyncSession, before: datetime) -> int:
    """Drop claims older than `before`; returns how many."""
    result = await session.execute(delete(_CLAIM).where(_CLAIM.c.claimed_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
