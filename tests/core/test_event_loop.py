"""The loop Hearth serves on hands the GIL to the SQLite driver's thread while other work keeps it busy."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.core import event_loop
from storage.engine import Database

# Far beyond what the writes take when the driver's thread gets its turns (well under a second): reached only when it
# starves, as on asyncio's own loop, where these writes took tens of seconds on the development machine.
_FLOOD_LIMIT_SECONDS = 20.0


async def _writes_during_a_flood(url: str, writes: int) -> tuple[int, bool]:
    """(writes committed, whether the flood was still going when the last committed)."""
    database = Database.open(url)
    flooding = True

    async def flood() -> None:
        # Messages handled back to back: each a few dozen microseconds of Python, then the loop's turn.
        ends = time.monotonic() + _FLOOD_LIMIT_SECONDS
        while flooding and time.monotonic() < ends:
            handled = time.perf_counter()
            while time.perf_counter() - handled < 0.00004:
                pass
            await asyncio.sleep(0)

    flood_task = asyncio.create_task(flood())
    committed = 0
    try:
        for number in range(writes):
            async with database.write() as session:
                await session.execute(
                    text(
                        "INSERT INTO community (platform, external_id, name, created_at)"
                        " VALUES ('console', :id, :id, :at)"
                    ),
                    {"id": f"c{number}", "at": "2026-12-02 12:00:00.000000"},
                )
            committed += 1
        return committed, not flood_task.done()
    finally:
        flooding = False
        await flood_task
        await database.dispose()


def test_database_writes_go_on_while_messages_keep_the_loop_busy(tmp_path: Path, sqlite_template: Path) -> None:
    path = tmp_path / "hearth.db"
    shutil.copyfile(sqlite_template, path)

    committed, during_the_flood = event_loop.run(_writes_during_a_flood(f"sqlite+aiosqlite:///{path}", 40))

    assert committed == 40
    assert during_the_flood, "the database's thread starved until the flood ended"


async def _busy_then_idle(busy_seconds: float, idle_wakes: int) -> None:
    ends, handled = time.monotonic() + busy_seconds, 0
    while time.monotonic() < ends:  # messages handled back to back
        handled += 1
        await asyncio.sleep(0)
    for _ in range(idle_wakes):  # then a message now and then: the loop sleeps in between
        await asyncio.sleep(0.005)


def test_the_loop_naps_while_kept_busy_and_not_while_it_sleeps_between_messages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    naps: list[float] = []
    sleep = time.sleep

    def counted(seconds: float) -> None:
        naps.append(time.monotonic())
        sleep(seconds)

    monkeypatch.setattr(time, "sleep", counted)

    event_loop.run(_busy_then_idle(0.05, 0))
    busy = len(naps)
    naps.clear()
    event_loop.run(_busy_then_idle(0.0, 20))

    # About one nap per millisecond kept busy (fewer where the machine is slow to wake the loop from one).
    assert 5 <= busy <= 50
    # Twenty wake-ups, each doing next to nothing: no nap (one at most, where the machine stalled the loop).
    assert len(naps) <= 1
