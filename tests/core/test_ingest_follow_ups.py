"""The activity buffer's `on_written` hooks: run in the batch's transaction (a failing one costs the batch nothing),
their follow-ups once it committed, never awaited by a flush, awaited by `close()` (recognition announces levels
reached by messages this way)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.ingest import FollowUp
from bot.core.runtime import Hearth
from storage.ledger import Award
from tests.core.test_ingest import ledger_rows, message


async def test_follow_ups_run_after_commit_and_close_waits_for_them(hearth: Hearth) -> None:
    buffer = hearth.services.activity
    seen: list[list[str]] = []
    release, done = asyncio.Event(), asyncio.Event()

    async def hook(session: AsyncSession, written: list[Award]) -> FollowUp:
        seen.append([award.idempotency_key for award in written])

        async def follow_up() -> None:
            await release.wait()
            done.set()

        return follow_up

    buffer.on_written(hook)
    await hearth.dispatch(message("m1"))
    assert await buffer.flush() == 1
    assert seen == [["message:general:m1"]]
    assert not done.is_set()  # the flush did not wait for its follow-up
    closing = asyncio.create_task(buffer.close())
    release.set()
    await closing
    assert done.is_set()


async def test_a_failing_hook_costs_the_batch_nothing(hearth: Hearth, caplog: pytest.LogCaptureFixture) -> None:
    async def hook(session: AsyncSession, written: list[Award]) -> FollowUp:
        await session.execute(text("SELECT no_such_column FROM member_total"))  # refused by the database
        raise AssertionError("not reached")

    hearth.services.activity.on_written(hook)
    await hearth.dispatch(message("m1"))
    assert await hearth.services.activity.flush() == 1
    assert await ledger_rows(hearth) == 1  # written all the same (on PostgreSQL too: the savepoint was undone)
    assert "a hook on written activity failed; the batch is written without it" in caplog.text
