"""SQLite housekeeping that a person would notice: committed writes reach the database file."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime

from storage import identity
from storage.engine import Database


async def test_committed_writes_reach_the_database_file_without_further_writes(tmp_path) -> None:
    path = tmp_path / "hearth.db"
    db = Database.open(f"sqlite+aiosqlite:///{path}")
    try:
        await db.migrate()
        async with db.write() as session:
            await identity.ensure_community(session, "console", "local", "Local", datetime.now(UTC))
        await db.checkpointed()

        # The main file alone, without its write-ahead log: what a backup of it would hold.
        copy = tmp_path / "copy.db"
        shutil.copyfile(path, copy)
        with sqlite3.connect(copy) as connection:
            assert connection.execute("SELECT name FROM community").fetchall() == [("Local",)]
        connection.close()
    finally:
        await db.dispose()
