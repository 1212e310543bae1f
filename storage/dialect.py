"""Dialect-aware INSERT ... ON CONFLICT, so one repository runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def upsert_insert(session: AsyncSession, table: Table) -> Any:
    """An `insert()` that offers `.on_conflict_do_nothing/.on_conflict_do_update` for this session's database."""
    return dialect_insert(session.get_bind().dialect.name, table)


def dialect_insert(name: str, table: Table) -> Any:
    """`upsert_insert` for a dialect known by name (for statements compiled once per dialect)."""
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        return postgresql.insert(table)
    raise RuntimeError(f"Hearth supports SQLite and PostgreSQL, not {name}")
