"""SQLite housekeeping that a person would notice: committed writes reach the database file."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, text

from storage import identity
from storage.engine import SQLITE_PRAGMAS, Database, WriterTurns


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


async def test_writers_queue_behind_a_held_write_lock_beyond_busy_timeout_and_none_is_lost(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # busy_timeout 0: two connections contending for SQLite's write lock fail at once ("database is locked").
    monkeypatch.setattr(
        "storage.engine.SQLITE_PRAGMAS",
        tuple("busy_timeout=0" if p.startswith("busy_timeout") else p for p in SQLITE_PRAGMAS),
    )
    db = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'hearth.db'}")
    try:
        await db.migrate()
        holding, release = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            async with db.write() as session:
                await identity.ensure_community(session, "console", "held", "Held", datetime.now(UTC))
                holding.set()
                await release.wait()

        async def write(n: int) -> None:
            async with db.write() as session:
                await identity.ensure_community(session, "console", f"c{n}", f"C{n}", datetime.now(UTC))

        holder = asyncio.create_task(hold())
        await holding.wait()
        writers = [asyncio.create_task(write(n)) for n in range(20)]
        for _ in range(20):  # every writer reaches its transaction while the lock is held
            await asyncio.sleep(0)
        release.set()
        await asyncio.gather(holder, *writers)

        async with db.read() as session:
            count = (await session.execute(text("SELECT count(*) FROM community"))).scalar_one()
        assert count == 21
    finally:
        await db.dispose()


@pytest.mark.parametrize("secure", [True, False])
async def test_deleted_rows_leave_no_bytes_in_the_database_file(
    tmp_path, monkeypatch: pytest.MonkeyPatch, secure: bool
) -> None:
    """What `/mydata delete` removes is gone from the file, not only from the tables (PRAGMA secure_delete).
    With it off (SQLite's default unless built otherwise; Debian's is built with it on) a deleted row's bytes
    stay in the page's free space until something reuses it: the second case shows this test would see them.
    Each connection starts as a SQLite built with it off would, so only Hearth's own pragma can turn it on."""
    if not secure:
        monkeypatch.setattr(
            "storage.engine.SQLITE_PRAGMAS",
            tuple("secure_delete=OFF" if p.startswith("secure_delete") else p for p in SQLITE_PRAGMAS),
        )
    path = tmp_path / "hearth.db"
    db = Database.open(f"sqlite+aiosqlite:///{path}")
    # Before Hearth's pragmas (insert=True): the build's default, off.
    event.listen(db.engine.sync_engine, "connect", _secure_delete_off_by_default, insert=True)
    secret = "Zorblatt-Quixotic-Member-Name"
    try:
        await db.migrate()
        async with db.write() as session:
            for n in range(50):  # a few pages' worth, so that whole pages are freed too
                await identity.ensure_community(session, "console", f"gone{n}", f"{secret}-{n}", datetime.now(UTC))
            await identity.ensure_community(session, "console", "kept", "Kept", datetime.now(UTC))
        async with db.write() as session:
            await session.execute(text("DELETE FROM community WHERE external_id LIKE 'gone%'"))
        await db.checkpointed()
        assert (secret.encode() in path.read_bytes()) is not secure
        async with db.read() as session:
            assert (await session.execute(text("SELECT name FROM community"))).scalars().all() == ["Kept"]
    finally:
        await db.dispose()


def _secure_delete_off_by_default(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA secure_delete=OFF")
    cursor.close()


async def backend_of_a_pooled_connection_terminated(db: Database) -> int:
    """The server ends the backend of the connection the pool hands out next; returns its pid."""
    async with db.read() as session:
        pid = int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())
    other = Database.open(str(db.engine.url.render_as_string(hide_password=False)))
    try:
        async with other.write() as session:
            await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await other.dispose()
    return pid


