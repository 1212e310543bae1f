"""Alembic builds exactly the schema the models describe, and running it again changes nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, create_engine, inspect, text
from sqlmodel import SQLModel

import storage.health_models
import storage.models  # noqa: F401
from storage.engine import Database, alembic_config


def migrate_with_alembic(path: Path) -> None:
    """A new SQLite file brought to every head by the migrations themselves."""
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
        connection.commit()
    engine.dispose()


def schema(path: Path) -> dict[str, Any]:
    """Everything SQLAlchemy's inspector reads of a SQLite file's schema, and the revisions it is stamped with."""
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        found = inspect(connection)
        described: dict[str, Any] = {
            table: {
                "columns": [
                    # SQLite's get_columns gives primary_key, which SQLAlchemy's ReflectedColumn does not declare.
                    (c["name"], str(c["type"]), c["nullable"], c["default"], c["primary_key"])  # type: ignore[typeddict-item]
                    for c in found.get_columns(table)
                ],
                "primary key": found.get_pk_constraint(table)["constrained_columns"],
                "foreign keys": sorted(
                    (fk["constrained_columns"], fk["referred_table"], fk["referred_columns"], fk["options"])
                    for fk in found.get_foreign_keys(table)
                ),
                "indexes": sorted(
                    (i["name"], i["column_names"], i["unique"], str(i.get("dialect_options", {}).get("sqlite_where")))
                    for i in found.get_indexes(table)
                ),
                "unique": sorted((u["column_names"]) for u in found.get_unique_constraints(table)),
                "checks": sorted(c["sqltext"] for c in found.get_check_constraints(table)),
            }
            for table in found.get_table_names()
        }
        described["revisions"] = sorted(connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
    engine.dispose()
    return described


async def test_migrations_match_the_models_and_are_repeatable(db: Database) -> None:
    await db.migrate()  # a second start on the same database

    def differences(connection: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(connection), SQLModel.metadata))

    async with db.engine.connect() as connection:
        assert await connection.run_sync(differences) == []
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert {"community", "member", "contribution", "member_total", "community_setting"} <= tables


async def test_sqlite_runs_in_wal_with_foreign_keys(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("SQLite pragmas")
    async with db.engine.connect() as connection:
        journal = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
        foreign_keys = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar()
        busy = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()
    assert (journal, foreign_keys, busy) == ("wal", 1, 10000)


async def test_a_new_sqlite_database_built_from_the_models_equals_the_migrated_one(tmp_path: Path) -> None:
    """A first start builds the schema from the models and stamps it (no Alembic in memory); it must be exactly
    what the migrations build, so that later migrations apply to it as to any other database."""
    migrate_with_alembic(tmp_path / "migrated.db")
    built = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'built.db'}")
    await built.migrate()
    await built.dispose()
    migrated, created = schema(tmp_path / "migrated.db"), schema(tmp_path / "built.db")
    assert created.keys() == migrated.keys()
    for table in migrated:
        assert created[table] == migrated[table], table


async def test_processes_starting_at_once_on_a_new_postgresql_database_migrate_it_in_turn(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("a SQLite file is served by one process")
    emptied = Database.open(database_url)
    async with emptied.engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await emptied.dispose()
    starts = [Database.open(database_url) for _ in range(3)]
    try:
        done = await asyncio.gather(*(database.migrate() for database in starts))
    finally:
        for database in starts:
            await database.dispose()
    assert sorted(done) == ["built", "current", "current"]  # one built it, the others found it current
