"""Leaderboard pages and "around me" through the real repositories, in the largest community of the dataset.

A page is `ledger.top(..., offset=(page - 1) * 10)`, as the recognition cog's boards read it (and, past page 1,
`ledger.standing` of its first row, for a rank shared with the page before); "around me" is the member's
`ledger.standing`, the 3 members above and below them from their place on the board index
(`storage.recognition.neighbours`) and one count per group of equal points in that window. Boards: all time and
this week, overall. Figures: wall-clock ms (p50, p99) and CPU µs (process time, all threads) per call, steadier
on a shared machine.

    python -m bench.board_pages --rows 1000000 --largest-share 0.2     # a 20,000-member community
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable

from bench.dataset import NOW, add_shape_arguments, ensure_database, shape_from
from bench.leaderboard import percentile
from storage import ledger, recognition
from storage.engine import Database

PAGE_SIZE = 10
AROUND = 3


async def timed(calls: int, call: Callable[[], Awaitable[object]]) -> tuple[list[float], float]:
    """Milliseconds of each call, and CPU µs per call."""
    samples = []
    cpu = time.process_time()
    for _ in range(calls):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, (time.process_time() - cpu) / calls * 1e6


async def board(
    database: Database, bucket: str, calls: int, community_id: int, members: int, rng: random.Random
) -> list[tuple[str, str, str, str]]:
    """(view, p50 ms, p99 ms, CPU µs) of pages 1, 2, 10, 100 and the last, of a random member's rank (`/rank`'s
    read, for comparison) and of "around me", on one board."""
    async with database.read() as session:
        ranked = (await ledger.standing(session, community_id, bucket, 0)).ranked_members
    last = max(1, -(-ranked // PAGE_SIZE))

    def page_of(page: int) -> Callable[[], Awaitable[object]]:
        async def read() -> None:
            async with database.read() as session:
                await ledger.top(session, community_id, bucket, PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)

        return read

    async def around() -> None:
        async with database.read() as session:
            member_id = rng.randint(1, members)  # community 1's members are the dataset's first ids
            mine = await ledger.standing(session, community_id, bucket, member_id)
            if mine.rank is not None:
                above, below = await recognition.neighbours(
                    session, community_id, bucket, mine.points, member_id, AROUND
                )
                # One count per group of equal points the cog ranks the window by (cogs/recognition/boards.py).
                for amount in {mine.points, *(row[1] for row in above), *(row[1] for row in below[:-1])}:
                    await recognition.on_board_with(session, community_id, bucket, amount)

    async def rank() -> None:  # what /rank reads of the same members: around me's own share
        async with database.read() as session:
            await ledger.standing(session, community_id, bucket, rng.randint(1, members))

    pages = sorted({1, 2, 10, 100, last} & set(range(1, last + 1)))
    found = []
    for name, call in [
        *((f"page {page} of {last:,}", page_of(page)) for page in pages),
        ("rank", rank),
        ("around me", around),
    ]:
        await timed(max(10, calls // 10), call)  # warm the caches
        samples, cpu = await timed(calls, call)
        found.append((name, f"{statistics.median(samples):.2f}", f"{percentile(samples, 0.99):.2f}", f"{cpu:.0f}"))
    return found


async def measure(url: str, calls: int, community_id: int, members: int, seed: int = 5) -> list[tuple[str, ...]]:
    rng = random.Random(seed)
    database = Database.open(url)
    try:
        return [
            (period, *row)
            for period in ("all", "week")
            for row in await board(
                database, ledger.period_bucket(period, NOW, "UTC"), calls, community_id, members, rng
            )
        ]
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="ledger rows (default 1000000)")
    parser.add_argument("--calls", type=int, default=1000, help="timed calls per cell (default 1000)")
    add_shape_arguments(parser)
    arguments = parser.parse_args()
    shape = shape_from(arguments, arguments.rows)
    path = ensure_database(shape)
    members = shape.community_sizes()[0]
    print(f"board pages: {members:,} members, {arguments.rows:,} ledger rows, SQLite, {arguments.calls} calls")
    print(f"{'board':<5} | {'view':<18} | {'p50 ms':>7} | {'p99 ms':>7} | {'CPU µs':>6}")
    for row in asyncio.run(measure(f"sqlite+aiosqlite:///{path}", arguments.calls, 1, members)):
        print(f"{row[0]:<5} | {row[1]:<18} | {row[2]:>7} | {row[3]:>7} | {row[4]:>6}")


if __name__ == "__main__":
    main()