async def test_postgres_connection_dropped_while_idle_is_replaced_before_a_read_uses_it(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pooled connection the server dropped (a restart, an idle timeout) costs no command an error: one idle
    for a while is pinged first, and the pool opens a new one."""
    if db.is_sqlite:
        pytest.skip("PostgreSQL's connection pool")
    first = await backend_of_a_pooled_connection_terminated(db)
    monkeypatch.setattr("storage.engine.PING_AFTER_IDLE_SECONDS", 0.0)  # idle long enough
    async with db.read() as session:
        second = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    assert second != first


async def test_postgres_connection_the_driver_saw_close_is_replaced_however_recently_used(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("PostgreSQL's connection pool")
    first = await backend_of_a_pooled_connection_terminated(db)
    await asyncio.sleep(0.2)  # the end reaches the driver; far less than PING_AFTER_IDLE_SECONDS
    async with db.write() as session:  # a command's transaction, as /kudos takes
        second = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    assert second != first


async def test_postgres_reads_take_no_transaction(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("PostgreSQL's autocommit reads")
    async with db.read() as session:
        # Outside a transaction block each statement is its own: now() moves between them.
        first = (await session.execute(text("SELECT now()"))).scalar_one()
        await asyncio.sleep(0.01)
        second = (await session.execute(text("SELECT now()"))).scalar_one()
    assert second > first


async def test_a_command_waiting_to_write_goes_before_the_batches_queued_ahead_of_it(tmp_path) -> None:
    # SQLite's one writer at a time: write-behind batches let every other writer waiting go first.
    db = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'hearth.db'}")
    order: list[str] = []
    release = asyncio.Event()

    async def write(name: str, *, background: bool, hold: bool = False) -> None:
        async with db.write(background=background):
            order.append(name)
            if hold:
                await release.wait()

    try:
        await db.migrate()
        first = asyncio.create_task(write("batch 1", background=True, hold=True))
        await asyncio.sleep(0.05)  # batch 1 holds the writer
        assert not db.others_waiting
        queued = [asyncio.create_task(write("batch 2", background=True))]
        await asyncio.sleep(0)
        queued.append(asyncio.create_task(write("kudos", background=False)))
        await asyncio.sleep(0)
        assert db.others_waiting
        queued.append(asyncio.create_task(write("batch 3", background=True)))
        await asyncio.sleep(0)
        queued.append(asyncio.create_task(write("claim", background=False)))
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(first, *queued)
        assert order == ["batch 1", "kudos", "claim", "batch 2", "batch 3"]
        assert not db.others_waiting
    finally:
        release.set()
        await db.dispose()


async def test_a_writer_cancelled_while_waiting_or_as_its_turn_comes_holds_nobody_up(tmp_path) -> None:
    db = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'hearth.db'}")
    release = asyncio.Event()
    written: list[str] = []

    async def write(name: str) -> None:
        async with db.write():
            written.append(name)

    async def hold() -> None:
        async with db.write():
            written.append("holder")
            await release.wait()
        cancelled_at_its_turn.cancel()  # its turn has just begun, and it has not run since

    try:
        await db.migrate()
        holder = asyncio.create_task(hold())
        await asyncio.sleep(0.05)
        cancelled_waiting = asyncio.create_task(write("cancelled while waiting"))
        cancelled_at_its_turn = asyncio.create_task(write("cancelled as its turn came"))
        last = asyncio.create_task(write("last"))
        await asyncio.sleep(0)
        cancelled_waiting.cancel()
        release.set()
        await holder
        await asyncio.wait_for(last, 10)
        assert written == ["holder", "last"]
        assert cancelled_waiting.cancelled() and cancelled_at_its_turn.cancelled()
        async with asyncio.timeout(10):  # the turns are free again
            await write("after")
    finally:
        release.set()
        await db.dispose()


async def test_a_writer_cancelled_as_the_turn_before_it_ends_raises_cancelled_error() -> None:
    # The cancellation and the release in the same turn of the event loop: release() has already dropped the cancelled
    # waiter from its queue by the time the cancelled writer runs (asyncio.Lock's own waiters raise CancelledError).
    turns = WriterTurns()
    await turns.acquire(background=False)
    cancelled = asyncio.create_task(turns.acquire(background=False))
    await asyncio.sleep(0)  # it waits
    cancelled.cancel()
    turns.release()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(cancelled, 10)
    async with asyncio.timeout(10):  # the turns are free again
        await turns.acquire(background=True)
    turns.release()


class _LostBeforeListen:
    """A pooled PostgreSQL connection (SQLAlchemy's asyncpg adapter) whose server went away before its LISTEN."""

    def run_async(self, _call: object) -> None:
        raise ConnectionResetError("connection was closed in the middle of operation")


@pytest.mark.parametrize("listener", ["notices", "boards"])
def test_a_connection_lost_before_its_listen_is_handed_to_the_pool_to_replace(listener: str) -> None:
    # A DisconnectionError from a checkout listener has the pool open another connection (SQLAlchemy's pessimistic
    # recipe); any other error reached the caller. Every Hearth process listens for notices from its first checkout
    # on, before the boards do: that listener is the one a new connection meets first.
    from types import SimpleNamespace

    from sqlalchemy.exc import DisconnectionError

    from storage import ledger

    record = SimpleNamespace(info={})
    if listener == "notices":
        db = Database.open("postgresql+asyncpg://nobody@127.0.0.1:1/none")
        check_out = db._listen_for_notices
    else:
        check_out = ledger._Boards(shared=True)._checked_out
    with pytest.raises(DisconnectionError):
        check_out(_LostBeforeListen(), record, None)
    assert record.info == {}
