"""Rank card rendering: how long one card takes, and how much the event loop lags while 20 render at once.

A card is drawn by `cogs.recognition.card.CardRenderer` in a worker thread (`asyncio.to_thread`, one card
at a time), as `/rank` does. The lag is measured by a ticker that asks to wake every 1 ms while the cards render: its
lateness is how long any other member's command would have waited.

    python -m bench.rank_card              # 200 single renders, then 20 at once, 5 rounds
    python -m bench.rank_card --quick
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from bench.leaderboard import percentile
from cogs.recognition.card import CardRenderer, RankCardData, render_rank_card

RENDER_TARGET_MS = 150.0
LAG_TARGET_MS = 50.0


def card(number: int) -> RankCardData:
    return RankCardData(
        f"member number {number}",
        level=number % 40,
        into=number * 7 % 500,
        needed=500,
        rank=number + 1,
        ranked=20_000,
        points=number * 1234,
        categories=(("kudos", 120), ("activity", 3400), ("rituals", 55), ("welcomes", 10), ("introductions", 20)),
        streak=number % 12,
    )


async def lag_while(work: asyncio.Future[Any]) -> list[float]:
    """Milliseconds by which each 1 ms sleep overslept until `work` was done."""
    lags = []
    while not work.done():
        started = time.perf_counter()
        await asyncio.sleep(0.001)
        lags.append(max(0.0, (time.perf_counter() - started) * 1000 - 1.0))
    return lags


async def concurrent(rounds: int, cards: int) -> tuple[list[float], list[float]]:
    renderer = CardRenderer()  # as the recognition cog renders: a worker thread, one card at a time
    lags: list[float] = []
    walls: list[float] = []
    for round_number in range(rounds):
        started = time.perf_counter()
        work = asyncio.gather(*(renderer.render(card(round_number * cards + n)) for n in range(cards)))
        lags += await lag_while(work)
        await work
        walls.append((time.perf_counter() - started) * 1000)
    return lags, walls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="30 renders, 2 rounds")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.renders, arguments.rounds = 30, 2
    render_rank_card(card(0))  # fonts loaded and cached, as after the first /rank
    singles = []
    for number in range(arguments.renders):
        started = time.perf_counter()
        size = len(render_rank_card(card(number)))
        singles.append((time.perf_counter() - started) * 1000)
    lags, walls = asyncio.run(concurrent(arguments.rounds, 20))
    print(
        f"rank card: {arguments.renders} renders, PNG ~{size:,} bytes: p50 {statistics.median(singles):.1f} ms,"
        f" p95 {percentile(singles, 0.95):.1f} ms (target <= {RENDER_TARGET_MS:.0f})"
    )
    print(
        f"20 cards at once in worker threads, {arguments.rounds} rounds: all rendered in"
        f" {statistics.median(walls):.0f} ms (median); event-loop lag p50 {statistics.median(lags):.2f} ms,"
        f" p99 {percentile(lags, 0.99):.2f} ms, max {max(lags):.2f} ms (target p99 <= {LAG_TARGET_MS:.0f})"
    )


if __name__ == "__main__":
    main()
