"""Rituals, their runs and everything a run leads to: participation, milestones, pairs, birthdays.

Claims are plain inserts under unique constraints (`ON CONFLICT DO NOTHING ... RETURNING`) and
conditional updates, so two Hearth processes sharing one database never both post a run or a recap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, false, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import dialect_insert, upsert_insert
from storage.models import (
    Birthday,
    Member,
    Ritual,
    RitualMember,
    RitualMilestone,
    RitualPairing,
    RitualParticipation,
    RitualRun,
)
from storage.times import as_utc

_RITUAL = Ritual.__table__  # type: ignore[attr-defined]
_RUN = RitualRun.__table__  # type: ignore[attr-defined]
_PARTICIPATION = RitualParticipation.__table__  # type: ignore[attr-defined]
_MILESTONE = RitualMilestone.__table__  # type: ignore[attr-defined]
_OPT_IN = RitualMember.__table__  # type: ignore[attr-defined]
_PAIRING = RitualPairing.__table__  # type: ignore[attr-defined]
_BIRTHDAY = Birthday.__table__  # type: ignore[attr-defined]
_MEMBER = Member.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class RitualRow:
    id: int
    community_id: int
    name: str
    kind: str
    channel: str
    channel_name: str
    schedule: str
    timezone: str
    starts_on: date
    prompt: str
    window_seconds: int
    points: int
    recap: bool
    paused: bool
    revision: int
    active_since: datetime
    created_by: int | None
    created_at: datetime


@dataclass(frozen=True)
class RunRow:
    id: int
    ritual_id: int
    scheduled_for: datetime
    status: str
    claimed_at: datetime
    window_ends_at: datetime
    message_id: str | None
    thread_id: str | None
    closed_at: datetime | None
    note: str | None
    extra: bool  # a moderator's extra run, standing for no scheduled occurrence


def _ritual(row: Any) -> RitualRow:
    values = dict(row._mapping)
    values["active_since"] = as_utc(values["active_since"])
    values["created_at"] = as_utc(values["created_at"])
    return RitualRow(**values)


def _run(mapping: Mapping[Any, Any]) -> RunRow:
    values = dict(mapping)
    for key in ("scheduled_for", "claimed_at", "window_ends_at", "closed_at"):
        if values[key] is not None:
            values[key] = as_utc(values[key])
    return RunRow(**values)


# -- rituals ---------------------------------------------------------------------------------------
async def create(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """The new ritual's id, or None when the community already has a ritual of that name."""
    inserted = await session.execute(
        upsert_insert(session, _RITUAL)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["community_id", "name"])
        .returning(_RITUAL.c.id)
    )
    found = inserted.scalar_one_or_none()
    return None if found is None else int(found)


async def get(session: AsyncSession, ritual_id: int) -> RitualRow | None:
    row = (await session.execute(select(_RITUAL).where(_RITUAL.c.id == ritual_id))).first()
    return None if row is None else _ritual(row)


async def by_name(session: AsyncSession, community_id: int, name: str) -> RitualRow | None:
    """The community's ritual called `name`, case aside in any script (`CAFÉ` finds `café`)."""
    # Compared here, not with SQL's lower(): SQLite's folds only A-Z. A community has a few rituals.
    wanted = name.casefold()
    rows = await session.execute(select(_RITUAL).where(_RITUAL.c.community_id == community_id))
    return next((_ritual(row) for row in rows if str(row.name).casefold() == wanted), None)


async def in_community(session: AsyncSession, community_id: int) -> list[RitualRow]:
    rows = await session.execute(select(_RITUAL).where(_RITUAL.c.community_id == community_id).order_by(_RITUAL.c.name))
    return [_ritual(row) for row in rows]


async def active(session: AsyncSession) -> list[RitualRow]:
    """Every ritual that is not paused, in every community (what the scheduler is rebuilt from)."""
    rows = await session.execute(select(_RITUAL).where(_RITUAL.c.paused.is_(False)).order_by(_RITUAL.c.id))
    return [_ritual(row) for row in rows]


async def change(session: AsyncSession, ritual_id: int, values: dict[str, Any]) -> None:
    """Update a ritual and bump its revision, so jobs armed for the old version stand down."""
    await session.execute(
        update(_RITUAL).where(_RITUAL.c.id == ritual_id).values(revision=_RITUAL.c.revision + 1, **values)
    )


