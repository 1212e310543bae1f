"""Message activity through the real ingest path: cooldown in memory, batched writes, idempotency."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import ingest
from bot.core.clock import VirtualClock
from bot.core.events import MessagePosted
from bot.core.ingest import FollowUp, LedgerBuffer
from bot.core.refs import ChannelRef, CommunityRef, MemberRef
from bot.core.runtime import Hearth
from storage import ledger
from storage.health_models import HealthMemberDay
from storage.ledger import Award
from storage.models import Contribution
from tests.conftest import START

COMMUNITY = CommunityRef("test", "c1", "Test")
GENERAL = ChannelRef(COMMUNITY, "general", "general")


def message(message_id: str, author: str = "alice", is_bot: bool = False) -> MessagePosted:
    # Each its own text: a repeat of one of the author's last messages would earn nothing.
    text = f"hi {message_id}"
    return MessagePosted(message_id, MemberRef(COMMUNITY, author, author, is_bot), GENERAL, message_id, text)


async def ledger_rows(hearth: Hearth) -> int:
    async with hearth.db.read() as session:
        return int((await session.execute(select(func.count()).select_from(Contribution))).scalar_one())


async def test_redelivered_message_awards_once(hearth: Hearth, clock: VirtualClock) -> None:
    await hearth.dispatch(message("m1"))
    clock.advance(timedelta(minutes=5))  # past the cooldown, so only the key can stop it
    await hearth.dispatch(message("m1"))
    await hearth.services.activity.flush()
    assert await ledger_rows(hearth) == 1


async def test_cooldown_and_bots(hearth: Hearth, clock: VirtualClock) -> None:
    await hearth.dispatch(message("m1"))
    clock.advance(timedelta(seconds=30))
    await hearth.dispatch(message("m2"))
    await hearth.dispatch(message("m3", author="robot", is_bot=True))
    clock.advance(timedelta(seconds=31))
    await hearth.dispatch(message("m4"))
    await hearth.services.activity.flush()
    assert await ledger_rows(hearth) == 2


async def test_activity_waits_in_memory_until_flush_and_close_writes_it(hearth: Hearth) -> None:
    await hearth.dispatch(message("m1"))
    assert hearth.services.activity.pending == 1
    assert await ledger_rows(hearth) == 0
    await hearth.services.activity.close()
    assert await ledger_rows(hearth) == 1


async def test_a_full_batch_is_written_without_waiting_for_the_timer(hearth: Hearth) -> None:
    buffer = hearth.services.activity
    buffer._batch_size = 3
    for n in range(3):
        await hearth.dispatch(message(f"m{n}", author=f"member{n}"))
    await buffer.wait_idle()
    assert await ledger_rows(hearth) == 3


async def test_passive_events_wait_while_four_batches_are_unwritten_and_go_on_once_one_is(hearth: Hearth) -> None:
    alice = await hearth.services.identity.member(MemberRef(COMMUNITY, "alice", "alice"))
    buffer = LedgerBuffer(hearth.db, flush_seconds=3600.0, batch_size=2)  # not started: written when asked
    for n in range(7):
        buffer.submit(Award(alice.community_id, alice.id, "message", 1, f"k{n}", START))
    assert not buffer.full
    buffer.submit(Award(alice.community_id, alice.id, "message", 1, "k7", START))
    waiting = asyncio.create_task(buffer.room())
    await asyncio.sleep(0)  # one turn of the loop: it is still waiting
    assert buffer.full and not waiting.done()

    await buffer.flush()
    await waiting
    assert not buffer.full
    assert await ledger_rows(hearth) == 8


async def messages_counted(hearth: Hearth) -> int:
    async with hearth.db.read() as session:
        total = (await session.execute(select(func.sum(HealthMemberDay.messages)))).scalar_one()
    return int(total or 0)


async def test_health_counts_merge_in_memory_while_a_flood_fills_batches_and_are_written_within_the_window(
    hearth: Hearth,
) -> None:
    """A full batch writes its awards at once; the health counts beside them are written at most
    `HEARTH_ACTIVITY_FLUSH_SECONDS` after they last were (a member's busy minute is one row update), and
    whenever the buffer is flushed."""
    alice = await hearth.services.identity.member(MemberRef(COMMUNITY, "alice", "alice"))
    buffer = LedgerBuffer(hearth.db, flush_seconds=3600.0, batch_size=2)
    committed = asyncio.Event()

    async def watch(_session: AsyncSession, _awards: list[Award]) -> FollowUp:
        async def set_committed() -> None:
            committed.set()

        return set_committed

    buffer.on_written(watch)
    buffer.start()
    try:
        for batch in range(2):
            for n in range(2):
                buffer.health.member(alice.community_id, alice.id, START.date(), "messages")
                buffer.touched()
                buffer.submit(Award(alice.community_id, alice.id, "message", 1, f"k{batch}-{n}", START))
            await asyncio.wait_for(committed.wait(), timeout=10)  # the full batch woke the writer
            committed.clear()
        assert await ledger_rows(hearth) == 2 * 2
        # The first batch wrote the counts it found; the second, an hour's window from the first, left its own.
        assert await messages_counted(hearth) == 2
        await buffer.flush()
        assert await messages_counted(hearth) == 4
    finally:
        await buffer.close()


async def test_health_counts_alone_are_written_once_the_window_passes(hearth: Hearth) -> None:
    alice = await hearth.services.identity.member(MemberRef(COMMUNITY, "alice", "alice"))
    buffer = LedgerBuffer(hearth.db, flush_seconds=0.05, batch_size=2000)
    buffer.start()
    try:
        buffer.health.member(alice.community_id, alice.id, START.date(), "messages")
        buffer.touched()
        await asyncio.wait_for(buffer.wait_idle(), timeout=10)
        assert await messages_counted(hearth) == 1
    finally:
        await buffer.close()


def stepping(hearth: Hearth, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches written two awards a step, giving way at once to a writer waiting (SQLite only)."""
    if not hearth.db.is_sqlite:
        pytest.skip("PostgreSQL's writers do not take turns in the process")
    monkeypatch.setattr(ingest, "STEP_AWARDS", 2)
    monkeypatch.setattr(ingest, "GIVE_WAY_AFTER_SECONDS", 0.0)


async def test_a_command_writes_between_the_steps_of_a_batch_and_the_rest_follows(
    hearth: Hearth, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite: a command waiting for its turn does not wait for the whole batch (see GIVE_WAY_AFTER_SECONDS).
    stepping(hearth, monkeypatch)
    first_step, go_on = asyncio.Event(), asyncio.Event()
    record = ledger.record

    async def slow_first_step(session: AsyncSession, awards: list[Award]) -> list[Award]:
        written = await record(session, awards)
        if not first_step.is_set():
            first_step.set()
            await go_on.wait()
        return written

    monkeypatch.setattr(ledger, "record", slow_first_step)
    alice = await hearth.services.identity.member(MemberRef(COMMUNITY, "alice", "alice"))
    buffer = LedgerBuffer(hearth.db, flush_seconds=3600.0, batch_size=100)
    for n in range(6):
        buffer.submit(Award(alice.community_id, alice.id, "message", 1, f"k{n}", START))

    async def command() -> int:
        async with hearth.db.write() as session:
            return int((await session.execute(select(func.count()).select_from(Contribution))).scalar_one())

    flushing = asyncio.create_task(buffer.flush())
    try:
        await asyncio.wait_for(first_step.wait(), 10)
        seen = asyncio.create_task(command())
        await asyncio.sleep(0)  # the command waits for its turn
        go_on.set()
        assert await asyncio.wait_for(seen, 10) == 2  # after the batch's first step, before the rest
        assert await asyncio.wait_for(flushing, 10) == 6
    finally:
        go_on.set()
        await asyncio.gather(flushing, return_exceptions=True)
    assert await ledger_rows(hearth) == 6
    assert buffer.pending == 0


async def test_flush_writes_what_waited_when_called_though_a_stream_and_commands_keep_coming(
    hearth: Hearth, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A command's flush() (/rank, /leaderboard, /mydata) in a flood beside other commands: each transaction gives way
    # after a step while the stream refills the buffer. flush() writes what waited when it was called and returns; it
    # does not go on with every award arriving meanwhile until the flood or the commands stop.
    stepping(hearth, monkeypatch)
    alice = await hearth.services.identity.member(MemberRef(COMMUNITY, "alice", "alice"))
    buffer = LedgerBuffer(hearth.db, flush_seconds=3600.0, batch_size=100)
    arrived = 0

    def arrive(count: int) -> None:
        nonlocal arrived
        for _ in range(count):
            buffer.submit(Award(alice.community_id, alice.id, "message", 1, f"k{arrived}", START))
            arrived += 1

    async def command() -> None:
        async with hearth.db.write():
            pass

    commands: list[asyncio.Task[None]] = []
    record = ledger.record

    async def step_as_the_stream_goes_on(session: AsyncSession, awards: list[Award]) -> list[Award]:
        written = await record(session, awards)
        if arrived < 200:  # the flood: as many arrive as a step writes, and a command waits for its turn
            arrive(len(awards))
            commands.append(asyncio.create_task(command()))
            await asyncio.sleep(0)
        return written

    monkeypatch.setattr(ledger, "record", step_as_the_stream_goes_on)
    arrive(6)
    try:
        assert await asyncio.wait_for(buffer.flush(), 30) >= 6
        assert arrived < 20  # returned once the six were written, not after the whole stream
    finally:
        arrived = 200
        await asyncio.wait_for(asyncio.gather(*commands, return_exceptions=True), 30)
        await asyncio.wait_for(buffer.close(), 30)
