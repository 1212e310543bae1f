"""Reaction kudos throughput on SQLite (issue 10): `hearth.dispatch(ReactionAdded)` with the community's kudos
emoji, through the recognition cog's limits (allowance, pair cooldown, no self), each reaction recorded in its
own transaction (two ledger rows and their totals) before the next, as a reaction's kudos are.

Members of the dataset's largest community react to each other's messages: each giver reacts to the messages
of the next few members (distinct pairs, under the default daily allowance), so every reaction records kudos;
the run checks the ledger holds them all. No platform is attached (nothing is sent).

    python -m bench.reactions                    # 5,000 reactions on a fresh database
    python -m bench.reactions --reactions 20000 --rows 10000000
"""

from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import text

from bench.dataset import NOW, Shape, add_shape_arguments, ensure_database, shape_from
from bench.ingest import copy_database, remove_database, speakers
from bench.leaderboard import percentile
from bot.app import build_hearth, tune_for_serving
from bot.core import event_loop
from bot.core.clock import VirtualClock
from bot.core.events import MessagePosted, ReactionAdded
from bot.core.scheduling import VirtualScheduler
from config.settings import load_settings
from storage.engine import Database

_PER_GIVER = 4  # under the default daily allowance of 5
_EMOJI = "🙌"  # the default kudos_emoji


async def measure(shape: Shape, reactions: int) -> tuple[list[float], float, float]:
    """(milliseconds of each reaction, wall seconds, CPU seconds) on a copy of the dataset."""
    path = copy_database(ensure_database(shape), "run-reactions.db")
    url = f"sqlite+aiosqlite:///{path}"
    clock = VirtualClock(NOW)
    database = Database.open(url)
    hearth = build_hearth(load_settings(database_url=url), clock, VirtualScheduler(clock), db=database)
    drawn = speakers(shape, shape.members)
    largest = [speaker for speaker in drawn if speaker.community_id == 1]
    givers = largest[: reactions // _PER_GIVER + _PER_GIVER + 1]
    samples: list[float] = []
    try:
        await hearth.start()
        tune_for_serving()  # as `hearth run` does once started
        for number, member in enumerate(givers):  # each posts a message to react to; members are then known
            message_id = f"bench-message-{number}"
            await hearth.dispatch(
                MessagePosted(message_id, member.ref, member.channel, message_id, text=f"hi {number}")
            )
        await hearth.services.activity.flush()
        async with database.read() as session:
            before = (await session.execute(text("SELECT count(*) FROM contribution"))).scalar_one()
        started, cpu = time.perf_counter(), time.process_time()
        for number in range(reactions):
            giver_at, step = divmod(number, _PER_GIVER)
            author_at = giver_at + 1 + step
            giver, author = givers[giver_at], givers[author_at]
            event = ReactionAdded(
                f"bench-reaction-{number}",
                giver.ref,
                author.channel,
                f"bench-message-{author_at}",
                _EMOJI,
                message_author=author.ref,
            )
            begun = time.perf_counter()
            await hearth.dispatch(event)
            samples.append((time.perf_counter() - begun) * 1000)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        async with database.read() as session:
            after = (await session.execute(text("SELECT count(*) FROM contribution"))).scalar_one()
        if after - before != 2 * reactions:  # a kudos is two rows: given and received
            raise AssertionError(f"{(after - before) / 2:.0f} of {reactions} reactions recorded kudos")
        return samples, wall, cpu
    finally:
        await hearth.close()
        await database.dispose()
        remove_database(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reactions", type=int, default=5000, help="reactions to time (default 5000)")
    parser.add_argument("--rows", type=int, default=0, help="ledger rows already present (default 0)")
    add_shape_arguments(parser)
    arguments = parser.parse_args()
    shape = shape_from(arguments, arguments.rows)
    samples, wall, cpu = event_loop.run(measure(shape, arguments.reactions))  # `hearth run`'s loop
    print(f"reaction kudos: {arguments.reactions:,} reactions, {shape.rows:,} ledger rows before, SQLite")
    print(
        f"{arguments.reactions / wall:,.0f} reactions/s; per reaction p50 {statistics.median(samples):.2f} ms, "
        f"p99 {percentile(samples, 0.99):.2f} ms; {cpu / arguments.reactions * 1e6:,.0f} CPU us each"
    )


if __name__ == "__main__":
    main()
