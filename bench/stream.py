"""A real chat stream: many communities, members seen for the first time, and a restart.

A seeded stream of message events: community sizes follow Zipf (s=1), member activity is Pareto
weighted (a few members post most), and a configurable share of events (default 36%) is a member's
first message ever. Every event is past the activity cooldown (the virtual clock moves on before a
member speaks again), so every event earns a point. The stream goes through the runtime's public entry
point (`hearth.dispatch(MessagePosted)`) with every cog loaded, one event at a time, yielding to the
loop after each as a socket would; the clock starts cold (no warm-up turn): every first sight is timed.

Two phases, each in a process of its own: `fresh` on an empty database, then `restart` on the same
database in a new process, where the members from before speak again (they must not be new again)
beside a new crop of first-timers. Each phase checks that every event was counted (ledger rows, and
running totals equal to the ledger) and is compared with raw sqlite3 writing the same rows (member
rows for first-timers, ledger rows, 10 totals upserts per event: 5 periods, overall and activity) with
`executemany` in one transaction, with Hearth's PRAGMAs, and with a naive bot: the first `--naive` events of
the phase (default 2,000) each in a transaction of its own through aiosqlite on SQLite's defaults (read the
member's row, insert it or add the point, commit), as the per-message leveling bots Hearth was raced against do.

    python -m bench.stream                                   # SQLite, 200 communities, 40,000 events a phase
    python -m bench.stream --repeat 1                        # one run a phase (default: best of 3)
    python -m bench.stream --communities 50 --events 10000   # the smaller stream
    python -m bench.stream --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/hearth_ingest
    python -m bench.stream --commands-every 20               # and a /kudos every 20 ms meanwhile: its latency

`--commands-every MS`: while the stream goes through, a member of the largest community gives `/kudos` to another
(`hearth.run_command`, each call its own invocation, a giver at most four times, no pair twice) every MS
milliseconds of wall time, as people use commands in a busy server; each call's milliseconds to its reply are
reported (p50, p99, max), and every call must have recorded kudos.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import text

from bench.dataset import NOW, sql_time
from bench.ingest import insert_raw, message_texts
from bench.leaderboard import percentile
from bot.app import Hearth, build_hearth, tune_for_serving
from bot.core import event_loop
from bot.core.clock import VirtualClock
from bot.core.events import MessagePosted
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, Permission
from bot.core.scheduling import VirtualScheduler
from config.settings import load_settings
from storage.engine import SQLITE_PRAGMAS, Database
from storage.ledger import buckets_for, category_bucket

PLATFORM = "stream"
_COOLDOWN = timedelta(seconds=61)  # past the default 60 s activity cooldown
_STEP = timedelta(milliseconds=50)  # the clock's move between two events when nobody needs to wait
_PHASES = ("fresh", "restart")
_KUDOS_PER_GIVER = 4  # under the default daily allowance of 5


@dataclass(frozen=True)
class Event:
    community: int
    member: int  # global member number; its community is fixed
    moment: datetime
    first: bool


def stream(phase: int, communities: int, events: int, first_share: float, seed: int) -> list[Event]:
    """Phase `phase`'s events. Members of earlier phases (regenerated from the same seed) speak again."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) for rank in range(communities)]  # Zipf community sizes
    members: list[tuple[int, float]] = []  # (community, activity weight)
    moment = NOW + timedelta(minutes=5)
    generated: list[Event] = []
    for current in range(phase + 1):
        newcomers = round(events * first_share)
        start = len(members)
        members += [(rng.choices(range(communities), weights)[0], rng.paretovariate(1.16)) for _ in range(newcomers)]
        order = list(range(start, len(members)))
        speaking = [member for member, _ in enumerate(members)]
        activity = [weight for _, weight in members]
        order += rng.choices(speaking, activity, k=events - newcomers)
        rng.shuffle(order)
        seen: set[int] = set(range(start))
        last: dict[int, datetime] = {}
        generated = []
        for member in order:
            first = member not in seen
            # A member introduced later in the shuffle speaks first at their first sight.
            seen.add(member)
            moment = max(moment + _STEP, last.get(member, moment) + _COOLDOWN)
            last[member] = moment
            generated.append(Event(members[member][0], member, moment, first))
        moment += _COOLDOWN
        if current < phase:
            generated = []
    return generated


def refs(event: Event) -> tuple[CommunityRef, MemberRef, ChannelRef]:
    community = CommunityRef(PLATFORM, f"c{event.community}", f"community {event.community}")
    return (
        community,
        MemberRef(community, f"m{event.member}", f"member {event.member}"),
        ChannelRef(community, "general", "general"),
    )


