"""Map platform refs to our integer ids, once per community and member."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from storage import lifecycle
from storage.dialect import Compiled, fetch, insert_rows_sqlite, upsert_insert
from storage.models import Community, Member

# The names' columns (storage/models.py: Community.name, Member.display_name).
NAME_LIMIT = 200


def storable(name: str) -> str:
    """A community's or member's name as its column keeps it: without NUL characters and halves of surrogate pairs
    (PostgreSQL and the SQLite driver refuse them), at most NAME_LIMIT characters (PostgreSQL refuses a longer
    one). A name is written with every first-seen member of a batch: one the database refused would fail every
    write after it, however it reached Hearth. Ids are checked where they come in (the platforms' adapters)."""
    if name.isascii() and len(name) <= NAME_LIMIT and "\x00" not in name:
        return name
    return name.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")[:NAME_LIMIT]


@dataclass(frozen=True)
class MemberRow:
    id: int
    community_id: int
    external_id: str
    display_name: str
    is_bot: bool
    departed: bool = False


async def all_communities(session: AsyncSession) -> list[CommunityRow]:
    table = Community.__table__  # type: ignore[attr-defined]
    rows = await session.execute(select(table.c.id, table.c.platform, table.c.external_id, table.c.name))
    return [CommunityRow(row.id, row.platform, row.external_id, row.name) for row in rows]


async def ensure_community(session: AsyncSession, platform: str, external_id: str, name: str, now: datetime) -> int:
    return (await add_community(session, platform, external_id, name, now))[0]


async def add_community(
    session: AsyncSession, platform: str, external_id: str, name: str, now: datetime
) -> tuple[int, bool]:
    """The community's id, and whether this call created its row (then it has no members yet)."""
    table = Community.__table__  # type: ignore[attr-defined]
    inserted = await session.execute(
        upsert_insert(session, table)
        .values(platform=platform, external_id=external_id, name=storable(name), created_at=now)
        .on_conflict_do_nothing(index_elements=["platform", "external_id"])
    )
    found = await session.execute(
        select(table.c.id).where(table.c.platform == platform, table.c.external_id == external_id)
    )
    return int(found.scalar_one()), inserted.rowcount == 1  # type: ignore[attr-defined]


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
    display_name = storable(display_name)
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


@dataclass(frozen=True, slots=True)
class NewMember:
    """A first-seen member whose id was given in memory; written with the next write transaction."""

    id: int
    community_id: int
    external_id: str
    display_name: str
    is_bot: bool
    joined_at: datetime


@dataclass(frozen=True)
class NewCommunity:
    """A first-seen community whose id was given in memory (SQLite); written with the next write transaction."""

    id: int
    platform: str
    external_id: str
    name: str
    created_at: datetime


async def insert_communities(session: AsyncSession, rows: list[NewCommunity]) -> None:
    """Write first-seen communities under the ids they were given (SQLite, served by one process).
    Refuses, rolling the transaction back, if an id or ref was taken meanwhile by someone else."""
    table = Community.__table__  # type: ignore[attr-defined]
    await session.execute(
        upsert_insert(session, table).on_conflict_do_nothing(),
        [
            {"id": row.id, "platform": row.platform, "external_id": row.external_id, "name": storable(row.name),
             "created_at": row.created_at}
            for row in rows
        ],
    )  # fmt: skip
    found = await session.execute(
        select(table.c.id, table.c.platform, table.c.external_id).where(table.c.id.in_([row.id for row in rows]))
    )
    stored = {(row.id, row.platform, row.external_id) for row in found}
    taken = [row for row in rows if (row.id, row.platform, row.external_id) not in stored]
    if taken:
        raise RuntimeError(f"community ids taken by another writer of this SQLite file: {taken}")


async def reserve_member_ids(session: AsyncSession, count: int) -> range | list[int]:
    """Ids for members not yet written. PostgreSQL hands out a block of its sequence (safe across
    processes); SQLite, served by one process, continues after the highest id stored."""
    table = Member.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        found = await session.execute(
            text("SELECT nextval(pg_get_serial_sequence('member', 'id')) FROM generate_series(1, :n)"), {"n": count}
        )
        return [int(value) for value in found.scalars()]
    highest = (await session.execute(select(func.max(table.c.id)))).scalar_one() or 0
    # Nor after a deleted member's id: other members' rows keep it in their keys (`IdHighWater`).
    highest = max(highest, await lifecycle.member_high_water(session))
    return range(highest + 1, highest + 1 + count)


async def insert_members(session: AsyncSession, rows: list[NewMember]) -> dict[int, int]:
    """Write first-seen members under the ids they were given. Returns {given id: stored id} for the
    rare member another process wrote first (or whose id was taken meanwhile)."""
    table = Member.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Multi-row INSERTs on the driver connection, as the ledger's (storage/ledger.py says why).
        values = [
            (
                row.id,
                row.community_id,
                row.external_id,
                storable(row.display_name),
                row.is_bot,
                _sqlite_time(row.joined_at),
            )
            for row in rows
        ]
        if await insert_rows_sqlite(connection, _SQLITE_MEMBER_INSERT, values) == len(rows):
            return {}
        found = await session.execute(select(table.c.id).where(table.c.id.in_([row.id for row in rows])))
        stored = set(found.scalars())  # ours, or rows that took our ids: checked one by one below
    else:
        written = await session.execute(
            upsert_insert(session, table).on_conflict_do_nothing().returning(table.c.id),
            [
                {
                    "id": row.id,
                    "community_id": row.community_id,
                    "external_id": row.external_id,
                    "display_name": storable(row.display_name),
                    "is_bot": row.is_bot,
                    "joined_at": row.joined_at,
                }
                for row in rows
            ],
        )
        stored = set(written.scalars())  # exactly those this statement inserted
    moved: dict[int, int] = {}
    for row in rows:
        if row.id in stored and (not sqlite or await _holds(session, row)):
            continue
        existing = (
            await session.execute(
                select(table.c.id).where(
                    table.c.community_id == row.community_id, table.c.external_id == row.external_id
                )
            )
        ).scalar_one_or_none()
        if existing is None:  # only the id was taken: let the database choose one
            existing = (
                await session.execute(
                    table.insert()
                    .values(
                        community_id=row.community_id,
                        external_id=row.external_id,
                        display_name=storable(row.display_name),
                        is_bot=row.is_bot,
                        joined_at=row.joined_at,
                    )
                    .returning(table.c.id)
                )
            ).scalar_one()
        moved[row.id] = int(existing)
    return moved


_SQLITE_MEMBER_INSERT = (
    "INSERT INTO member (id, community_id, external_id, display_name, is_bot, joined_at)"
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)


def _sqlite_time(moment: datetime) -> str:
    """The text SQLAlchemy stores for a time on SQLite (naive UTC with microseconds)."""
    return moment.astimezone(UTC).isoformat(" ", "microseconds")[:26]


async def _holds(session: AsyncSession, row: NewMember) -> bool:
    """Whether the member row under `row.id` is this member (and not another that took the id)."""
    table = Member.__table__  # type: ignore[attr-defined]
    found = await session.execute(select(table.c.community_id, table.c.external_id).where(table.c.id == row.id))
    return tuple(found.one()) == (row.community_id, row.external_id)


# Members read per trip to the driver when a community is loaded: the rows of a 100,000-member community read at
# once were most of the process's peak memory (the driver's tuples, SQLAlchemy's rows and ours, all alive together).
MEMBERS_PER_CHUNK = 5000


async def community_members(session: AsyncSession, community_id: int) -> AsyncIterator[list[MemberRow]]:
    """Every member of a community, for warming the identity map, in lists of at most `MEMBERS_PER_CHUNK` (on
    SQLite a list a trip to the driver's thread, the members after the last id read)."""
    table = Member.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect
    if dialect.name != "sqlite":
        # PostgreSQL reads run in autocommit, where asyncpg opens no cursor: the rows come at once.
        query = select(table.c.id, table.c.external_id, table.c.display_name, table.c.is_bot, table.c.left_at)
        for rows in (await session.execute(query.where(table.c.community_id == community_id))).partitions(
            MEMBERS_PER_CHUNK
        ):
            yield [
                MemberRow(row.id, community_id, row.external_id, row.display_name, row.is_bot, row.left_at is not None)
                for row in rows
            ]
        return
    # A chunk a trip to the driver's thread, after the last id read (a server-side cursor took four trips and more:
    # 200 communities warmed after a restart cost bench.stream a tenth of its time).
    after = -(2**63)  # below any id: SQLite's smallest integer
    while True:
        page = await fetch(
            session, _members_after(dialect), {"community_id": community_id, "after": after, "chunk": MEMBERS_PER_CHUNK}
        )
        yield [
            MemberRow(id_, community_id, external, name, bool(bot), left is not None)
            for id_, external, name, bot, left in page
        ]
        if len(page) < MEMBERS_PER_CHUNK:
            return
        after = page[-1][0]


@lru_cache(maxsize=2)
def _members_after(dialect: Dialect) -> Compiled:
    """A community's members after an id, in id order, `chunk` at most (SQLite: its index by community ends in the
    row id, so the page is a range of it)."""
    table = Member.__table__  # type: ignore[attr-defined]
    return Compiled.of(
        select(table.c.id, table.c.external_id, table.c.display_name, table.c.is_bot, table.c.left_at)
        .where(table.c.community_id == bindparam("community_id"), table.c.id > bindparam("after"))
        .order_by(table.c.id)
        .limit(bindparam("chunk")),
        dialect,
    )


async def rename_members(session: AsyncSession, names: list[tuple[int, str]]) -> None:
    """New display names, [(member id, name)], in one statement (executemany): on Slack every newcomer is
    named once users.info answers, after their row was written under their id."""
    table = Member.__table__  # type: ignore[attr-defined]
    await session.execute(
        update(table).where(table.c.id == bindparam("member")).values(display_name=bindparam("name")),
        [{"member": member_id, "name": storable(name)} for member_id, name in names],
    )


async def mark_left(session: AsyncSession, member_id: int, now: datetime | None) -> None:
    table = Member.__table__  # type: ignore[attr-defined]
    await session.execute(update(table).where(table.c.id == member_id).values(left_at=now))


async def rejoin(session: AsyncSession, member_id: int, joined_at: datetime) -> None:
    """The member is here (again): no longer departed; their join date is the first one the platform gave."""
    table = Member.__table__  # type: ignore[attr-defined]
    await session.execute(
        update(table)
        .where(table.c.id == member_id)
        .values(left_at=None, platform_joined_at=func.coalesce(table.c.platform_joined_at, joined_at))
    )


async def set_join_dates(session: AsyncSession, dates: list[tuple[int, datetime]]) -> None:
    """True join dates of members who were there before Hearth (kept where one is already known)."""
    if not dates:
        return
    table = Member.__table__  # type: ignore[attr-defined]
    # One statement for the whole member list (executemany): a large server's list comes at every start.
    await session.execute(
        update(table)
        .where(table.c.id == bindparam("member"), table.c.platform_joined_at.is_(None))
        .values(platform_joined_at=bindparam("joined")),
        [{"member": member_id, "joined": joined} for member_id, joined in dates],
    )


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


async def existing(session: AsyncSession, member_ids: set[int], community_ids: set[int]) -> tuple[set[int], set[int]]:
    """Which of `member_ids` and `community_ids` still have their row: (members, communities)."""
    members, communities = Member.__table__, Community.__table__  # type: ignore[attr-defined]
    found_members = (
        set((await session.execute(select(members.c.id).where(members.c.id.in_(member_ids)))).scalars())
        if member_ids
        else set()
    )
    found_communities = (
        set((await session.execute(select(communities.c.id).where(communities.c.id.in_(community_ids)))).scalars())
        if community_ids
        else set()
    )
    return found_members, found_communities
