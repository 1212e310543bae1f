"""The database: engine factory, SQLite pragmas, read/write sessions, migrations on start."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

MIGRATIONS = Path(__file__).parent / "migrations"
_IMMEDIATE = "hearth_begin_immediate"


def _sqlite_setup(engine: AsyncEngine) -> None:
    """WAL, busy_timeout, foreign keys, and BEGIN IMMEDIATE for writes that read first.

    pysqlite's own transaction handling is switched off so that we emit BEGIN ourselves (the
    SQLAlchemy-documented recipe); a write session asks for IMMEDIATE so that two writers queue on
    busy_timeout instead of failing to upgrade a read lock.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """Owns the engine; hands out sessions. Create with `Database.open(url)`, close with `dispose()`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._writer = engine.execution_options(**{_IMMEDIATE: True}) if self.is_sqlite else engine

    @classmethod
    def open(cls, url: str, **engine_options: Any) -> Database:
        if url.startswith("sqlite"):
            path = url.split(":///", 1)[1] if ":///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        else:
            engine_options.setdefault("pool_size", 10)
            engine_options.setdefault("pool_pre_ping", True)
        engine = create_async_engine(url, **engine_options)
        if engine.dialect.name == "sqlite":
            _sqlite_setup(engine)
        return cls(engine)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for queries; nothing it does is committed."""
        async with AsyncSession(self.engine, expire_on_commit=False) as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A transaction that commits when the block ends without error (BEGIN IMMEDIATE on SQLite)."""
        async with AsyncSession(self._writer, expire_on_commit=False) as session, session.begin():
            yield session

    async def migrate(self) -> None:
        """Bring the schema to the newest Alembic revisions (run at every start; features may branch)."""
        async with self.engine.connect() as connection:
            await _upgrade(connection)

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def _upgrade(connection: AsyncConnection) -> None:
    def run(sync_connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = sync_connection
        command.upgrade(config, "heads")

    await connection.run_sync(run)
    await connection.commit()
