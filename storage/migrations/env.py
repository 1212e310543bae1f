"""Alembic environment: runs on the connection Hearth hands over (see storage.engine.Database.migrate)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_url(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


shared = context.config.attributes.get("connection")
if shared is not None:
    _run(shared)
else:
    # `alembic -x url=... revision --autogenerate` from a shell, for developers writing migrations.
    asyncio.run(_run_with_url(context.get_x_argument(as_dictionary=True)["url"]))