async def run_hearth(url: str, events: list[Event], phase: int, commands_every: float = 0) -> dict[str, Any]:
    clock = VirtualClock(events[0].moment)
    database = Database.open(url)
    settings = load_settings(database_url=url)
    hearth = build_hearth(settings, clock, VirtualScheduler(clock), db=database)
    messages = []
    rng = random.Random(phase)
    texts = message_texts(rng, len(events))
    for number, event in enumerate(events):
        _, author, channel = refs(event)
        key = f"{phase}-{number}"
        # Each its own text: the recognition cog gives a repeat of a member's recent message nothing.
        messages.append(MessagePosted(event_id=key, author=author, channel=channel, message_id=key, text=texts[number]))
    await hearth.start()
    tune_for_serving()  # as `hearth run` does once started
    speakers: list[MemberRef] = []  # of the largest community, as they speak (givers and receivers of /kudos)
    command_ms: list[float] = []
    try:
        before = await counts(database)
        commands = asyncio.create_task(give_kudos(hearth, speakers, commands_every, command_ms, phase))
        started_wall, started_cpu, started_main = time.perf_counter(), time.process_time(), time.thread_time()
        for event, message in zip(events, messages, strict=True):
            clock.set(event.moment)
            await hearth.dispatch(message)
            if event.community == 0 and event.first:
                speakers.append(message.author)
            await asyncio.sleep(0)  # events arrive from a socket: the flush task gets its turns
        commands.cancel()
        try:  # a /kudos refused is raised here (gather(return_exceptions=True) kept it quiet)
            await commands
        except asyncio.CancelledError:
            pass
        await hearth.services.activity.flush()
        wall, cpu = time.perf_counter() - started_wall, time.process_time() - started_cpu
        main_cpu = time.thread_time() - started_main
        after = await counts(database)
    finally:
        await hearth.close()
        await database.dispose()
    counted = after["ledger"] - before["ledger"]
    new_members = after["members"] - before["members"]
    firsts = sum(event.first for event in events)
    if counted != len(events) or new_members != firsts or after["total_points"] != after["ledger_points"]:
        raise AssertionError(f"not every event was counted: {before} -> {after}, {len(events)} events, {firsts} new")
    return {
        "wall": wall,
        "cpu": cpu,
        "main_cpu": main_cpu,
        "events": len(events),
        "new": firsts,
        "command_ms": command_ms,
    }


async def give_kudos(
    hearth: Hearth, speakers: list[MemberRef], every_ms: float, samples: list[float], phase: int
) -> None:
    """Until cancelled, every `every_ms` ms a `/kudos` between two of `speakers`, each call its own task (people do
    not wait for each other); each call's ms to its reply go into `samples`. Raises if a call was refused."""
    if not every_ms:
        return
    rng = random.Random(phase)
    given: dict[str, int] = {}
    pairs: set[tuple[str, str]] = set()
    calls: set[asyncio.Task[None]] = set()

    async def call(number: int, giver: MemberRef, receiver: MemberRef) -> None:
        started = time.perf_counter()
        context = await hearth.context(giver, None, Permission.MEMBER, f"stream-kudos-{phase}-{number}")
        reply = await hearth.run_command(context, "kudos", {"member": receiver, "reason": "thanks for the help"})
        samples.append((time.perf_counter() - started) * 1000)
        if reply.ephemeral:
            raise AssertionError(f"/kudos {number} was refused: {reply.text}")

    number = 0
    try:
        while True:
            await asyncio.sleep(every_ms / 1000)
            givers = [member for member in speakers if given.get(member.external_id, 0) < _KUDOS_PER_GIVER]
            if len(givers) < 2:
                continue
            giver, receiver = rng.sample(givers, 2)
            if (giver.external_id, receiver.external_id) in pairs:
                continue
            pairs.add((giver.external_id, receiver.external_id))
            given[giver.external_id] = given.get(giver.external_id, 0) + 1
            calls.add(asyncio.create_task(call(number, giver, receiver)))
            number += 1
    finally:  # cancelled at the stream's end: the calls under way finish (and must have recorded kudos)
        for finished in asyncio.as_completed(calls):
            await finished


