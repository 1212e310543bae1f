"""Seasons: boundaries over the ledger's history, never resets.

Starting a season copies the community's all-time totals into the bucket `at:<season id>` (one INSERT ...
SELECT over the community's totals, once per season). A season's board is then the all-time totals less
that copy: while it runs, computed from the two buckets (an index range over the community's totals, no
ledger rows); when the next season starts, it is written once as the bucket `season:<id>`, an ordinary
board (top 10 by index) for ever after. Nothing is deleted, and the all-time board goes on.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, false, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member, MemberTotal, Season

ALL_TIME = "all"


@dataclass(frozen=True)
class SeasonRow:
    id: int
    name: str
    started_at: datetime
    closed_at: datetime | None


def start_bucket(season_id: int) -> str:
    """The bucket holding the community's all-time totals as they were when the season started."""
    return f"at:{season_id}"


def board_bucket(season_id: int) -> str:
    """The bucket holding a closed season's board, written when it closed."""
    return f"season:{season_id}"


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _row(found: Any) -> SeasonRow:
    season_id, name, started, closed = found
    return SeasonRow(int(season_id), str(name), _aware(started) or started, _aware(closed))


async def current(session: AsyncSession, community_id: int) -> SeasonRow | None:
    table = Season.__table__  # type: ignore[attr-defined]
    found = await session.execute(
        select(table.c.id, table.c.name, table.c.started_at, table.c.closed_at).where(
            table.c.community_id == community_id, table.c.closed_at.is_(None)
        )
    )
    first = found.first()
    return _row(first) if first else None


async def by_name(session: AsyncSession, community_id: int, name: str) -> SeasonRow | None:
    """The community's season called `name`, case aside in any script (`été 2026` finds `Été 2026`)."""
    table = Season.__table__  # type: ignore[attr-defined]
    # Compared here, not with SQL's lower(): SQLite's folds only A-Z, so a name with a capital such as `É` or `Ω`
    # matched nothing, not even as typed. A community has a few seasons a year, so reading them all is cheap.
    found = await session.execute(
        select(table.c.id, table.c.name, table.c.started_at, table.c.closed_at).where(
            table.c.community_id == community_id
        )
    )
    wanted = _folded(name)
    return next((_row(row) for row in found if _folded(str(row.name)) == wanted), None)


def _folded(name: str) -> str:
    """A season name as compared: composed, case aside, dotted `İ` as `i` (as tags and ritual names are read;
    `casefold` alone makes it `i` and a combining dot), spaces as one (a name started before 2026-12-02 may hold
    a line break: `season:"Spring 2027"` finds it)."""
    return " ".join(unicodedata.normalize("NFC", name.replace("İ", "i")).casefold().split())


async def every(session: AsyncSession, community_id: int) -> list[SeasonRow]:
    """The community's seasons, running and closed (a community has a few a year)."""
    table = Season.__table__  # type: ignore[attr-defined]
    found = await session.execute(
        select(table.c.id, table.c.name, table.c.started_at, table.c.closed_at).where(
            table.c.community_id == community_id
        )
    )
    return [_row(row) for row in found]


async def recent(session: AsyncSession, community_id: int, limit: int = 10) -> list[SeasonRow]:
    """The community's `limit` most recently started seasons, newest first (the running one, then closed ones)."""
    table = Season.__table__  # type: ignore[attr-defined]
    found = await session.execute(
        select(table.c.id, table.c.name, table.c.started_at, table.c.closed_at)
        .where(table.c.community_id == community_id)
        .order_by(table.c.started_at.desc(), table.c.id.desc())
        .limit(limit)
    )
    return [_row(row) for row in found]


_COLUMNS = ("community_id", "bucket", "member_id", "points", "kudos_received", "kudos_given", "messages")
_COUNTS = ("points", "kudos_received", "kudos_given", "messages")


async def _copy_all_time(session: AsyncSession, community_id: int, bucket: str, less: str | None = None) -> None:
    """Write the community's all-time totals as `bucket`, less those of bucket `less` when given (one
    INSERT ... SELECT over the community's totals)."""
    totals = MemberTotal.__table__  # type: ignore[attr-defined]
    base = totals.alias("base")
    counts = [totals.c[name] - func.coalesce(base.c[name], 0) if less else totals.c[name] for name in _COUNTS]
    source = totals.outerjoin(base, _same_member(base, totals, less)) if less else totals
    await session.execute(
        insert(totals).from_select(
            list(_COLUMNS),
            select(totals.c.community_id, literal(bucket), totals.c.member_id, *counts)
            .select_from(source)
            .where(totals.c.community_id == community_id, totals.c.bucket == ALL_TIME),
        )
    )


async def start(session: AsyncSession, community_id: int, name: str, now: datetime) -> tuple[SeasonRow | None, int]:
    """Close the running season (its board written as `season:<id>`) and start `name` from the totals as they
    are now. Returns the closed season (if any) and the new season's id."""
    seasons = Season.__table__  # type: ignore[attr-defined]
    running = await current(session, community_id)
    if running is not None:
        await session.execute(update(seasons).where(seasons.c.id == running.id).values(closed_at=now))
        await _copy_all_time(session, community_id, board_bucket(running.id), less=start_bucket(running.id))
    created = await session.execute(
        insert(seasons).values(community_id=community_id, name=name, started_at=now).returning(seasons.c.id)
    )
    season_id = int(created.scalar_one())
    await _copy_all_time(session, community_id, start_bucket(season_id))
    return running, season_id


def _same_member(base: object, totals: object, bucket: str) -> object:
    return and_(
        base.c.community_id == totals.c.community_id,  # type: ignore[attr-defined]
        base.c.member_id == totals.c.member_id,  # type: ignore[attr-defined]
        base.c.bucket == bucket,  # type: ignore[attr-defined]
    )


async def running_board(
    session: AsyncSession, community_id: int, season_id: int, limit: int
) -> list[tuple[int, int, str, str]]:
    """(member id, points, external id, name) of the running season's leaders: all-time less the copy."""
    totals = MemberTotal.__table__  # type: ignore[attr-defined]
    members = Member.__table__  # type: ignore[attr-defined]
    base = totals.alias("base")
    gained = totals.c.points - func.coalesce(base.c.points, 0)
    found = await session.execute(
        select(totals.c.member_id, gained, members.c.external_id, members.c.display_name)
        .select_from(
            totals.outerjoin(base, _same_member(base, totals, start_bucket(season_id))).join(
                members, members.c.id == totals.c.member_id
            )
        )
        .where(
            totals.c.community_id == community_id,
            totals.c.bucket == ALL_TIME,
            gained != 0,  # a member who lost points in the season ranks below zero
            members.c.hidden_from_boards == false(),
            members.c.left_at.is_(None),
        )
        .order_by(gained.desc(), totals.c.member_id)
        .limit(limit)
    )
    return [(int(a), int(b), str(c), str(d)) for a, b, c, d in found]
