"""`/recognition report` on a big community: 30 days of kudos read from the ledger, and the patterns found.

The ledger is the cached dataset of bench/dataset.py with its largest community at 20,000 members
(`--largest-share 0.2` of 100,000): its kudos are random pairs, about 1 in 11 of its rows. The read goes
through the ledger's partial index of rare kinds (never the message rows); the analysis runs in a worker
thread, as the command does. Read only: the cached file is not copied.

    python -m bench.report                       # 10M ledger rows (generating it takes a while, once)
    python -m bench.report --quick               # 100k ledger rows
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from bench.dataset import NOW, Shape, ensure_database
from cogs.recognition.report import WINDOW, analyse
from storage import recognition
from storage.engine import Database

COMMUNITY = 1  # the dataset's largest community


async def measure(path: str, runs: int) -> None:
    database = Database.open(f"sqlite+aiosqlite:///{path}")
    try:
        reads: list[float] = []
        analyses: list[float] = []
        cpu: list[float] = []
        for _ in range(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            async with database.read() as session:
                kudos = await recognition.kudos_since(session, COMMUNITY, NOW - WINDOW)
            read = time.perf_counter()
            found = await asyncio.to_thread(analyse, kudos)
            done = time.perf_counter()
            reads.append(read - started)
            analyses.append(done - read)
            cpu.append(time.process_time() - started_cpu)
        print(f"kudos in 30 days: {len(kudos):,} from {found.givers:,} givers")
        print(f"findings: {len(found.rings)} rings, {len(found.one_sided)} one-sided, {len(found.bursts)} bursts")
        for name, values in (("read", reads), ("analyse", analyses), ("CPU (all threads)", cpu)):
            print(f"{name:>18}: median {statistics.median(values) * 1000:8.1f} ms, max {max(values) * 1000:8.1f} ms")
        total = [r + a for r, a in zip(reads, analyses, strict=True)]
        print(f"{'total':>18}: median {statistics.median(total) * 1000:8.1f} ms, max {max(total) * 1000:8.1f} ms")
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100k ledger rows")
    parser.add_argument("--runs", type=int, default=5, help="runs (default 5); the first reads from disk")
    arguments = parser.parse_args()
    rows = 100_000 if arguments.quick else 10_000_000
    path = ensure_database(Shape(rows, largest_share=0.2))
    asyncio.run(measure(str(path), arguments.runs))


if __name__ == "__main__":
    main()