async def remove(session: AsyncSession, ritual_id: int) -> None:
    """Delete a ritual with its runs and what they led to (ledger rows stay: the ledger is append-only)."""
    runs = select(_RUN.c.id).where(_RUN.c.ritual_id == ritual_id).scalar_subquery()
    await session.execute(delete(_PARTICIPATION).where(_PARTICIPATION.c.run_id.in_(runs)))
    await session.execute(delete(_PAIRING).where(_PAIRING.c.run_id.in_(runs)))
    await session.execute(delete(_MILESTONE).where(_MILESTONE.c.ritual_id == ritual_id))
    await session.execute(delete(_OPT_IN).where(_OPT_IN.c.ritual_id == ritual_id))
    await session.execute(delete(_RUN).where(_RUN.c.ritual_id == ritual_id))
    await session.execute(delete(_RITUAL).where(_RITUAL.c.id == ritual_id))


# -- runs --------------------------------------------------------------------------------------------
async def claim_run(
    session: AsyncSession,
    ritual_id: int,
    scheduled_for: datetime,
    status: str,
    claimed_at: datetime,
    window_ends_at: datetime,
    *,
    extra: bool = False,
) -> int | None:
    """Insert the run row; its id when this caller claimed the firing, None when someone already had. `extra`:
    a moderator's run-now that stands for no scheduled occurrence."""
    inserted = await session.execute(
        upsert_insert(session, _RUN)
        .values(
            ritual_id=ritual_id,
            scheduled_for=scheduled_for,
            status=status,
            claimed_at=claimed_at,
            window_ends_at=window_ends_at,
            extra=extra,
        )
        .on_conflict_do_nothing(index_elements=["ritual_id", "scheduled_for"])
        .returning(_RUN.c.id)
    )
    found = inserted.scalar_one_or_none()
    return None if found is None else int(found)


class _OneTrip:
    """A statement built and compiled once per dialect and run on the driver with plain parameters: on SQLite one
    trip to aiosqlite's thread (SQLAlchemy's cursor takes three or four, and building the statement anew costs
    more than running it). For the statements every ritual run passes through; their results are integers."""

    def __init__(self, build: Callable[[Any], Any]) -> None:
        self._build = build  # the dialect's name -> statement, its parameters named with `bindparam`
        self._compiled: dict[str, tuple[str, tuple[tuple[str, Callable[[Any], Any]], ...], dict[str, Any]]] = {}

    async def rows(self, session: AsyncSession, **values: Any) -> list[tuple[int, ...]]:
        connection = await session.connection()
        dialect = connection.dialect
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self._build(dialect.name).compile(dialect=dialect)
            if compiled.positiontup is None:
                raise RuntimeError(f"the {dialect.name} driver {dialect.driver} has no positional parameters")
            order = tuple(
                (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) or _same)
                for name in compiled.positiontup
            )
            found = self._compiled[dialect.name] = (compiled.string, order, dict(compiled.params))
        sql, order, fixed = found
        parameters = tuple(convert(values[name] if name in values else fixed[name]) for name, convert in order)
        if dialect.name == "sqlite":
            raw = await connection.get_raw_connection()
            rows = await raw.driver_connection.execute_fetchall(sql, parameters)  # type: ignore[union-attr]
        else:
            result = await connection.exec_driver_sql(sql, parameters)
            rows = result.all() if result.returns_rows else []
        return [tuple(int(value) for value in row) for row in rows]


def _same(value: Any) -> Any:
    return value


def _claim_statement(dialect: str) -> Any:
    unchanged = select(
        _RITUAL.c.id,
        bindparam("scheduled_for", type_=_RUN.c.scheduled_for.type),
        bindparam("status", type_=_RUN.c.status.type),
        bindparam("claimed_at", type_=_RUN.c.claimed_at.type),
        bindparam("window_ends_at", type_=_RUN.c.window_ends_at.type),
        false(),  # extra: a scheduled firing
    ).where(
        _RITUAL.c.id == bindparam("ritual_id"),
        _RITUAL.c.revision == bindparam("revision"),
        _RITUAL.c.paused.is_(False),
    )
    return (
        dialect_insert(dialect, _RUN)
        .from_select(["ritual_id", "scheduled_for", "status", "claimed_at", "window_ends_at", "extra"], unchanged)
        .on_conflict_do_nothing(index_elements=["ritual_id", "scheduled_for"])
        .returning(_RUN.c.id)
    )


