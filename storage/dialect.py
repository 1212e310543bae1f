"""Dialect-aware INSERT ... ON CONFLICT, so one repository runs on SQLite and PostgreSQL; statements compiled once
per dialect and run on the driver itself (`Compiled`, `fetch`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import chain
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


def upsert_insert(session: AsyncSession, table: Table) -> Any:
    """An `insert()` that offers `.on_conflict_do_nothing/.on_conflict_do_update` for this session's database."""
    return dialect_insert(session.get_bind().dialect.name, table)


def dialect_insert(name: str, table: Table) -> Any:
    """`upsert_insert` for a dialect known by name (for statements compiled once per dialect)."""
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        from sqlalchemy.dialects import postgresql  # not imported where only SQLite is used (start-up)

        return postgresql.insert(table)
    raise RuntimeError(f"Hearth supports SQLite and PostgreSQL, not {name}")


# Rows per multi-row statement on SQLite, within the parameters a build takes (999 before SQLite 3.32). Not more:
# the driver keeps each prepared statement (128 per connection), and one of thousands of rows holds megabytes.
SQLITE_ROWS_PER_STATEMENT = 1000 if sqlite3.sqlite_version_info >= (3, 32) else 100


async def insert_rows_sqlite(connection: AsyncConnection, single_row_insert: str, rows: Sequence[Sequence[Any]]) -> int:
    """Run a single-row INSERT for many rows, as multi-row VALUES statements; returns the rows changed.

    Not executemany: Python's sqlite3 takes the GIL back after every row it steps, and while the event
    loop is busy those hand-offs, not SQLite, set the pace (bench/ingest.py: batches fell behind and grew
    to 80,000 awards). A statement of many rows takes it back once, and each is one trip to aiosqlite's
    thread (SQLAlchemy's cursor takes three).
    """
    if not rows:
        return 0
    return await insert_values_sqlite(connection, single_row_insert, list(chain.from_iterable(rows)), len(rows[0]))


async def insert_values_sqlite(
    connection: AsyncConnection, single_row_insert: str, values: list[Any], width: int
) -> int:
    """`insert_rows_sqlite` for rows given as one flat list of parameters, `width` per row (no tuple per row
    to build and flatten again)."""
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    before = driver.total_changes
    step = SQLITE_ROWS_PER_STATEMENT * width
    for start in range(0, len(values), step):
        chunk = values[start : start + step]
        await driver.execute_fetchall(_multi_row(single_row_insert, len(chunk) // width), chunk)
    return int(driver.total_changes - before)


@lru_cache(maxsize=64)
def _multi_row(single_row_insert: str, count: int) -> str:
    """`INSERT ... VALUES (?, ?) ...` with its VALUES group repeated `count` times."""
    head, values, tail = single_row_insert.partition(" VALUES (")
    group, closing, rest = tail.partition(")")
    if not values or not closing or group.replace("?", "").replace(", ", ""):
        raise ValueError(f"not a single-row INSERT with positional parameters: {single_row_insert}")
    return f"{head} VALUES {', '.join([f'({group})'] * count)}{rest}"


@dataclass(frozen=True)
class Compiled:
    """A statement compiled once per dialect, run with driver-level parameters in its compiled order.

    The hot paths (activity batches, /kudos, /leaderboard, /rank) would otherwise spend more time in
    SQLAlchemy's per-call and per-row statement handling than in the database.
    """

    sql: str
    order: tuple[str, ...]
    fixed: dict[str, Any]  # values of the statement's own literals, such as the 0 of `points > 0`

    @classmethod
    def of(cls, statement: Any, dialect: Dialect) -> Compiled:
        compiled = statement.compile(dialect=dialect)
        if compiled.positiontup is None:
            raise RuntimeError(f"the {dialect.name} driver {dialect.driver} has no positional parameters")
        return cls(compiled.string, tuple(compiled.positiontup), dict(compiled.params))

    def parameters(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(values[name] if name in values else self.fixed[name] for name in self.order)


async def fetch(session: AsyncSession, statement: Compiled, values: dict[str, Any]) -> list[Sequence[Any]]:
    """The rows (as tuples) of `statement` with `values`, in the session's transaction, on the driver itself: on
    SQLite cursor, execute, fetch and close in one trip to aiosqlite's thread, not four; on PostgreSQL asyncpg's own
    fetch (its statement cache, the same connection and transaction), without SQLAlchemy's cursor and result
    handling, which cost a board read about 0.3 ms of CPU, as much as its round trip (bench/pg_reads.py).

    On PostgreSQL SQLAlchemy begins a write transaction on the driver at its first statement: a statement that comes
    first goes through SQLAlchemy, which begins it. asyncpg's own fetch ran it outside, in a transaction of its own,
    so that it stayed though the session's rolled back (until 2026-12-02: a command's claim, whose retry was then
    "already handled" though nothing had been done)."""
    connection = await session.connection()
    parameters = statement.parameters(values)
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    if connection.dialect.name == "sqlite":
        return list(await driver.execute_fetchall(statement.sql, parameters))
    if not getattr(raw.dbapi_connection, "autocommit", True) and not driver.is_in_transaction():
        return list((await connection.exec_driver_sql(statement.sql, parameters)).all())
    return list(await driver.fetch(statement.sql, *parameters))


def bind_processor(column: Any, dialect: Dialect) -> Callable[[datetime], Any]:
    """How SQLAlchemy hands `column`'s values to the driver."""
    processor = column.type.dialect_impl(dialect).bind_processor(dialect)
    return processor or (lambda value: value)
