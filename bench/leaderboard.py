"""Leaderboard and rank latency through the real repositories (`ledger.top`, `ledger.standing`).

Boards: all time, week, quarter and year overall, and two category boards (all-time kudos, this week's
activity). Each call is timed as the recognition service makes it: a read session on the async engine, then the
repository call. The database is the cached dataset of bench/dataset.py (skewed community sizes,
totals consistent with the ledger). Communities are measured in two groups: the largest one, and
the others (a community drawn at random for each call); members are drawn at random too.

    python -m bench.leaderboard                  # 1M and 10M ledger rows
    python -m bench.leaderboard --quick          # 100k rows, fewer calls (make bench)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from itertools import accumulate

from bench.dataset import NOW, Shape, add_shape_arguments, ensure_database, shape_from
from storage import ledger
from storage.engine import Database

# (period, category): the overall boards, and category boards of each length of period.
BOARDS = (("all", None), ("week", None), ("quarter", None), ("year", None), ("all", "kudos"), ("week", "activity"))
TOP_TARGET_MS = 2.0
RANK_TARGET_MS = 5.0


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def timed(
    calls: int, call: Callable[[int, str], Awaitable[object]], community: Callable[[], int], bucket: str
) -> list[float]:
    """Milliseconds of each of `calls` calls of `call(community(), bucket)`, and last the mean CPU
    microseconds per call (process time: every thread, so the driver's too; steadier than wall time on a
    shared machine)."""
    samples = []
    cpu = time.process_time()
    for _ in range(calls):
        community_id = community()
        started = time.perf_counter()
        await call(community_id, bucket)
        samples.append((time.perf_counter() - started) * 1000)
    return [*samples, (time.process_time() - cpu) / calls * 1e6]


async def measure(shape: Shape, calls: int, seed: int = 3) -> list[tuple[str, str, list[float], list[float]]]:
    """(community group, period, top-10 samples, rank samples) for each group and period; each list of
    samples (ms) ends with the mean CPU microseconds per call."""
    sizes = shape.community_sizes()
    first_member = [0, *accumulate(sizes)]
    rng = random.Random(seed)
    database = Database.open(f"sqlite+aiosqlite:///{ensure_database(shape)}")

    def largest() -> int:
        return 1

    def another() -> int:
        return rng.randint(2, len(sizes))

    def member_of(community_id: int) -> int:
        index = community_id - 1
        return rng.randint(first_member[index] + 1, first_member[index + 1])

    async def top(community_id: int, bucket: str) -> None:
        async with database.read() as session:
            await ledger.top(session, community_id, bucket)

    async def rank(community_id: int, bucket: str) -> None:
        async with database.read() as session:
            await ledger.standing(session, community_id, bucket, member_of(community_id))

    results = []
    try:
        for group, pick in (("largest", largest), ("others", another)):
            for period, category in BOARDS:
                bucket = ledger.period_bucket(period, NOW, "UTC", category)
                name = f"{period}~{category}" if category else period
                await timed(max(10, calls // 10), top, pick, bucket)  # warm the caches
                top_samples = await timed(calls, top, pick, bucket)
                rank_samples = await timed(calls, rank, pick, bucket)
                results.append((group, name, top_samples, rank_samples))
    finally:
        await database.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="1000000,10000000", help="comma-separated ledger sizes")
    parser.add_argument("--calls", type=int, default=2000, help="timed calls per cell (default 2000)")
    parser.add_argument("--quick", action="store_true", help="100k rows, 300 calls")
    add_shape_arguments(parser)
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.rows, arguments.calls = "100000", 300
    sizes = [int(part) for part in arguments.rows.split(",")]
    for rows in sizes:  # generate first, so that the table prints in one piece
        ensure_database(shape_from(arguments, rows))
    largest = shape_from(arguments, 0).community_sizes()[0]
    print(
        f"leaderboard: {arguments.communities:,} communities, {arguments.members:,} members (largest {largest:,}),"
        f" {arguments.calls:,} calls per cell, SQLite; ms (targets: top-10 p99 <= {TOP_TARGET_MS},"
        f" rank p99 <= {RANK_TARGET_MS})"
    )
    header = f"{'ledger rows':>11} | {'community':<9} | {'board':<13} | {'top p50':>7} | {'top p99':>7} |"
    print(f"{header} {'rank p50':>8} | {'rank p99':>8} | CPU us/call top, rank")
    print("-" * (len(header) + 45))
    for rows in sizes:
        for group, period, (*top_samples, top_cpu), (*rank_samples, rank_cpu) in asyncio.run(
            measure(shape_from(arguments, rows), arguments.calls)
        ):
            print(
                f"{rows:>11,} | {group:<9} | {period:<13} | {statistics.median(top_samples):>7.2f} |"
                f" {percentile(top_samples, 0.99):>7.2f} | {statistics.median(rank_samples):>8.2f} |"
                f" {percentile(rank_samples, 0.99):>8.2f} | {top_cpu:>6.0f}, {rank_cpu:>6.0f}"
            )


if __name__ == "__main__":
    main()