def _posted_statement(_dialect: str) -> Any:
    return (
        update(_RUN)
        .where(_RUN.c.id == bindparam("run_id"))
        .values(
            status="posted",
            message_id=bindparam("message_id"),
            thread_id=bindparam("thread_id"),
            note=bindparam("note"),
            closed_at=bindparam("closed_at", type_=_RUN.c.closed_at.type),
        )
    )


def _close_statement(_dialect: str) -> Any:
    revision = select(_RITUAL.c.revision).where(_RITUAL.c.id == _RUN.c.ritual_id).scalar_subquery()
    taken = select(func.count()).where(_PARTICIPATION.c.run_id == _RUN.c.id).scalar_subquery()
    return (
        update(_RUN)
        .where(_RUN.c.id == bindparam("run_id"), _RUN.c.closed_at.is_(None))
        .values(closed_at=bindparam("now", type_=_RUN.c.closed_at.type))
        .returning(_RUN.c.ritual_id, revision, taken)
    )


_CLAIM = _OneTrip(_claim_statement)
_POSTED = _OneTrip(_posted_statement)
_CLOSE = _OneTrip(_close_statement)


async def claim_if_unchanged(
    session: AsyncSession,
    ritual_id: int,
    revision: int,
    scheduled_for: datetime,
    claimed_at: datetime,
    window_ends_at: datetime,
) -> int | None:
    """`claim_run` (status `posting`) in one statement, only while the ritual is still at `revision` and not
    paused: the id when this caller claimed the firing; None when someone already had, or the ritual changed,
    was paused or deleted (the caller reads it to learn which). A scheduled firing needs no read of a ritual it
    already knows."""
    found = await _CLAIM.rows(
        session,
        ritual_id=ritual_id,
        revision=revision,
        scheduled_for=scheduled_for,
        status="posting",
        claimed_at=claimed_at,
        window_ends_at=window_ends_at,
    )
    return found[0][0] if found else None


async def finish_posted(
    session: AsyncSession,
    run_id: int,
    message_id: str | None,
    thread_id: str | None,
    note: str | None,
    closed_at: datetime | None,
) -> None:
    """The run is posted (`finish_run` with status `posted`, in one statement)."""
    await _POSTED.rows(
        session, run_id=run_id, message_id=message_id, thread_id=thread_id, note=note, closed_at=closed_at
    )


async def close_if_claimed(session: AsyncSession, run_id: int, now: datetime) -> tuple[int, int, int] | None:
    """Mark a run's window closed, in one statement; for the one caller that did it, the run's ritual id, that
    ritual's revision (to tell whether a ritual the caller knows is still as it was) and how many members took
    part in the run."""
    found = await _CLOSE.rows(session, run_id=run_id, now=now)
    if not found:
        return None
    ritual_id, revision, taken = found[0]
    return ritual_id, revision, taken


async def finish_run(session: AsyncSession, run_id: int, **values: Any) -> None:
    await session.execute(update(_RUN).where(_RUN.c.id == run_id).values(**values))


async def interrupted(session: AsyncSession, now: datetime, claimed_before: datetime, note: str) -> list[int]:
    """Runs claimed but never marked posted, whose window has ended and whose claim is older than `claimed_before`:
    the process posting them stopped under the post (`kill -9`, a crash). Each is marked failed with `note` and
    closed at `now`; their ids are returned. A post under way elsewhere takes seconds, never a window."""
    rows = await session.execute(
        update(_RUN)
        .where(
            _RUN.c.status == "posting",
            _RUN.c.closed_at.is_(None),
            _RUN.c.window_ends_at <= now,
            _RUN.c.claimed_at <= claimed_before,
        )
        .values(status="failed", note=note, closed_at=now)
        .returning(_RUN.c.id)
    )
    return [row.id for row in rows]


