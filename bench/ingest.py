"""Message-activity ingest: Hearth's real path against raw sqlite3 doing the same writes.

Every event earns points: members take turns, and the virtual clock moves past the cooldown
before a member speaks again. Hearth: `hearth.dispatch(MessagePosted)` -> recognition cog (identity
cache, settings cache, cooldown) -> LedgerBuffer -> `ledger.record` in batches, on the async engine.
Raw: the same ledger rows and 10 totals upserts per event (5 periods, overall and activity) with
`executemany`, in one transaction, on a copy of the same database (same schema, same PRAGMAs). Both runs
must leave identical tables.
Steady state: every member's first turn is played before the clock starts (untimed, on both sides),
so that what each cog learns about a member once per process (identity, settings, onboarding state,
open ritual runs) is in memory, as in a bot that has been running; the loop yields to the event loop
after each event, as a socket would. Events/s counts the timed events only.

Events/s is wall-clock and moves with the machine's load; CPU µs/event (all threads of the process)
is the steadier figure on a shared machine.

    python -m bench.ingest                      # fresh database and one with 10M ledger rows
    python -m bench.ingest --quick              # fresh and 100k rows, fewer events (make bench)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sqlite3
import time
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from pathlib import Path

from bench.dataset import (
    BENCH_DIR,
    NOW,
    PLATFORM,
    Shape,
    add_shape_arguments,
    community_external_id,
    ensure_database,
    member_ref_names,
    shape_from,
    sql_time,
)
from bot.app import build_hearth, tune_for_serving
from bot.core import event_loop
from bot.core.clock import VirtualClock
from bot.core.events import MessagePosted
from bot.core.refs import ChannelRef, CommunityRef, MemberRef
from bot.core.scheduling import VirtualScheduler
from config.settings import ALL_COGS, load_settings
from storage.engine import SQLITE_PRAGMAS, Database
from storage.ledger import buckets_for, category_bucket

# Longer than the default activity cooldown (60s), so each member's next message earns again.
_TURN = timedelta(seconds=61)
# What message activity needs: with them alone, the figure isolates the ledger path from other features.
FOUNDATION_COGS = ("cogs.settings", "cogs.recognition")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_FIRST_MESSAGE_ID = 2 * 10**17  # above every generated snowflake


def message_texts(rng: random.Random, count: int) -> list[str]:
    """`count` chat-length texts that are each their own message: words of random letters, so no two are
    near-duplicates (the recognition cog gives a repeat of a member's recent message no points, and
    words from a small vocabulary made two random texts "nearly the same" now and then)."""
    return [
        " ".join("".join(rng.choices(_LETTERS, k=rng.randint(2, 8))) for _ in range(rng.randint(6, 14)))
        for _ in range(count)
    ]


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds
    cpu: float  # seconds of CPU, all threads of this process

    @classmethod
    def now(cls) -> Timing:
        return cls(time.perf_counter(), time.process_time())

    def __sub__(self, earlier: Timing) -> Timing:
        return Timing(self.wall - earlier.wall, self.cpu - earlier.cpu)


@dataclass(frozen=True)
class Speaker:
    member_id: int
    community_id: int
    ref: MemberRef
    channel: ChannelRef


def speakers(shape: Shape, count: int, seed: int = 7) -> list[Speaker]:
    """`count` distinct members drawn from every community (bigger communities give more)."""
    sizes = shape.community_sizes()
    starts = [0, *accumulate(sizes)]
    chosen = random.Random(seed).sample(range(shape.members), min(count, shape.members))
    found: list[Speaker] = []
    for index in chosen:
        community = bisect_right(starts, index) - 1
        community_ref = CommunityRef(PLATFORM, community_external_id(community), f"community {community}")
        external_id, name = member_ref_names(index)
        found.append(
            Speaker(
                index + 1,
                community + 1,
                MemberRef(community_ref, external_id, name),
                ChannelRef(community_ref, "ch1", "ch1"),
            )
        )
    return found


def moment_of(event_number: int, turn_size: int) -> datetime:
    return NOW + timedelta(minutes=5) + _TURN * (event_number // turn_size)


async def run_hearth(
    path: Path, cast: list[Speaker], events: int, batch_size: int | None, cogs: tuple[str, ...]
) -> Timing:
    """Time to dispatch `events` messages and have every award committed."""
    url = f"sqlite+aiosqlite:///{path}"
    clock = VirtualClock(moment_of(0, len(cast)))
    database = Database.open(url)
    settings = load_settings(database_url=url, hearth_activity_batch_size=batch_size)
    hearth = build_hearth(settings, clock, VirtualScheduler(clock), db=database, cogs=cogs)
    # Built before the heap is frozen: a socket would not hold 100k events waiting, so they must
    # not weigh on the garbage collector either.
    rng = random.Random(7)
    texts = message_texts(rng, events)
    stream = [
        MessagePosted(
            event_id=str(_FIRST_MESSAGE_ID + number),
            author=cast[number % len(cast)].ref,
            channel=cast[number % len(cast)].channel,
            message_id=str(_FIRST_MESSAGE_ID + number),
            # Each its own text: the recognition cog gives a repeat of a member's recent message nothing.
            text=texts[number],
        )
        for number in range(events)
    ]
    await hearth.start()
    tune_for_serving()  # as `hearth run` does once started
    try:
        started = Timing.now()
        for number, event in enumerate(stream):
            if number and number % len(cast) == 0:
                clock.advance(_TURN)
                if number == len(cast):  # the first turn warmed the caches: the clock starts now
                    await hearth.services.activity.flush()
                    started = Timing.now()
            await hearth.dispatch(event)
            await asyncio.sleep(0)  # events arrive from a socket: the flush task gets its turns
        await hearth.services.activity.flush()
        elapsed = Timing.now() - started
        if hearth.services.activity.recorded != events:
            raise AssertionError(f"Hearth recorded {hearth.services.activity.recorded} of {events} awards")
        return elapsed
    finally:
        await hearth.close()
        await database.dispose()


def run_raw(path: Path, cast: list[Speaker], events: int, commit_every: int | None = None) -> Timing:
    """Seconds for the same rows and their totals upserts (10 per event), executemany in one transaction, or
    in one transaction per `commit_every` events (as Hearth commits a batch at a time)."""
    rows = []
    totals = []
    for number in range(events):
        speaker = cast[number % len(cast)]
        moment = moment_of(number, len(cast))
        rows.append(
            (
                speaker.community_id,
                speaker.member_id,
                "message",
                1,
                None,
                None,
                "ch1",
                sql_time(moment),
                f"message:{_FIRST_MESSAGE_ID + number}",
            )
        )
        periods = buckets_for(moment, "UTC")
        # Each period overall and in the activity category, as `ledger.record` keeps them.
        for bucket in (*periods, *(category_bucket(period, "activity") for period in periods)):
            totals.append((speaker.community_id, bucket, speaker.member_id, 1, 0, 0, 1))
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        connection.execute(f"PRAGMA {pragma}")
    first_turn = len(cast)
    per_event = len(totals) // len(rows)
    write_raw(connection, rows[:first_turn], totals[: per_event * first_turn])  # untimed, like Hearth's warm-up
    started = Timing.now()
    step = commit_every or len(rows)
    for start in range(first_turn, len(rows), step):
        end = min(start + step, len(rows))
        write_raw(connection, rows[start:end], totals[per_event * start : per_event * end])
    elapsed = Timing.now() - started
    connection.close()
    return elapsed


def write_raw(
    connection: sqlite3.Connection, rows: Sequence[tuple[object, ...]], totals: Sequence[tuple[object, ...]]
) -> None:
    connection.execute("BEGIN IMMEDIATE")
    insert_raw(connection, rows, totals)
    connection.execute("COMMIT")


def insert_raw(
    connection: sqlite3.Connection, rows: Sequence[tuple[object, ...]], totals: Sequence[tuple[object, ...]]
) -> None:
    """The raw baseline's ledger rows and running totals, as plain sqlite3 writes them (inside the caller's
    transaction); bench.stream uses it too."""
    connection.executemany(
        "INSERT INTO contribution (community_id, member_id, kind, points, actor_id, reason, channel, created_at,"
        " idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (community_id, idempotency_key) DO NOTHING",
        rows,
    )
    connection.executemany(
        "INSERT INTO member_total (community_id, bucket, member_id, points, kudos_received, kudos_given, messages)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (community_id, bucket, member_id) DO UPDATE SET"
        " points = points + excluded.points, kudos_received = kudos_received + excluded.kudos_received,"
        " kudos_given = kudos_given + excluded.kudos_given, messages = messages + excluded.messages",
        totals,
    )


def fingerprint(path: Path) -> tuple[object, ...]:
    """What both runs must agree on: ledger and totals, summed."""
    with sqlite3.connect(path) as connection:
        ledger = connection.execute("SELECT count(*), sum(points), max(id) FROM contribution").fetchone()
        totals = connection.execute(
            "SELECT count(*), sum(points), sum(messages), sum(length(bucket) * member_id) FROM member_total"
        ).fetchone()
    connection.close()
    return (*ledger, *totals)


def copy_database(source: Path, name: str) -> Path:
    """A copy of `source`, already on disk: otherwise the first fsync of a run would write all of it."""
    target = BENCH_DIR / name
    remove_database(target)
    shutil.copyfile(source, target)
    with target.open("rb+") as copy:
        os.fsync(copy.fileno())
    return target


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def measure(
    source: Path,
    cast: list[Speaker],
    events: int,
    batch_size: int | None,
    cogs: tuple[str, ...],
    raw_commit_every: int | None = None,
) -> tuple[Timing, Timing]:
    """(Hearth, raw) timings, each on its own copy of `source`; both must write the same."""
    ours = copy_database(source, "run-hearth.db")
    raw = copy_database(source, "run-raw.db")
    try:
        hearth_timing = event_loop.run(run_hearth(ours, cast, events, batch_size, cogs))  # `hearth run`'s loop
        raw_timing = run_raw(raw, cast, events, raw_commit_every)
        if fingerprint(ours) != fingerprint(raw):
            raise AssertionError(f"the runs disagree: {fingerprint(ours)} != {fingerprint(raw)}")
    finally:
        remove_database(ours)
        remove_database(raw)
    return hearth_timing, raw_timing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="0,10000000", help="comma-separated ledger rows already present")
    parser.add_argument("--events", type=int, default=100_000, help="message events per run (default 100000)")
    parser.add_argument("--speakers", type=int, default=5000, help="members taking turns (default 5000)")
    parser.add_argument("--batch-size", type=int, default=None, help="HEARTH_ACTIVITY_BATCH_SIZE (default 2000)")
    parser.add_argument(
        "--raw-commit-every",
        type=int,
        default=None,
        help="raw sqlite3 commits every N events instead of once for the run (Hearth commits a batch at a time)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per database; the best of each side counts")
    parser.add_argument(
        "--foundation-cogs",
        action="store_true",
        help="load only the settings and recognition cogs (what message activity needs), not every feature",
    )
    parser.add_argument("--quick", action="store_true", help="fresh and 100k rows, 20000 events, 2000 speakers, 1 run")
    add_shape_arguments(parser)
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.rows, arguments.events, arguments.speakers, arguments.repeat = "0,100000", 20_000, 2000, 1
    for rows in arguments.rows.split(","):  # generate first, so that the table prints in one piece
        ensure_database(shape_from(arguments, int(rows)))
    print(
        f"ingest: {arguments.events:,} message events, {arguments.speakers:,} members taking turns, SQLite,"
        f" best of {arguments.repeat}"
    )
    columns: tuple[str, ...] = ("ledger rows before", "Hearth events/s", "raw events/s", "Hearth/raw")
    columns += ("Hearth CPU us/ev", "raw CPU us/ev")
    print(" | ".join(columns))
    print("-+-".join("-" * len(column) for column in columns))
    for rows in (int(part) for part in arguments.rows.split(",")):
        shape = shape_from(arguments, rows)
        source = ensure_database(shape)
        cast = speakers(shape, arguments.speakers)
        cogs = FOUNDATION_COGS if arguments.foundation_cogs else tuple(f"cogs.{name}" for name in ALL_COGS)
        runs = [
            measure(source, cast, arguments.events, arguments.batch_size, cogs, arguments.raw_commit_every)
            for _ in range(arguments.repeat)
        ]
        # The machine is shared: each side's best run counts.
        hearth = min((ours for ours, _ in runs), key=lambda timing: timing.wall)
        raw = min((theirs for _, theirs in runs), key=lambda timing: timing.wall)
        timed = arguments.events - len(cast)  # the first turn is the untimed warm-up
        figures = (
            f"{rows:,}",
            f"{timed / hearth.wall:,.0f}",
            f"{timed / raw.wall:,.0f}",
            f"{raw.wall / hearth.wall:.0%}",
            f"{hearth.cpu / timed * 1e6:.1f}",
            f"{raw.cpu / timed * 1e6:.1f}",
        )
        print(" | ".join(figure.rjust(len(column)) for figure, column in zip(figures, columns, strict=True)))


if __name__ == "__main__":
    main()
