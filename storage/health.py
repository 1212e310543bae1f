"""Writing community-health aggregates: deltas gathered in memory, written by the activity buffer's batch.

`HealthDeltas` merges what passive events contribute (a message, a reply, a reaction, a newcomer's first
message) per row, so a batch upserts each (member, day) and (channel, day) once, adding to what is stored.
`write()` runs in the ledger batch's transaction (bot/core/ingest.py): aggregates and points are kept or lost
together. No text is ever among them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Dialect, and_, bindparam, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import dialect_insert, insert_rows_sqlite
from storage.health_models import (
    HealthChannelDay,
    HealthMemberDay,
    HealthMood,
    HealthNewcomer,
)

MEMBER_COUNTERS = ("messages", "replies_given", "replies_received", "reactions_given", "reactions_received")
CHANNEL_COUNTERS = ("messages", "replies", "reactions")
MOOD_COUNTERS = ("messages", "compound_sum", "positive", "neutral", "negative")
# Not added up: the larger of the stored and the batch's value (a distinct count cannot be summed).
MOOD_AUTHORS = "authors"


def local_day(moment: datetime, zone: str) -> date:
    """The community's calendar day of a moment."""
    return _day(zone, moment.timestamp() // 60)


def join_day(joined: datetime, zone: str) -> date:
    """The community's calendar day of a join (health's "new", the ladder, anniversaries). A join known only by its
    date (the console's `@name joined DATE`, kept as midnight UTC of that date) is that date in every zone: read as
    a moment, it would fall on the day before west of UTC (and be celebrated a day early). A platform's real
    timestamp (Discord's `joined_at`, a join Hearth saw) is a moment, on its local date in `zone`; one that falls
    exactly on midnight UTC, to the microsecond, reads as its UTC date: a day off at most, for a moment that a
    date-only join cannot otherwise be told from without a column of its own."""
    moment = utc(joined)
    return moment.date() if moment.time() == time(0) else local_day(moment, zone)


@lru_cache(maxsize=4096)
def _day(zone: str, minute: float) -> date:
    # Cached per minute (every zone's offset is whole minutes), as the ledger's buckets are.
    return datetime.fromtimestamp(minute * 60, ZoneInfo(zone)).date()


@dataclass
class HealthDeltas:
    """What a batch adds to the health tables, merged per row."""

    member_days: dict[tuple[int, int, date], list[int]] = field(default_factory=dict)
    channel_days: dict[tuple[int, str, date], list[int]] = field(default_factory=dict)
    moods: dict[tuple[int, str, date], list[float]] = field(default_factory=dict)  # MOOD_COUNTERS, then authors
    joins: dict[int, tuple[int, datetime]] = field(default_factory=dict)  # member -> (community, joined_at)
    first_messages: dict[int, tuple[datetime, str, str]] = field(default_factory=dict)  # member -> (at, id, channel)
    first_replies: list[tuple[int, str, datetime, int]] = field(default_factory=list)  # (newcomer, msg id, at, by)
    # member -> their first message's id, deleted before any reply: written before `first_messages`, so the next
    # message they post is their first post (the one awaiting a reply) in its stead.
    withdrawn: dict[int, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return (
            len(self.member_days)
            + len(self.channel_days)
            + len(self.moods)
            + len(self.joins)
            + len(self.first_messages)
            + len(self.first_replies)
            + len(self.withdrawn)
        )

    def member(self, community_id: int, member_id: int, day: date, column: str, count: int = 1) -> None:
        row = self.member_days.get((community_id, member_id, day))
        if row is None:
            row = self.member_days[(community_id, member_id, day)] = [0] * len(MEMBER_COUNTERS)
        row[MEMBER_COUNTERS.index(column)] += count

    def channel(self, community_id: int, channel: str, day: date, column: str) -> None:
        row = self.channel_days.get((community_id, channel, day))
        if row is None:
            row = self.channel_days[(community_id, channel, day)] = [0] * len(CHANNEL_COUNTERS)
        row[CHANNEL_COUNTERS.index(column)] += 1

    def mood(self, community_id: int, channel: str, day: date, authors: int, compound: float) -> None:
        """One scored message: VADER's usual thresholds (±0.05) make it positive, neutral or negative; `authors`:
        how many distinct members this process has seen write in the channel that day, this one included."""
        row = self.moods.get((community_id, channel, day))
        if row is None:
            row = self.moods[(community_id, channel, day)] = [0, 0.0, 0, 0, 0, 0]
        row[0] += 1
        row[1] += compound
        row[2 if compound >= 0.05 else 4 if compound <= -0.05 else 3] += 1
        row[5] = max(row[5], authors)

    def joined(self, community_id: int, member_id: int, at: datetime) -> None:
        self.joins.setdefault(member_id, (community_id, at))

    def first_message(self, member_id: int, at: datetime, message_id: str, channel: str) -> None:
        self.first_messages.setdefault(member_id, (at, message_id, channel))

    def first_reply(self, newcomer_id: int, message_id: str, at: datetime, by: int) -> None:
        self.first_replies.append((newcomer_id, message_id, at, by))

    def first_message_deleted(self, member_id: int, message_id: str) -> None:
        """A newcomer's first message was deleted before any reply: one still in this batch is dropped, one written
        already is withdrawn."""
        if self.first_messages.get(member_id, (None, None))[1] == message_id:
            del self.first_messages[member_id]
        else:
            self.withdrawn[member_id] = message_id

    def merged(self, later: HealthDeltas) -> HealthDeltas:
        """These deltas (a batch that failed to write) followed by `later` (added since), in one."""
        for member_key, row in later.member_days.items():
            mine = self.member_days.setdefault(member_key, [0] * len(MEMBER_COUNTERS))
            mine[:] = [a + b for a, b in zip(mine, row, strict=True)]
        for channel_key, counts in later.channel_days.items():
            ours = self.channel_days.setdefault(channel_key, [0] * len(CHANNEL_COUNTERS))
            ours[:] = [a + b for a, b in zip(ours, counts, strict=True)]
        for channel_key, values in later.moods.items():
            found = self.moods.setdefault(channel_key, [0, 0.0, 0, 0, 0, 0])
            found[:] = [a + b for a, b in zip(found[:5], values[:5], strict=True)] + [max(found[5], values[5])]
        for member, joined in later.joins.items():
            self.joins.setdefault(member, joined)
        for member, message_id in later.withdrawn.items():  # deleted after this batch's messages: first
            self.first_message_deleted(member, message_id)
        for member, first in later.first_messages.items():
            self.first_messages.setdefault(member, first)
        self.first_replies.extend(later.first_replies)
        return self

    def member_ids(self) -> set[int]:
        """Every member the deltas name."""
        return (
            {member for _, member, _ in self.member_days}
            | set(self.joins)
            | set(self.first_messages)
            | {member for newcomer, _, _, by in self.first_replies for member in (newcomer, by)}
            | set(self.withdrawn)
        )

    def community_ids(self) -> set[int]:
        """Every community the deltas name (a join's, or a member-, channel- or mood-day's)."""
        return (
            {community for community, _, _ in self.member_days}
            | {community for community, _, _ in self.channel_days}
            | {community for community, _, _ in self.moods}
            | {community for community, _ in self.joins.values()}
        )

    def without(self, members: set[int], communities: set[int]) -> HealthDeltas:
        """The same deltas less every row of one of `members` or `communities` (deleted meanwhile)."""
        out = HealthDeltas()
        out.member_days = {
            key: row for key, row in self.member_days.items() if key[0] not in communities and key[1] not in members
        }
        out.channel_days = {key: row for key, row in self.channel_days.items() if key[0] not in communities}
        out.moods = {key: row for key, row in self.moods.items() if key[0] not in communities}
        out.joins = {m: v for m, v in self.joins.items() if m not in members and v[0] not in communities}
        out.first_messages = {m: v for m, v in self.first_messages.items() if m not in members}
        out.first_replies = [row for row in self.first_replies if row[0] not in members and row[3] not in members]
        out.withdrawn = {m: v for m, v in self.withdrawn.items() if m not in members}
        return out

    def remapped(self, moved: dict[int, int]) -> HealthDeltas:
        """The same deltas with member ids another process wrote first replaced by theirs (see ingest)."""

        def m(member_id: int) -> int:
            return moved.get(member_id, member_id)

        out = HealthDeltas()
        for (community, member, day), row in self.member_days.items():
            for column, count in zip(MEMBER_COUNTERS, row, strict=True):
                if count:
                    out.member(community, m(member), day, column, count)
        out.channel_days = self.channel_days
        out.moods = self.moods
        out.joins = {m(member): value for member, value in self.joins.items()}
        out.first_messages = {m(member): value for member, value in self.first_messages.items()}
        out.first_replies = [(m(n), mid, at, m(by)) for n, mid, at, by in self.first_replies]
        out.withdrawn = {m(member): value for member, value in self.withdrawn.items()}
        return out


@dataclass(frozen=True)
class _Statements:
    member_upsert: str
    channel_upsert: str
    mood_upsert: str
    join_insert: str


def _upsert_sql(
    dialect: Dialect, table: Any, keys: Sequence[str], counters: Sequence[str], maxima: Sequence[str] = ()
) -> str:
    """An upsert that adds `counters` to the stored row and keeps the larger of `maxima`. SQLite: a single-row
    statement (repeated as multi-row VALUES); PostgreSQL: one statement for a whole batch, each column's values
    an array (`INSERT ... SELECT unnest(...)`): a statement per row cost the server one per message. The rows
    must then be distinct by key (they are: merged per row in memory)."""
    columns = (*keys, *counters, *maxima)
    if dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql  # not imported where only SQLite is used (start-up)

        arrays = select(*[func.unnest(bindparam(name, type_=postgresql.ARRAY(table.c[name].type))) for name in columns])
        insert = postgresql.insert(table).from_select(list(columns), arrays)
    else:
        insert = dialect_insert(dialect.name, table).values({name: bindparam(name) for name in columns})
    added = {name: table.c[name] + insert.excluded[name] for name in counters}
    larger = {
        name: case((insert.excluded[name] > table.c[name], insert.excluded[name]), else_=table.c[name])
        for name in maxima
    }
    statement = insert.on_conflict_do_update(index_elements=list(keys), set_=added | larger)
    compiled = statement.compile(dialect=dialect)
    if tuple(compiled.positiontup or ()) != columns:
        raise RuntimeError(f"{dialect.name} orders INSERT parameters unlike their columns")
    return compiled.string


def _ignore_sql(dialect: Dialect, table: Any, columns: Sequence[str], keys: Sequence[str]) -> str:
    insert = dialect_insert(dialect.name, table).values({name: bindparam(name) for name in columns})
    compiled = insert.on_conflict_do_nothing(index_elements=list(keys)).compile(dialect=dialect)
    if tuple(compiled.positiontup or ()) != tuple(columns):
        raise RuntimeError(f"{dialect.name} orders INSERT parameters unlike their columns")
    return compiled.string


@lru_cache(maxsize=8)
def _statements(dialect: Dialect) -> _Statements:
    """Compiled once per dialect and run with plain tuples, like the ledger's hot statements."""
    member_day = HealthMemberDay.__table__  # type: ignore[attr-defined]
    channel_day = HealthChannelDay.__table__  # type: ignore[attr-defined]
    mood = HealthMood.__table__  # type: ignore[attr-defined]
    newcomer = HealthNewcomer.__table__  # type: ignore[attr-defined]
    return _Statements(
        member_upsert=_upsert_sql(dialect, member_day, ("community_id", "member_id", "day"), MEMBER_COUNTERS),
        channel_upsert=_upsert_sql(dialect, channel_day, ("community_id", "channel", "day"), CHANNEL_COUNTERS),
        mood_upsert=_upsert_sql(dialect, mood, ("community_id", "channel", "day"), MOOD_COUNTERS, (MOOD_AUTHORS,)),
        join_insert=_ignore_sql(dialect, newcomer, ("member_id", "community_id", "joined_at"), ("member_id",)),
    )


def utc(moment: datetime) -> datetime:
    """A moment as the health tables take it: aware, in UTC (SQLModel's UTCDateTime refuses naive times)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def write(session: AsyncSession, deltas: HealthDeltas) -> None:
    """Add a batch's deltas to the health tables, in the caller's transaction.

    Rows go in key order on PostgreSQL, so two processes' batches lock rows in the same order (no deadlock).
    Newcomers: joins first, then first messages deleted before a reply are withdrawn, then first messages (only
    where none is known: the earliest batch wins), then first replies (only to the newcomer's first message, only
    the first).
    """
    if not len(deltas):
        return
    connection = await session.connection()
    statements = _statements(connection.dialect)
    sqlite = connection.dialect.name == "sqlite"

    def day_value(day: date) -> Any:
        return day.isoformat() if sqlite else day

    def time_value(moment: datetime) -> Any:
        # SQLite: the text UTCDateTime stores (naive UTC, microseconds), as the ledger's hot path writes it.
        return utc(moment).replace(tzinfo=None).isoformat(" ", "microseconds") if sqlite else utc(moment)

    async def rows(sql: str, values: list[tuple[Any, ...]], arrays: bool = False) -> None:
        """Run `sql` for each row; `arrays`: on PostgreSQL it takes the columns as arrays (_upsert_sql)."""
        if not values:
            return
        if sqlite:
            await insert_rows_sqlite(connection, sql, values)
        elif arrays:
            await connection.exec_driver_sql(sql, tuple(map(list, zip(*values, strict=True))))
        else:
            await connection.exec_driver_sql(sql, values)

    await rows(
        statements.join_insert,
        [(member, community, time_value(at)) for member, (community, at) in sorted(deltas.joins.items())],
    )
    await rows(
        statements.member_upsert,
        [(c, m, day_value(d), *row) for (c, m, d), row in sorted(deltas.member_days.items())],
        arrays=True,
    )
    await rows(
        statements.channel_upsert,
        [(c, ch, day_value(d), *row) for (c, ch, d), row in sorted(deltas.channel_days.items())],
        arrays=True,
    )
    await rows(
        statements.mood_upsert,
        [(c, ch, day_value(d), *row) for (c, ch, d), row in sorted(deltas.moods.items())],
        arrays=True,
    )
    newcomer = HealthNewcomer.__table__  # type: ignore[attr-defined]
    for member, message_id in sorted(deltas.withdrawn.items()):  # an answered one stays: it was answered
        await session.execute(
            update(newcomer)
            .where(
                newcomer.c.member_id == member,
                newcomer.c.first_message_id == message_id,
                newcomer.c.first_reply_at.is_(None),
            )
            .values(first_message_at=None, first_message_id=None, first_message_channel=None)
            .execution_options(synchronize_session=False)
        )
    if deltas.first_messages:
        await session.execute(
            update(newcomer)
            .where(and_(newcomer.c.member_id == bindparam("m"), newcomer.c.first_message_at.is_(None)))
            .values(
                first_message_at=bindparam("at"),
                first_message_id=bindparam("mid"),
                first_message_channel=bindparam("ch"),
            ),
            [
                {"m": member, "at": utc(at), "mid": message_id, "ch": channel}
                for member, (at, message_id, channel) in sorted(deltas.first_messages.items())
            ],
            execution_options={"synchronize_session": False},
        )
    if deltas.first_replies:
        for newcomer_id, message_id, at, by in deltas.first_replies:  # in arrival order: the first one wins
            await session.execute(
                update(newcomer)
                .where(
                    newcomer.c.member_id == newcomer_id,
                    newcomer.c.first_message_id == message_id,
                    newcomer.c.first_reply_at.is_(None),
                )
                .values(first_reply_at=utc(at), first_reply_by=by)
                .execution_options(synchronize_session=False)
            )
