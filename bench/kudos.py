"""`/kudos` latency in the core: `hearth.run_command(ctx, "kudos", ...)` on SQLite, no platform, no network.

Each call has its own invocation id and a giver who still has allowance left (members take turns,
and no one gives more than the daily limit), so every call records kudos: the duplicate check, the
allowance count, two ledger rows and six totals upserts, committed before the reply is built.

    python -m bench.kudos                        # on a database holding 10M ledger rows
    python -m bench.kudos --quick --rows 0       # fresh database, fewer calls (make bench)
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from bench.dataset import NOW, Shape, add_shape_arguments, ensure_database, shape_from
from bench.ingest import copy_database, remove_database, speakers
from bench.leaderboard import percentile
from bot.app import build_hearth, tune_for_serving
from bot.core import event_loop
from bot.core.clock import VirtualClock
from bot.core.refs import Permission
from bot.core.scheduling import VirtualScheduler
from config.settings import load_settings
from storage.engine import Database

TARGET_MS = 5.0
_KUDOS_PER_GIVER = 4  # under the default daily allowance of 5


async def measure(shape: Shape, calls: int) -> list[float]:
    """Milliseconds of each `/kudos`, on a copy of the dataset (the runs add rows)."""
    path = copy_database(ensure_database(shape), "run-kudos.db")
    url = f"sqlite+aiosqlite:///{path}"
    clock = VirtualClock(NOW)
    database = Database.open(url)
    hearth = build_hearth(load_settings(database_url=url), clock, VirtualScheduler(clock), db=database)
    members = speakers(shape, max(2, calls // _KUDOS_PER_GIVER + 1))
    rng = random.Random(5)
    samples = []
    try:
        await hearth.start()
        tune_for_serving()  # as `hearth run` does once started
        for member in members:  # steady state: members and settings are in the caches
            await hearth.services.settings.get((await hearth.services.identity.member(member.ref)).community_id)
        for number in range(calls):
            giver = members[number % len(members)]
            receiver = rng.choice(members)
            while receiver is giver:
                receiver = rng.choice(members)
            context = await hearth.context(giver.ref, giver.channel, Permission.MEMBER, f"bench-kudos-{number}")
            started = time.perf_counter()
            options = {"member": receiver.ref, "reason": "thanks for the help"}
            reply = await hearth.run_command(context, "kudos", options)
            samples.append((time.perf_counter() - started) * 1000)
            if reply.ephemeral:
                raise AssertionError(f"kudos {number} was refused: {reply.text}")
    finally:
        await hearth.close()
        await database.dispose()
        remove_database(path)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="10000000", help="comma-separated ledger sizes (0: fresh database)")
    parser.add_argument("--calls", type=int, default=5000, help="timed /kudos calls (default 5000)")
    parser.add_argument("--quick", action="store_true", help="500 calls")
    add_shape_arguments(parser)
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.calls = 500
    sizes = [int(part) for part in arguments.rows.split(",")]
    for rows in sizes:  # generate first, so that the table prints in one piece
        ensure_database(shape_from(arguments, rows))
    print(f"/kudos in the core: {arguments.calls:,} calls, SQLite; ms (target p99 <= {TARGET_MS})")
    print(f"{'ledger rows':>11} | {'p50':>6} | {'p99':>6} | {'max':>6}")
    print("-" * 38)
    for rows in sizes:
        samples = event_loop.run(measure(shape_from(arguments, rows), arguments.calls))  # `hearth run`'s loop
        print(
            f"{rows:>11,} | {statistics.median(samples):>6.2f} | {percentile(samples, 0.99):>6.2f} |"
            f" {max(samples):>6.2f}"
        )


if __name__ == "__main__":
    main()