async def counts(database: Database) -> dict[str, int]:
    async with database.read() as session:
        ledger, points = (
            await session.execute(
                text("SELECT count(*) FILTER (WHERE kind = 'message'), coalesce(sum(points), 0) FROM contribution")
            )
        ).one()
        members = (await session.execute(text("SELECT count(*) FROM member"))).scalar_one()
        total_points = (
            await session.execute(text("SELECT coalesce(sum(points), 0) FROM member_total WHERE bucket = 'all'"))
        ).scalar_one()
    return {"ledger": ledger, "ledger_points": points, "members": members, "total_points": total_points}


def run_raw(path: Path, events: list[Event], phase: int) -> float:
    """Seconds for raw sqlite3 to write the same rows: member rows, ledger rows, totals."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        connection.execute(f"PRAGMA {pragma}")
    started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    community_ids: dict[int, int] = {}
    for community in sorted({event.community for event in events}):
        connection.execute(
            "INSERT INTO community (platform, external_id, name, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (PLATFORM, f"c{community}", f"community {community}", sql_time(events[0].moment)),
        )
        community_ids[community] = connection.execute(
            "SELECT id FROM community WHERE platform = ? AND external_id = ?", (PLATFORM, f"c{community}")
        ).fetchone()[0]
    next_id = (connection.execute("SELECT coalesce(max(id), 0) FROM member").fetchone()[0] or 0) + 1
    member_ids = dict(connection.execute("SELECT external_id, id FROM member"))
    new_rows = []
    for event in events:
        external_id = f"m{event.member}"
        if event.first and external_id not in member_ids:
            member_ids[external_id] = next_id
            new_rows.append(
                (
                    next_id,
                    community_ids[event.community],
                    external_id,
                    f"member {event.member}",
                    False,
                    sql_time(event.moment),
                )
            )
            next_id += 1
    connection.executemany(
        "INSERT INTO member (id, community_id, external_id, display_name, is_bot, joined_at) VALUES (?, ?, ?, ?, ?, ?)",
        new_rows,
    )
    rows = []
    totals = []
    for number, event in enumerate(events):
        community_id = community_ids[event.community]
        member_id = member_ids[f"m{event.member}"]
        rows.append(
            (
                community_id,
                member_id,
                "message",
                1,
                None,
                None,
                "general",
                sql_time(event.moment),
                f"message:general:{phase}-{number}",
            )
        )
        periods = buckets_for(event.moment, "UTC")
        # Each period overall and in the activity category, as `ledger.record` keeps them (and bench.ingest's raw).
        for bucket in (*periods, *(category_bucket(period, "activity") for period in periods)):
            totals.append((community_id, bucket, member_id, 1, 0, 0, 1))
    insert_raw(connection, rows, totals)
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


async def run_naive(path: Path, events: list[Event]) -> float:
    """Seconds for a naive bot to award `events`: per event, one transaction on SQLite's defaults (rollback
    journal, full sync) through aiosqlite: read the member's row, insert it or add the point past the cooldown."""
    async with aiosqlite.connect(path) as connection:
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS levels (guild TEXT NOT NULL, user TEXT NOT NULL, xp INTEGER NOT NULL,"
            " messages INTEGER NOT NULL, last_award REAL NOT NULL, PRIMARY KEY (guild, user))"
        )
        await connection.commit()
        started = time.perf_counter()
        for event in events:
            guild, user, moment = f"c{event.community}", f"m{event.member}", event.moment.timestamp()
            cursor = await connection.execute(
                "SELECT last_award FROM levels WHERE guild = ? AND user = ?", (guild, user)
            )
            row = await cursor.fetchone()
            if row is None:
                await connection.execute("INSERT INTO levels VALUES (?, ?, 1, 1, ?)", (guild, user, moment))
            elif moment - row[0] >= _COOLDOWN.total_seconds():
                await connection.execute(
                    "UPDATE levels SET xp = xp + 1, messages = messages + 1, last_award = ?"
                    " WHERE guild = ? AND user = ?",
                    (moment, guild, user),
                )
            await connection.commit()
        return time.perf_counter() - started


def child(arguments: argparse.Namespace) -> None:
    """One phase in this process: Hearth's run, printed as JSON for the parent."""
    phase = _PHASES.index(arguments.phase)
    events = stream(phase, arguments.communities, arguments.events, arguments.first_share, arguments.seed)
    if arguments.raw:
        asyncio.run(Database.open(arguments.database_url).migrate())
        result: dict[str, Any] = {"wall": run_raw(Path(arguments.raw), events, phase)}
    else:
        result = event_loop.run(  # `hearth run`'s loop
            run_hearth(arguments.database_url, events, phase, arguments.commands_every)
        )
    print(json.dumps(result))


