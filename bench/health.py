"""`/health show 30d` and `/health at-risk` on a big community: the figures' reads, and the charts.

The ledger is the cached dataset of bench/dataset.py with its largest community at 20,000 members
(`--share 0.2` of 100,000). A year of daily health aggregates for that community is built directly with
sqlite3 (as the write-behind buffer would have left them): every member has a habit (active on 2% to 60% of
days, skewed), 10 channels, and 3,000 newcomers over the year with first messages and most first replies.
The copy with aggregates is cached beside the dataset.

    python -m bench.health                       # 10M ledger rows (generating it takes a while, once)
    python -m bench.health --quick               # 100k ledger rows
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sqlite3
import statistics
import time
from datetime import timedelta
from functools import partial
from pathlib import Path

from bench.dataset import NOW, Shape, _migrate, ensure_database, sql_time
from cogs.health import charts
from cogs.health.figures import report, window
from storage import health_queries as q
from storage.engine import Database

SHOW_TARGET_S = 2.0
AT_RISK_TARGET_S = 0.5
COMMUNITY = 1  # the dataset's largest community
DAYS = 365
CHANNELS = 10
NEWCOMERS = 3000


def with_aggregates(ledger: Path) -> Path:
    path = ledger.with_name(ledger.stem + "-health.db")
    if path.exists():
        return path
    partial = path.with_name(path.name + ".partial")
    shutil.copyfile(ledger, partial)
    asyncio.run(_migrate(partial))  # the cached ledger may predate the health tables
    rng = random.Random(7)
    connection = sqlite3.connect(partial, isolation_level=None)
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    members = [row[0] for row in connection.execute("SELECT id FROM member WHERE community_id = ?", (COMMUNITY,))]
    today = NOW.date()
    connection.execute("BEGIN")
    rows = []
    for member in members:
        rate = min(0.6, 0.02 + rng.paretovariate(2.0) * 0.03)
        quiet_after = DAYS - rng.randrange(0, 60) if rng.random() < 0.2 else DAYS + 1  # some drift away
        for back in range(DAYS):
            if back < DAYS - quiet_after or rng.random() >= rate:
                continue
            day = (today - timedelta(days=back)).isoformat()
            messages = rng.randint(1, 8)
            rows.append(
                (COMMUNITY, member, day, messages, rng.randint(0, messages), rng.randint(0, 3), rng.randint(0, 4), 0)
            )
        if len(rows) > 200_000:
            connection.executemany("INSERT INTO health_member_day VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            rows = []
    connection.executemany("INSERT INTO health_member_day VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    connection.executemany(
        "INSERT INTO health_channel_day VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                COMMUNITY,
                f"C{c}",
                (today - timedelta(days=back)).isoformat(),
                rng.randint(50, 2000),
                rng.randint(10, 500),
                40,
            )
            for c in range(CHANNELS)
            for back in range(DAYS)
        ],
    )
    newcomers = []
    for member in rng.sample(members, NEWCOMERS):
        joined = NOW - timedelta(seconds=rng.uniform(0, DAYS * 86400))
        first = joined + timedelta(hours=rng.uniform(0, 48)) if rng.random() < 0.7 else None
        reply = first + timedelta(minutes=rng.uniform(1, 3000)) if first and rng.random() < 0.8 else None
        newcomers.append(
            (
                member,
                COMMUNITY,
                sql_time(joined),
                sql_time(first) if first else None,
                f"m{member}" if first else None,
                "C0" if first else None,
                sql_time(reply) if reply else None,
                None,
                None,
            )
        )
    connection.executemany("INSERT INTO health_newcomer VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", newcomers)
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    connection.close()
    partial.rename(path)
    return path


async def measure(path: Path, runs: int) -> tuple[list[float], list[float], list[float], list[float]]:
    """Seconds of each run's figures, charts and at-risk reads, and CPU seconds of the figures and charts
    (process time: every thread, steadier than wall time on a shared machine)."""
    database = Database.open(f"sqlite+aiosqlite:///{path}")
    show, drawn, at_risk, cpu = [], [], [], []
    try:
        for _ in range(runs):
            started, cpu_started = time.perf_counter(), time.process_time()
            async with database.read() as session:
                found = await report(session, COMMUNITY, NOW, 30, "UTC")
            show.append(time.perf_counter() - started)
            started = time.perf_counter()
            await asyncio.gather(  # as /health show renders them: three workers at once
                charts.render(partial(charts.activity, "30 days", found.daily_active, found.daily_messages)),
                charts.render(partial(charts.funnel, found.funnel)),
                charts.render(partial(charts.cohorts, found.cohorts)),
            )
            drawn.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            started = time.perf_counter()
            today = window(NOW, 1, "UTC").end
            async with database.read() as session:  # what /health at-risk reads
                await q.gone_quiet(session, COMMUNITY, today - timedelta(days=43), today - timedelta(days=13), today)
                await q.members(session, COMMUNITY)
                await q.outreach(session, COMMUNITY)
            at_risk.append(time.perf_counter() - started)
    finally:
        await database.dispose()
    return show, drawn, at_risk, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100k ledger rows, 2 runs")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    rows, runs = (100_000, 2) if arguments.quick else (arguments.rows, arguments.runs)
    shape = Shape(rows=rows, communities=1000, members=100_000, largest_share=0.2)
    started = time.perf_counter()
    path = with_aggregates(ensure_database(shape))
    print(f"dataset ready in {time.perf_counter() - started:.0f}s: {path.name}")
    with sqlite3.connect(path) as connection:
        (days,) = connection.execute("SELECT count(*) FROM health_member_day").fetchone()
        (size,) = connection.execute("SELECT count(*) FROM member WHERE community_id = ?", (COMMUNITY,)).fetchone()
    connection.close()
    print(f"community of {size:,} members, {rows:,} ledger rows, {days:,} member-days over {DAYS} days")
    show, drawn, at_risk, cpu = asyncio.run(measure(path, runs))
    print("measure              | median s | max s | target s")
    print(f"/health show 30d     | {statistics.median(show):8.3f} | {max(show):5.3f} | {SHOW_TARGET_S}  (figures)")
    print(f"  + 3 charts         | {statistics.median(drawn):8.3f} | {max(drawn):5.3f} |")
    total = [a + b for a, b in zip(show, drawn, strict=True)]
    print(f"  = show with charts | {statistics.median(total):8.3f} | {max(total):5.3f} | {SHOW_TARGET_S}")
    print(f"    its CPU seconds  | {statistics.median(cpu):8.3f} | {max(cpu):5.3f} |")
    print(f"/health at-risk      | {statistics.median(at_risk):8.3f} | {max(at_risk):5.3f} | {AT_RISK_TARGET_S}")


if __name__ == "__main__":
    main()
