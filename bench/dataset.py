"""A cached SQLite database shaped like a busy Hearth: communities, members, ledger rows, totals.

The schema comes from the Alembic migration (`Database.migrate`); the rows are written with raw
sqlite3 `executemany` in big transactions, community by community, so 10M rows take minutes, not
hours. Totals are computed while generating, with the real `storage.ledger.buckets_for`, so they
match what `ledger.record` would have written for the same rows.

Community sizes are skewed: community 1 (`c0`) holds `largest_share` of all members, the others
follow a Zipf-like curve. Activity inside a community is skewed too (a few members post most).
All communities use the default time zone (UTC). Ledger times spread over the year before `NOW`.

    python -m bench.dataset --rows 10000000     # build (or find) the cached file and print its path
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import time
from bisect import bisect_left
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path

from storage.engine import Database
from storage.ledger import CATEGORY_OF, buckets_for, category_bucket

BENCH_DIR = Path(__file__).parent
# A Wednesday noon: the current week holds two and a half days of activity.
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
PLATFORM = "bench"
_YEAR = 365 * 24 * 3600.0
_KUDOS_SHARE = 0.1  # share of generated events that are kudos (two rows each) rather than messages
_FORMAT_VERSION = 2  # bump when the generated content changes, so stale cached files are not reused


@dataclass(frozen=True)
class Shape:
    rows: int
    communities: int = 1000
    members: int = 100_000
    largest_share: float = 0.15
    seed: int = 1

    def path(self) -> Path:
        share = round(self.largest_share * 100)
        return BENCH_DIR / (
            f"ledger-v{_FORMAT_VERSION}-{self.rows}r-{self.communities}c-{self.members}m-{share}pct-s{self.seed}.db"
        )

    def community_sizes(self) -> list[int]:
        """Members per community: the largest first, the rest on a Zipf-like curve, at least one each."""
        largest = max(1, round(self.members * self.largest_share))
        others = self.communities - 1
        rest = self.members - largest
        if others == 0:
            return [self.members]
        if rest < others:
            raise ValueError("every community needs at least one member")
        weights = [1 / (rank + 1) ** 0.9 for rank in range(others)]
        scale = (rest - others) / sum(weights)
        sizes = [1 + int(w * scale) for w in weights]
        sizes[0] += rest - sum(sizes)  # rounding leftovers go to the second-largest community
        return [largest, *sizes]


def member_ref_names(index: int) -> tuple[str, str]:
    """(external_id, display_name) of the member with 0-based global index `index`."""
    return f"m{index}", f"member {index}"


def community_external_id(index: int) -> str:
    return f"c{index}"


def sql_time(moment: datetime) -> str:
    """A time as SQLAlchemy's SQLite DateTime stores it."""
    return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def ensure_database(shape: Shape, quiet: bool = False) -> Path:
    """The cached file for this shape, generated first if it does not exist yet."""
    path = shape.path()
    if path.exists():
        # A file cached before a new migration gets it (an index, say); in a thread of its own, as callers
        # may be inside an event loop already.
        with ThreadPoolExecutor(1) as worker:
            worker.submit(asyncio.run, _migrate(path)).result()
        return path
    partial = path.with_name(path.name + ".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    asyncio.run(_migrate(partial))
    _generate(partial, shape, quiet)
    partial.rename(path)
    if not quiet:
        print(f"generated {path.name} in {time.perf_counter() - started:.0f}s")
    return path


async def _migrate(path: Path) -> None:
    database = Database.open(f"sqlite+aiosqlite:///{path}")
    try:
        await database.migrate()
    finally:
        await database.dispose()


def _generate(path: Path, shape: Shape, quiet: bool) -> None:
    rng = random.Random(shape.seed)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA cache_size=-1000000")
    sizes = shape.community_sizes()
    created = sql_time(NOW - timedelta(days=400))
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO community (id, platform, external_id, name, created_at) VALUES (?, ?, ?, ?, ?)",
        [(i + 1, PLATFORM, community_external_id(i), f"community {i}", created) for i in range(len(sizes))],
    )
    first_member = 0
    members: list[tuple[int, int, str, str, int, str]] = []
    for community, size in enumerate(sizes):
        for index in range(first_member, first_member + size):
            external_id, name = member_ref_names(index)
            members.append((index + 1, community + 1, external_id, name, 0, created))
        first_member += size
    connection.executemany(
        "INSERT INTO member (id, community_id, external_id, display_name, is_bot, joined_at) VALUES (?, ?, ?, ?, ?, ?)",
        members,
    )
    connection.execute("COMMIT")

    # Per day: the period buckets, and those of the kudos and activity categories (as `ledger.record` files them).
    buckets: dict[date, tuple[str, ...]] = {}
    kudos_buckets: dict[date, tuple[str, ...]] = {}
    activity_buckets: dict[date, tuple[str, ...]] = {}
    snowflake = 10**17
    written = 0
    first_member = 0
    last_report = time.perf_counter()
    for community, size in enumerate(sizes):
        target = shape.rows * size // shape.members if community else 0
        if community == 0:  # the largest takes the rounding remainder, so the total is exact
            target = shape.rows - sum(shape.rows * s // shape.members for s in sizes[1:])
        ids = list(range(first_member + 1, first_member + size + 1))
        first_member += size
        cumulative = list(accumulate(1 / (rank + 1) ** 0.8 for rank in range(size)))
        total_weight = cumulative[-1]

        def pick(ids: list[int] = ids, cumulative: list[float] = cumulative, total: float = total_weight) -> int:
            return ids[bisect_left(cumulative, rng.random() * total)]

        # Decide each event's kind first, so that the times can cover the whole year evenly.
        kinds: list[bool] = []  # True: a kudos (two rows), False: a message
        produced = 0
        while produced < target:
            kudos = size > 1 and target - produced >= 2 and rng.random() < _KUDOS_SHARE
            kinds.append(kudos)
            produced += 2 if kudos else 1
        offsets = sorted(rng.random() * _YEAR for _ in kinds)
        rows: list[tuple[object, ...]] = []
        totals: dict[tuple[str, int], list[int]] = {}
        community_id = community + 1
        start = NOW - timedelta(seconds=_YEAR)
        for kudos, offset in zip(kinds, offsets, strict=True):
            moment = start + timedelta(seconds=offset)
            day = moment.date()
            day_buckets = buckets.get(day)
            if day_buckets is None:
                day_buckets = buckets[day] = buckets_for(moment, "UTC")
                kudos_buckets[day] = tuple(category_bucket(b, CATEGORY_OF["kudos_received"]) for b in day_buckets)
                activity_buckets[day] = tuple(category_bucket(b, CATEGORY_OF["message"]) for b in day_buckets)
            stamp = sql_time(moment)
            snowflake += 1
            receiver = pick()
            if kudos:
                giver = pick()
                while giver == receiver:
                    giver = pick()
                key = f"kudos:{snowflake}"
                rows.append((community_id, receiver, "kudos_received", 10, giver, "thanks", "general", stamp, key))
                rows.append(
                    (community_id, giver, "kudos_given", 0, receiver, "thanks", "general", stamp, key + ":given")
                )
                _add(totals, day_buckets + kudos_buckets[day], receiver, 10, kudos_received=1)
                _add(totals, day_buckets, giver, 0, kudos_given=1)
            else:
                channel = f"ch{snowflake % 7}"
                rows.append((community_id, receiver, "message", 1, None, None, channel, stamp, f"message:{snowflake}"))
                _add(totals, day_buckets + activity_buckets[day], receiver, 1, messages=1)
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO contribution (community_id, member_id, kind, points, actor_id, reason, channel, created_at,"
            " idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        connection.executemany(
            "INSERT INTO member_total (community_id, bucket, member_id, points, kudos_received, kudos_given, messages)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(community_id, bucket, member, *counts) for (bucket, member), counts in totals.items()],
        )
        connection.execute("COMMIT")
        written += len(rows)
        if not quiet and time.perf_counter() - last_report > 10:
            last_report = time.perf_counter()
            print(f"  {written:,} of {shape.rows:,} ledger rows")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.close()


def _add(
    totals: dict[tuple[str, int], list[int]],
    buckets: tuple[str, ...],
    member: int,
    points: int,
    kudos_received: int = 0,
    kudos_given: int = 0,
    messages: int = 0,
) -> None:
    for bucket in buckets:
        counts = totals.get((bucket, member))
        if counts is None:
            totals[(bucket, member)] = [points, kudos_received, kudos_given, messages]
        else:
            counts[0] += points
            counts[1] += kudos_received
            counts[2] += kudos_given
            counts[3] += messages


def add_shape_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--communities", type=int, default=1000, help="communities (default 1000)")
    parser.add_argument("--members", type=int, default=100_000, help="members in all (default 100000)")
    parser.add_argument("--largest-share", type=float, default=0.15, help="members in the largest community")


def shape_from(arguments: argparse.Namespace, rows: int) -> Shape:
    return Shape(rows, arguments.communities, arguments.members, arguments.largest_share)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="ledger rows (default 1000000)")
    add_shape_arguments(parser)
    arguments = parser.parse_args()
    print(ensure_database(shape_from(arguments, arguments.rows)))


if __name__ == "__main__":
    main()