async def next_interrupted(session: AsyncSession, posting_at_most: timedelta) -> datetime | None:
    """When the first run still "posting" becomes one `interrupted` marks failed (its window ended and its claim
    older than `posting_at_most`); None when no run is being posted. Few runs are ever being posted at once."""
    rows = await session.execute(
        select(_RUN.c.claimed_at, _RUN.c.window_ends_at).where(_RUN.c.status == "posting", _RUN.c.closed_at.is_(None))
    )
    return min((max(as_utc(ends), as_utc(claimed) + posting_at_most) for claimed, ends in rows), default=None)


async def claim_close(session: AsyncSession, run_id: int, now: datetime) -> bool:
    """Mark a run's window closed; True only for the one caller that did it."""
    done = await session.execute(
        update(_RUN).where(_RUN.c.id == run_id, _RUN.c.closed_at.is_(None)).values(closed_at=now)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


async def get_run(session: AsyncSession, run_id: int) -> RunRow | None:
    row = (await session.execute(select(_RUN).where(_RUN.c.id == run_id))).first()
    return None if row is None else _run(row._mapping)


async def latest_slot(session: AsyncSession, ritual_id: int) -> datetime | None:
    found = (
        await session.execute(select(func.max(_RUN.c.scheduled_for)).where(_RUN.c.ritual_id == ritual_id))
    ).scalar_one_or_none()
    return None if found is None else as_utc(found)


async def unclosed(session: AsyncSession) -> list[RunRow]:
    """Posted runs whose window has not been closed (recap or follow-up still to come)."""
    rows = await session.execute(
        select(_RUN).where(_RUN.c.closed_at.is_(None), _RUN.c.status == "posted").order_by(_RUN.c.window_ends_at)
    )
    return [_run(row._mapping) for row in rows]


@dataclass(frozen=True)
class OpenRun:
    """A run whose participation window is open, with what matching a message needs: posted, or claimed and
    being posted (`thread_id` is known only once posted)."""

    run_id: int
    ritual_id: int
    kind: str
    channel: str
    thread_id: str | None
    claimed_at: datetime
    window_ends_at: datetime


async def open_runs(session: AsyncSession, now: datetime) -> dict[int, list[OpenRun]]:
    """Every community's open runs, by community, in one read (few are open at any moment). A run being posted
    is open from its claim: the platform shows the prompt before the run is marked posted, and a reply in
    between answers it."""
    rows = await session.execute(
        select(
            _RITUAL.c.community_id,
            _RUN.c.id,
            _RUN.c.ritual_id,
            _RITUAL.c.kind,
            _RITUAL.c.channel,
            _RUN.c.thread_id,
            _RUN.c.claimed_at,
            _RUN.c.window_ends_at,
        )
        .join(_RITUAL, _RITUAL.c.id == _RUN.c.ritual_id)
        .where(_RUN.c.status.in_(("posting", "posted")), _RUN.c.window_ends_at > now)
    )
    found: dict[int, list[OpenRun]] = {}
    for row in rows:
        run = OpenRun(row[1], row[2], row[3], row[4], row[5], as_utc(row[6]), as_utc(row[7]))
        found.setdefault(row[0], []).append(run)
    return found


@dataclass(frozen=True)
class RunSummary:
    run: RunRow
    participants: int


async def history(session: AsyncSession, ritual_id: int, limit: int = 10) -> list[RunSummary]:
    counts = select(_PARTICIPATION.c.run_id, func.count().label("n")).group_by(_PARTICIPATION.c.run_id).subquery()
    rows = await session.execute(
        select(_RUN, func.coalesce(counts.c.n, 0).label("participants"))
        .outerjoin(counts, counts.c.run_id == _RUN.c.id)
        .where(_RUN.c.ritual_id == ritual_id)
        .order_by(_RUN.c.scheduled_for.desc())
        .limit(limit)
    )
    summaries = []
    for row in rows:
        values = dict(row._mapping)
        count = int(values.pop("participants"))
        summaries.append(RunSummary(_run(values), count))
    return summaries


async def posted_runs(session: AsyncSession, ritual_id: int, limit: int) -> list[RunRow]:
    """The most recent posted runs, newest first (what streaks are counted over)."""
    rows = await session.execute(
        select(_RUN)
        .where(_RUN.c.ritual_id == ritual_id, _RUN.c.status == "posted")
        .order_by(_RUN.c.scheduled_for.desc())
        .limit(limit)
    )
    return [_run(row._mapping) for row in rows]


# -- participation and milestones -------------------------------------------------------------------
async def participate(session: AsyncSession, run_id: int, member_id: int, now: datetime) -> bool:
    """Record that a member took part in a run; False when they already had."""
    inserted = await session.execute(
        upsert_insert(session, _PARTICIPATION)
        .values(run_id=run_id, member_id=member_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["run_id", "member_id"])
        .returning(_PARTICIPATION.c.member_id)
    )
    return inserted.first() is not None


async def participants(session: AsyncSession, run_ids: Sequence[int]) -> dict[int, set[int]]:
    """Member ids who took part, per run."""
    if not run_ids:
        return {}
    rows = await session.execute(
        select(_PARTICIPATION.c.run_id, _PARTICIPATION.c.member_id).where(_PARTICIPATION.c.run_id.in_(run_ids))
    )
    found: dict[int, set[int]] = defaultdict(set)
    for run_id, member_id in rows:
        found[run_id].add(member_id)
    return found


async def taken_part(session: AsyncSession, member_id: int, run_ids: Sequence[int]) -> set[int]:
    """Which of these runs one member took part in (their streak, without everyone else's rows)."""
    if not run_ids:
        return set()
    rows = await session.execute(
        select(_PARTICIPATION.c.run_id).where(
            _PARTICIPATION.c.member_id == member_id, _PARTICIPATION.c.run_id.in_(run_ids)
        )
    )
    return {run_id for (run_id,) in rows}


async def reach_milestone(
    session: AsyncSession, ritual_id: int, member_id: int, milestone: int, run_id: int, now: datetime
) -> bool:
    """True the first time a member reaches this milestone in this ritual (so it is celebrated once)."""
    inserted = await session.execute(
        upsert_insert(session, _MILESTONE)
        .values(ritual_id=ritual_id, member_id=member_id, milestone=milestone, run_id=run_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["ritual_id", "member_id", "milestone"])
        .returning(_MILESTONE.c.member_id)
    )
    return inserted.first() is not None


async def milestones_in_run(session: AsyncSession, run_id: int) -> list[tuple[int, int]]:
    rows = await session.execute(
        select(_MILESTONE.c.member_id, _MILESTONE.c.milestone)
        .where(_MILESTONE.c.run_id == run_id)
        .order_by(_MILESTONE.c.created_at, _MILESTONE.c.member_id)
    )
    return [(int(member_id), int(milestone)) for member_id, milestone in rows]


# -- pairing -------------------------------------------------------------------------------------------
async def opt_in(session: AsyncSession, ritual_id: int, member_id: int, now: datetime) -> bool:
    inserted = await session.execute(
        upsert_insert(session, _OPT_IN)
        .values(ritual_id=ritual_id, member_id=member_id, joined_at=now)
        .on_conflict_do_nothing(index_elements=["ritual_id", "member_id"])
        .returning(_OPT_IN.c.member_id)
    )
    return inserted.first() is not None


async def opt_out(session: AsyncSession, ritual_id: int, member_id: int) -> bool:
    done = await session.execute(
        delete(_OPT_IN).where(_OPT_IN.c.ritual_id == ritual_id, _OPT_IN.c.member_id == member_id)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


async def opted_in(session: AsyncSession, ritual_id: int) -> list[int]:
    """Members who opted in and are still in the community, in order of joining."""
    rows = await session.execute(
        select(_OPT_IN.c.member_id)
        .join(_MEMBER, _MEMBER.c.id == _OPT_IN.c.member_id)
        .where(_OPT_IN.c.ritual_id == ritual_id, _MEMBER.c.left_at.is_(None))
        .order_by(_OPT_IN.c.joined_at, _OPT_IN.c.member_id)
    )
    return [int(member_id) for (member_id,) in rows]


async def save_groups(session: AsyncSession, run_id: int, groups: Sequence[Sequence[int]]) -> None:
    rows = [
        {"run_id": run_id, "member_id": member_id, "group_no": number}
        for number, group in enumerate(groups, start=1)
        for member_id in group
    ]
    if rows:
        await session.execute(insert(_PAIRING), rows)


async def groups_of(session: AsyncSession, run_ids: Sequence[int]) -> dict[int, dict[int, list[int]]]:
    """Per run, the groups (by number) of member ids."""
    if not run_ids:
        return {}
    rows = await session.execute(
        select(_PAIRING.c.run_id, _PAIRING.c.group_no, _PAIRING.c.member_id)
        .where(_PAIRING.c.run_id.in_(run_ids))
        .order_by(_PAIRING.c.run_id, _PAIRING.c.group_no, _PAIRING.c.member_id)
    )
    found: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for run_id, group_no, member_id in rows:
        found[run_id][group_no].append(member_id)
    return found


async def decline(session: AsyncSession, run_id: int, member_id: int) -> None:
    """The member answered "Not this time" for this run's group."""
    await session.execute(
        update(_PAIRING).where(_PAIRING.c.run_id == run_id, _PAIRING.c.member_id == member_id).values(declined=True)
    )


async def declined(session: AsyncSession, run_id: int) -> set[int]:
    """Members of this run's groups who answered "Not this time"."""
    rows = await session.execute(
        select(_PAIRING.c.member_id).where(_PAIRING.c.run_id == run_id, _PAIRING.c.declined.is_(True))
    )
    return {int(member_id) for (member_id,) in rows}


async def withdraw(session: AsyncSession, run_id: int, member_id: int) -> bool:
    """Take back a member's participation in a run; False when they had none."""
    removed = await session.execute(
        delete(_PARTICIPATION).where(_PARTICIPATION.c.run_id == run_id, _PARTICIPATION.c.member_id == member_id)
    )
    return bool(removed.rowcount)  # type: ignore[attr-defined]


async def on_boards(session: AsyncSession, member_ids: Sequence[int]) -> set[int]:
    """Which of these members may be ranked and named for their streaks: still in their community (not left) and
    not hidden from boards by their own choice (`/privacy boards:hide`)."""
    if not member_ids:
        return set()
    rows = await session.execute(
        select(_MEMBER.c.id).where(
            _MEMBER.c.id.in_(member_ids), _MEMBER.c.left_at.is_(None), _MEMBER.c.hidden_from_boards.is_(False)
        )
    )
    return {int(member_id) for (member_id,) in rows}


# -- birthdays and anniversaries -----------------------------------------------------------------------
async def set_birthday(session: AsyncSession, community_id: int, member_id: int, month: int, day: int) -> None:
    statement = upsert_insert(session, _BIRTHDAY).values(
        community_id=community_id, member_id=member_id, month=month, day=day
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["community_id", "member_id"],
            set_={"month": statement.excluded.month, "day": statement.excluded.day},
        )
    )


async def remove_birthday(session: AsyncSession, community_id: int, member_id: int) -> bool:
    done = await session.execute(
        delete(_BIRTHDAY).where(_BIRTHDAY.c.community_id == community_id, _BIRTHDAY.c.member_id == member_id)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


async def birthdays_on(session: AsyncSession, community_id: int, days: Sequence[tuple[int, int]]) -> list[int]:
    """Members (still here) whose shared birthday is one of the (month, day) pairs."""
    rows = await session.execute(
        select(_BIRTHDAY.c.member_id, _BIRTHDAY.c.month, _BIRTHDAY.c.day)
        .join(_MEMBER, _MEMBER.c.id == _BIRTHDAY.c.member_id)
        .where(_BIRTHDAY.c.community_id == community_id, _MEMBER.c.left_at.is_(None))
        .order_by(_BIRTHDAY.c.member_id)
    )
    wanted = set(days)
    return [int(member_id) for member_id, month, day in rows if (month, day) in wanted]


async def join_dates(session: AsyncSession, community_id: int) -> list[tuple[int, datetime]]:
    """When each current (non-bot) member joined, as the platform says: the date their anniversary counts
    from. Members whose join date nobody knows (first seen speaking) and members who chose to stay off public
    mentions (`/privacy`) are left out: no celebration rather than a wrong one."""
    rows = await session.execute(
        select(_MEMBER.c.id, _MEMBER.c.platform_joined_at)
        .where(
            _MEMBER.c.community_id == community_id,
            _MEMBER.c.left_at.is_(None),
            _MEMBER.c.is_bot.is_(False),
            _MEMBER.c.hidden_from_boards.is_(False),
            _MEMBER.c.platform_joined_at.is_not(None),
        )
        .order_by(_MEMBER.c.id)
    )
    return [(int(member_id), as_utc(joined)) for member_id, joined in rows]
