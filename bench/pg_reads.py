"""Board reads on PostgreSQL and SQLite for a 4,000- and a 20,000-member community (issue 15).

Builds the schema (migrations) in the given database, then 200 communities of members (one of 4,000,
one of 20,000) with all-time, week and month totals, and rewrites every total once (as activity
batches do), so that the table's pages are no longer all-visible. Times `ledger.top` (top 10) and
`ledger.standing` (rank) through Hearth's own sessions: first as the table is then, then once
autovacuum has had its turn (simulated with VACUUM, which migration 0004 makes autovacuum do after 1%
of the table changed), then while activity batches are recorded into both communities through
`ledger.record` on the same event loop (the ranks held in memory follow every batch). The first rank of
each community (its bucket read into memory) and its first top 10 (the process's first compiles and
prepares the statement) are timed apart, and so is the floor: `SELECT 1` on the driver alone. The database
is emptied first.

    .venv/bin/python -m bench.pg_reads --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/hearth_reads
    .venv/bin/python -m bench.pg_reads          # SQLite: a new file, the same rows (VACUUM and ANALYZE for "after")
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime

from sqlalchemy import text

from bench.stream import reset_postgres
from bot.app import tune_for_serving
from bot.core import event_loop
from storage import ledger
from storage.engine import Database

SIZES = {"4,000": 4000, "20,000": 20000}


async def build(url: str) -> dict[str, int]:
    if url.startswith("sqlite"):
        return await build_sqlite(url)
    await reset_postgres(url)
    database = Database.open(url)
    await database.migrate()
    ids: dict[str, int] = {}
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO community (platform, external_id, name, created_at)"
                " SELECT 'bench', 'c' || g, 'c' || g, now() FROM generate_series(1, 200) g"
            )
        )
        sizes = [*SIZES.values(), *([300] * 198)]
        for community, size in enumerate(sizes, start=1):
            await connection.execute(
                text(
                    "INSERT INTO member (community_id, external_id, display_name, is_bot, joined_at)"
                    " SELECT :c, 'm' || g, 'member ' || g, false, now() FROM generate_series(1, :n) g"
                ),
                {"c": community, "n": size},
            )
        await connection.execute(
            text(
                "INSERT INTO member_total (community_id, bucket, member_id, points, kudos_received, kudos_given,"
                " messages) SELECT m.community_id, b, m.id, 1 + (random() * 500)::int, 0, 0, 1 FROM member m,"
                " (VALUES ('all'), ('week:2026-03-02'), ('month:2026-03')) AS v(b)"
            )
        )
        await connection.execute(text("UPDATE member_total SET points = points + 1"))
    for name, community in zip(SIZES, (1, 2), strict=True):
        ids[name] = community
    await database.dispose()
    return ids


async def build_sqlite(url: str) -> dict[str, int]:
    """The same rows as on PostgreSQL, generated here (SQLite has no generate_series)."""
    database = Database.open(url)
    await database.migrate()
    rng = random.Random(1)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    sizes = [*SIZES.values(), *([300] * 198)]
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO community (id, platform, external_id, name, created_at) VALUES (:i, 'bench', :e, :e, :t)"
            ),
            [{"i": number, "e": f"c{number}", "t": now} for number in range(1, len(sizes) + 1)],
        )
        members = []
        for community, size in enumerate(sizes, start=1):
            members += [(community, f"m{n}") for n in range(1, size + 1)]
        await connection.execute(
            text(
                "INSERT INTO member (id, community_id, external_id, display_name, is_bot, joined_at)"
                " VALUES (:i, :c, :e, :e, 0, :t)"
            ),
            [{"i": i, "c": c, "e": e, "t": now} for i, (c, e) in enumerate(members, start=1)],
        )
        await connection.execute(
            text(
                "INSERT INTO member_total (community_id, bucket, member_id, points, kudos_received, kudos_given,"
                " messages) VALUES (:c, :b, :m, :p, 0, 0, 1)"
            ),
            [
                {"c": c, "b": bucket, "m": i, "p": 1 + rng.randint(0, 500)}
                for i, (c, _) in enumerate(members, start=1)
                for bucket in ("all", "week:2026-03-02", "month:2026-03")
            ],
        )
        await connection.execute(text("UPDATE member_total SET points = points + 1"))
    await database.dispose()
    return {name: community for name, community in zip(SIZES, (1, 2), strict=True)}


def _report(label: str, name: str, what: str, samples: list[float]) -> None:
    samples.sort()
    p50, p99 = samples[len(samples) // 2], samples[int(len(samples) * 0.99)]
    print(f"{label:<22} {name:>7} members  {what:<4}  p50 {p50 * 1000:6.2f} ms  p99 {p99 * 1000:6.2f} ms")


async def _members(database: Database, communities: dict[str, int]) -> dict[str, list[int]]:
    async with database.read() as session:
        return {
            name: list((await session.execute(text(f"SELECT id FROM member WHERE community_id = {cid}"))).scalars())
            for name, cid in communities.items()
        }


async def measure(url: str, communities: dict[str, int], calls: int, label: str) -> None:
    database = Database.open(url)
    members = await _members(database, communities)
    rng = random.Random(1)
    for name, community in communities.items():
        started = time.perf_counter()
        async with database.read() as session:
            await ledger.standing(session, community, "all", members[name][0])
        first = time.perf_counter() - started
        started = time.perf_counter()
        async with database.read() as session:  # the process's first top 10 compiles and prepares its statement
            await ledger.top(session, community, "all")
        first_top = time.perf_counter() - started
        for what in ("top", "rank"):
            samples = []
            for _ in range(calls):
                started = time.perf_counter()
                async with database.read() as session:
                    if what == "top":
                        await ledger.top(session, community, "all")
                    else:
                        await ledger.standing(session, community, "all", rng.choice(members[name]))
                samples.append(time.perf_counter() - started)
            _report(label, name, what, samples)
        print(f"{label:<22} {name:>7} members  first rank (bucket read)  {first * 1000:6.2f} ms")
        print(f"{label:<22} {name:>7} members  first top 10              {first_top * 1000:6.2f} ms")
    await database.dispose()


async def measure_floor(url: str, calls: int) -> None:
    """The machine's floor under those figures: `SELECT 1` on a pooled connection's driver (asyncpg or aiosqlite)
    with nothing of Hearth's or SQLAlchemy's around it; a read's p99 cannot be lower than this one's."""
    database = Database.open(url)
    async with database.engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        samples = []
        for _ in range(calls):
            started = time.perf_counter()
            if url.startswith("sqlite"):
                await driver.execute_fetchall("SELECT 1")
            else:
                await driver.fetchval("SELECT 1")
            samples.append(time.perf_counter() - started)
    await database.dispose()
    samples.sort()
    p50, p99 = samples[len(samples) // 2], samples[int(len(samples) * 0.99)]
    print(f"{'round trip floor':<22} SELECT 1 on the driver      p50 {p50 * 1000:6.2f} ms  p99 {p99 * 1000:6.2f} ms")


async def measure_while_writing(url: str, communities: dict[str, int], calls: int, batch: int = 200) -> None:
    """Ranks while a batch of `batch` message awards (random members of both communities) is recorded after
    every 10 ranks, on the same loop, as the write-behind buffer does between commands."""
    database = Database.open(url)
    members = await _members(database, communities)
    rng = random.Random(2)
    written = 0

    async def write_batch() -> None:
        nonlocal written
        now = datetime.now(UTC)
        awards = []
        for _ in range(batch):
            name = rng.choice(list(communities))
            member = rng.choice(members[name])
            awards.append(ledger.Award(communities[name], member, "message", 1, f"bench:{written}", now))
            written += 1
        async with database.write() as session:
            await ledger.record(session, awards)

    for name, community in communities.items():
        samples = []
        for call in range(calls):
            if call % 10 == 0:
                await write_batch()
            started = time.perf_counter()
            async with database.read() as session:
                await ledger.standing(session, community, "all", rng.choice(members[name]))
            samples.append(time.perf_counter() - started)
        _report("while batches written", name, "rank", samples)
    print(f"({written:,} awards in batches of {batch}, one batch per 10 ranks)")
    await database.dispose()


async def main_async(url: str, calls: int) -> None:
    communities = await build(url)
    # Measured as `hearth run` serves (and bench.stream measures): start-up's heap frozen, young collections every
    # 10,000 allocations, so that collecting what the build left does not land in the first community's samples.
    tune_for_serving()
    await measure(url, communities, calls, "pages not all-visible")
    database = Database.open(url)
    async with database.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        if url.startswith("sqlite"):  # on the driver connection: VACUUM cannot run inside a transaction
            raw = await connection.get_raw_connection()
            await raw.driver_connection.execute("VACUUM")  # type: ignore[union-attr]
            await raw.driver_connection.execute("ANALYZE")  # type: ignore[union-attr]
        else:
            # Both tables, as autovacuum would after the bulk load: with `member` never analysed the planner
            # guessed a few dozen listed members and joined from a scan of them (top 10: 15-20 ms, not 0.3).
            await connection.execute(text("VACUUM ANALYZE member_total"))
            await connection.execute(text("VACUUM ANALYZE member"))
    await database.dispose()
    await measure(url, communities, calls, "after (auto)vacuum")
    await measure_floor(url, calls)
    await measure_while_writing(url, communities, calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (emptied first); default a new SQLite file")
    parser.add_argument("--calls", type=int, default=500)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hearth-reads-") as folder:
        url = arguments.database_url or f"sqlite+aiosqlite:///{folder}/reads.db"
        print("SQLite" if url.startswith("sqlite") else "PostgreSQL")
        event_loop.run(main_async(url, arguments.calls))  # `hearth run`'s loop


if __name__ == "__main__":
    main()
