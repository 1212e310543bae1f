"""The member-data contract (the habit of Red-DiscordBot's `red_delete_data_for_user`): every cog says how
to export and how to delete what it keeps about one member, so removing someone is a contract, not a hunt.
A loaded cog that registers nothing is *unhandled*: exporting or deleting a member then fails loudly, naming
the cog, instead of leaving its data behind.

Most cogs keep plain rows that name the member; `by_references` builds both hooks from the list of columns
referring to `member.id` a cog answers for (a test checks that every such column in the schema has an owner).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Table, delete, select, update
from sqlmodel import SQLModel

from storage.engine import Database

# The cog's tables -> that member's rows (JSON-ready: times and dates as ISO 8601 text).
Export = Callable[[int], Awaitable[dict[str, list[dict[str, Any]]]]]
Delete = Callable[[int], Awaitable[None]]


class UnhandledMemberData(RuntimeError):
    """A loaded cog declared no member-data hooks: its data could be neither exported nor deleted."""


class OnDelete(StrEnum):
    DELETE = "delete"  # the row is the member's: it goes
    FORGET = "forget"  # the row belongs to someone else and only names the member: the reference becomes NULL


@dataclass(frozen=True)
class Reference:
    """A column referring to `member.id` and what deleting the member does to its rows."""

    model: type[SQLModel]
    column: str
    on_delete: OnDelete = OnDelete.DELETE
    # A row of the community's history (daily counts, a newcomer's first week): anonymising a departed member
    # keeps it, pointing at their anonymised member row, as the ledger's rows are kept; deleting them deletes it.
    history: bool = False

    @property
    def table(self) -> Table:
        return self.model.__table__  # type: ignore[attr-defined]

    @property
    def key(self) -> tuple[str, str]:
        return (self.table.name, self.column)


@dataclass(frozen=True)
class MemberData:
    """One cog's hooks; `references` are the columns referring to `member.id` it answers for."""

    references: tuple[Reference, ...]
    export: Export
    delete: Delete
    anonymise: Delete  # what anonymising a departed member removes (`delete` without the history rows)


def by_references(db: Database, references: Iterable[Reference]) -> MemberData:
    """Hooks that export every row naming the member and delete (or forget the member in) them, in the order
    given (children before the rows they point to), in one transaction."""
    refs = tuple(references)

    async def export(member_id: int) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        async with db.read() as session:
            for ref in refs:
                column: Column[Any] = ref.table.c[ref.column]
                rows = await session.execute(select(ref.table).where(column == member_id))
                found.setdefault(ref.table.name, []).extend(_plain(row._mapping) for row in rows)
        return found

    async def remove(member_id: int, references: tuple[Reference, ...] = refs) -> None:
        async with db.write() as session:
            for ref in references:
                column: Column[Any] = ref.table.c[ref.column]
                if ref.on_delete is OnDelete.DELETE:
                    await session.execute(delete(ref.table).where(column == member_id))
                else:
                    await session.execute(update(ref.table).where(column == member_id).values({ref.column: None}))

    async def anonymise(member_id: int) -> None:
        await remove(member_id, tuple(ref for ref in refs if not ref.history))

    return MemberData(refs, export, remove, anonymise)


def _plain(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, datetime | date) else value for key, value in row.items()}


def _hooks(hooks: Mapping[str, MemberData | None]) -> list[tuple[str, MemberData]]:
    unhandled = sorted(cog for cog, found in hooks.items() if found is None)
    if unhandled:
        raise UnhandledMemberData(f"no member-data hooks (export and delete) declared by: {', '.join(unhandled)}")
    return [(cog, found) for cog, found in hooks.items() if found is not None]


async def export_member(hooks: Mapping[str, MemberData | None], member_id: int) -> dict[str, dict[str, Any]]:
    """Everything every cog keeps about one member, by cog. Fails before reading if a cog is unhandled."""
    return {cog: await found.export(member_id) for cog, found in _hooks(hooks)}


async def delete_member(hooks: Mapping[str, MemberData | None], member_id: int) -> None:
    """Each cog deletes what it keeps about one member. Fails before deleting anything if a cog is unhandled."""
    for _cog, found in _hooks(hooks):
        await found.delete(member_id)


async def anonymise_member(hooks: Mapping[str, MemberData | None], member_id: int) -> None:
    """Each cog deletes what it keeps about one departed member but its history rows (`Reference.history`). Fails
    before deleting anything if a cog is unhandled."""
    for _cog, found in _hooks(hooks):
        await found.anonymise(member_id)