def phase_in_process(arguments: argparse.Namespace, phase: str, url: str, raw: str = "") -> dict[str, Any]:
    command = [
        sys.executable, "-m", "bench.stream", "--phase", phase, "--database-url", url,
        "--communities", str(arguments.communities), "--events", str(arguments.events),
        "--first-share", str(arguments.first_share), "--seed", str(arguments.seed),
        "--commands-every", str(arguments.commands_every),
    ]  # fmt: skip
    if raw:
        command += ["--raw", raw]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


async def reset_postgres(url: str) -> None:
    database = Database.open(url)
    async with database.engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communities", type=int, default=200, help="communities (Zipf sizes; default 200)")
    parser.add_argument("--events", type=int, default=40_000, help="message events per phase (default 40000)")
    parser.add_argument("--first-share", type=float, default=0.36, help="share of events that are a first sight")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each phase, each side's best counts (SQLite)")
    parser.add_argument("--naive", type=int, default=2000, help="events a phase for the naive bot (0: none)")
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (emptied first); default a SQLite file")
    parser.add_argument("--commands-every", type=float, default=0, help="a /kudos every this many ms (0: none)")
    parser.add_argument("--phase", choices=_PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--raw", default="", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.phase:
        child(arguments)
        return
    with tempfile.TemporaryDirectory(prefix="hearth-stream-") as folder:
        url = arguments.database_url or f"sqlite+aiosqlite:///{folder}/hearth.db"
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        if backend == "PostgreSQL":
            asyncio.run(reset_postgres(url))
            arguments.repeat = 1  # a phase's run cannot be undone there
        raw = f"{folder}/raw.db"
        print(
            f"stream: {arguments.communities} communities (Zipf), {arguments.events:,} events a phase,"
            f" {arguments.first_share:.0%} first sights, every cog, Hearth on {backend}, raw = sqlite3,"
            f" best of {arguments.repeat}"
        )
        columns: tuple[str, ...] = (
            "phase",
            "new members",
            "Hearth events/s",
            "raw events/s",
            "Hearth/raw",
            "Hearth CPU us/ev",
        )
        if arguments.naive:
            columns += ("naive events/s", "Hearth/naive")
        print(" | ".join(columns))
        print("-+-".join("-" * len(column) for column in columns))
        files = [raw] if backend == "PostgreSQL" else [raw, f"{folder}/hearth.db"]
        for phase in _PHASES:
            # Each run of a phase starts from what the previous phase left (kept aside); the best run counts.
            for path in files:
                keep(path, f"{path}.start")
            ours_runs, raw_runs = [], []
            for _ in range(arguments.repeat):
                for path in files:
                    keep(f"{path}.start", path)
                ours_runs.append(phase_in_process(arguments, phase, url))
                raw_runs.append(phase_in_process(arguments, phase, f"sqlite+aiosqlite:///{raw}", raw))
            ours = min(ours_runs, key=lambda run: run["wall"])
            theirs = min(raw_runs, key=lambda run: run["wall"])
            figures: tuple[str, ...] = (
                phase,
                f"{int(ours['new']):,}",
                f"{ours['events'] / ours['wall']:,.0f}",
                f"{ours['events'] / theirs['wall']:,.0f}",
                f"{theirs['wall'] / ours['wall']:.0%}",
                f"{ours['cpu'] / ours['events'] * 1e6:.1f}",
            )
            if arguments.naive:
                shape = (arguments.communities, arguments.events, arguments.first_share, arguments.seed)
                naive = stream(_PHASES.index(phase), *shape)[: arguments.naive]
                naive_rate = len(naive) / asyncio.run(run_naive(Path(f"{folder}/naive.db"), naive))
                figures += (f"{naive_rate:,.0f}", f"{ours['events'] / ours['wall'] / naive_rate:.0f}x")
            print(" | ".join(figure.rjust(len(column)) for figure, column in zip(figures, columns, strict=True)))
            if arguments.commands_every:
                samples = ours["command_ms"]
                if not samples:  # a stream too short or too spread for two speakers of the largest community
                    print(f"  {phase}: /kudos meanwhile, no calls")
                    continue
                print(
                    f"  {phase}: /kudos meanwhile, {len(samples)} calls: p50 {statistics.median(samples):.0f} ms,"
                    f" p99 {percentile(samples, 0.99):.0f} ms, max {max(samples):.0f} ms"
                )


def keep(source: str, target: str) -> None:
    """Copy a SQLite database with its write-ahead log (what is there: none before the first phase)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


if __name__ == "__main__":
    main()
