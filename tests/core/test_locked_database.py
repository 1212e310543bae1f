"""A SQLite file whose write lock another program holds past busy_timeout (a `sqlite3` session, a backup, another
Hearth command): what was acknowledged is still written once the lock goes, and each failure is one log line."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bot.core import ingest
from bot.core.inbound import SORRY
from storage import engine
from storage.models import Contribution
from tests.conftest import START, hearth_instance

# Short enough for a test; what matters is that the lock outlasts it several times over.
BUSY_TIMEOUT_MS = 100


@pytest.fixture
def sqlite_url(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    if not database_url.startswith("sqlite"):
        pytest.skip("a file lock held by another program is SQLite's")
    pragmas = tuple(
        f"busy_timeout={BUSY_TIMEOUT_MS}" if pragma.startswith("busy_timeout") else pragma
        for pragma in engine.SQLITE_PRAGMAS
    )
    monkeypatch.setattr(engine, "SQLITE_PRAGMAS", pragmas)
    return database_url


@contextmanager
def locked_by_another_program(url: str, seconds: float) -> Iterator[None]:
    """Another program takes the file's write lock and keeps it `seconds` (from a thread: the event loop goes on)."""
    taken = threading.Event()

    def hold() -> None:
        other = sqlite3.connect(url.split(":///", 1)[1], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        taken.set()
        time.sleep(seconds)
        other.execute("COMMIT")
        other.close()

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait()
    try:
        yield
    finally:
        holder.join()


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.exc_info]


async def test_activity_acknowledged_before_a_stop_is_written_once_the_lock_goes(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with hearth_instance(sqlite_url, START) as console:
        await console.run("@alice: hello there\n@bob: good morning, all")
        buffer = console.platform.hearth.services.activity
        assert buffer.pending == 2
        with locked_by_another_program(sqlite_url, seconds=1.5):
            await buffer.close()  # as at SIGTERM: the lock outlasts busy_timeout fifteen times
    with sqlite3.connect(sqlite_url.split(":///", 1)[1]) as connection:
        assert connection.execute("SELECT count(*) FROM contribution WHERE kind = 'message'").fetchone() == (2,)
    waits = [record.getMessage() for record in caplog.records if "locked by another program" in record.getMessage()]
    assert any(line.startswith("activity awards still to write: 2 (") for line in waits)
    assert tracebacks(caplog) == []


async def test_a_command_while_the_database_is_locked_is_answered_and_logged_in_one_line(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with hearth_instance(sqlite_url, START) as console:
        await console.run("@bob: hello")
        with locked_by_another_program(sqlite_url, seconds=0.5):
            answer = await console.run("@alice: /kudos @bob thanks for the help")
        assert SORRY in answer
        assert "+10 points" in await console.run("@alice: /kudos @bob thanks for the help")  # nothing was kept
        async with console.platform.hearth.db.read() as session:
            kudos = select(func.count()).select_from(Contribution).where(col(Contribution.kind) == "kudos_received")
            assert (await session.execute(kudos)).scalar_one() == 1
    [line] = [record.getMessage() for record in caplog.records if "locked by another program" in record.getMessage()]
    assert line.startswith("an inbound request failed") or line.startswith("kudos failed")
    assert tracebacks(caplog) == []


async def test_a_lock_that_outlasts_the_wait_at_stop_is_reported_as_activity_lost(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "FINAL_WRITE_SECONDS", 0.3)
    async with hearth_instance(sqlite_url, START) as console:
        await console.run("@alice: hello there")
        buffer = console.platform.hearth.services.activity
        with locked_by_another_program(sqlite_url, seconds=1.5), pytest.raises(ingest.ActivityLost) as lost:
            await buffer.close()
        assert str(lost.value).startswith("activity awards not written: 1 (another program held the database locked")
        await buffer.flush()  # what was kept in memory is written once the lock has gone
