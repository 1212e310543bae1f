"""Slack HTTP mode from the outside: a real `hearth run` process, signed requests over loopback.

- drain: messages from N members never seen before, sent as fast as Bolt answers (100 in flight);
  an event is answered once handled, so the drain rate is N over the time until all were answered.
- kill -9 mid-burst (unpaced: all at once; paced: a steady rate), then a restart: how many
  acknowledged messages are missing, against the documented bound (`BOUND_BATCHES` activity batches, 4).
- SIGTERM mid-burst: acknowledged messages missing (must be 0), exit code, time to exit.
- start-up: from starting `hearth run` to its "HTTP on port" line, on the database the drain left
  (existing, migrated), wall and the process's CPU, best and worst of three.

    .venv/bin/python -m bench.slack_burst [--events 2000] [--starts 3] [--database-url postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import tempfile
import time
from pathlib import Path

import aiohttp
from sqlalchemy import text

from bench.stream import reset_postgres
from bot.core.ingest import BOUND_BATCHES
from storage.engine import Database
from tests.core.test_lifecycle import Served, hearth_run
from tests.platforms.slack_fakes import SlackRequests, event_payload, message_event, mock_slack_api

IN_FLIGHT = 100
BATCH = 2000  # the default HEARTH_ACTIVITY_BATCH_SIZE


async def keys(url: str) -> set[str]:
    database = Database.open(url)
    try:
        async with database.read() as session:
            return set((await session.execute(text("SELECT idempotency_key FROM contribution"))).scalars())
    finally:
        await database.dispose()


async def send(
    served: Served, first: int, count: int, rate: float | None, stop_after: int | None, stop: signal.Signals
) -> tuple[dict[str, float], float]:
    """Acknowledged ledger keys with the time of their 200; and the time `stop` was sent (0 if not)."""
    acknowledged: dict[str, float] = {}
    stopped = 0.0
    gate = asyncio.Semaphore(IN_FLIGHT)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=IN_FLIGHT)) as session:
        requests = SlackRequests(served.url, session)
        started = time.perf_counter()

        async def one(number: int) -> None:
            nonlocal stopped
            if rate:
                await asyncio.sleep(max(0.0, started + number / rate - time.perf_counter()))
            ts = f"{first + number}.000100"
            event = message_event(f"U{first + number:07d}", "hello there, everyone", ts)
            async with gate:
                try:
                    response = await requests.event(event_payload(event, f"Ev{first + number}"))
                except aiohttp.ClientError:
                    return
            if response.status == 200:
                acknowledged[f"message:C0GENERAL:{ts}"] = time.perf_counter()
                if stop_after is not None and len(acknowledged) == stop_after:
                    stopped = time.perf_counter()
                    served.process.send_signal(stop)

        await asyncio.gather(*(one(number) for number in range(count)))
    return acknowledged, stopped


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux): steadier than wall time on a shared machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def drain(url: str, events: int) -> str:
    async with mock_slack_api() as api, hearth_run(api, url, BATCH) as served:
        started = time.perf_counter()
        cpu = cpu_seconds(served.process.pid)
        acknowledged, _ = await send(served, 1, events, None, None, signal.SIGTERM)
        answered = time.perf_counter() - started
        cpu = cpu_seconds(served.process.pid) - cpu
        served.process.send_signal(signal.SIGTERM)  # the last batch is written on the way out
        await served.process.wait()
        recorded = time.perf_counter() - started
    missing = len(set(acknowledged) - await keys(url))
    return (
        f"drain: {events:,} messages from new members: all answered (= handled) in {answered:.2f} s ="
        f" {events / answered:,.0f}/s, Hearth's process {cpu / events * 1e6:,.0f} CPU us each;"
        f" process stopped with all in the ledger at {recorded:.2f} s ({missing} missing)"
    )


async def killed(url: str, events: int, first: int, rate: float | None) -> str:
    async with mock_slack_api() as api:
        async with hearth_run(api, url, BATCH) as served:
            acknowledged, stopped = await send(served, first, events, rate, events // 2, signal.SIGKILL)
        async with hearth_run(api, url, BATCH) as restarted:  # starts, migrates, serves: then stop it
            restarted.process.send_signal(signal.SIGTERM)
            await restarted.process.wait()
    missing = [key for key in acknowledged if key not in await keys(url)]
    oldest = max((stopped - acknowledged[key] for key in missing), default=0.0)
    how = f"paced {rate:,.0f}/s" if rate else "unpaced"
    return (
        f"kill -9 ({how}): {len(acknowledged):,} acknowledged, {len(missing):,} missing after restart"
        f" (bound {BOUND_BATCHES * BATCH:,}); oldest missing answered {oldest:.2f} s before the kill"
    )


async def terminated(url: str, events: int, first: int) -> str:
    async with mock_slack_api() as api, hearth_run(api, url, BATCH) as served:
        acknowledged, stopped = await send(served, first, events, None, events // 2, signal.SIGTERM)
        code = await served.process.wait()
        exited = time.perf_counter() - stopped
    missing = [key for key in acknowledged if key not in await keys(url)]
    tracebacks = "".join(served.log).count("Traceback")
    return (
        f"SIGTERM: {len(acknowledged):,} acknowledged, {len(missing)} missing; exit {code} after {exited:.2f} s;"
        f" {tracebacks} tracebacks"
    )


async def startup(url: str, starts: int = 3) -> str:
    """`hearth run` to ready (serving HTTP) on an existing database, `starts` times."""
    walls: list[float] = []
    cpus: list[float] = []
    async with mock_slack_api() as api:
        for _ in range(starts):
            started = time.perf_counter()
            async with hearth_run(api, url, BATCH) as served:
                walls.append(time.perf_counter() - started)
                cpus.append(cpu_seconds(served.process.pid))
                served.process.send_signal(signal.SIGTERM)
                await served.process.wait()
    return (
        f"start-up on an existing database: ready in {min(walls):.2f}-{max(walls):.2f} s wall,"
        f" {min(cpus):.2f}-{max(cpus):.2f} s CPU ({starts} starts; median {sorted(walls)[len(walls) // 2]:.2f} s wall)"
    )


async def main_async(arguments: argparse.Namespace, folder: str) -> None:
    url = arguments.database_url or f"sqlite+aiosqlite:///{folder}/hearth.db"
    if url.startswith("postgresql"):
        await reset_postgres(url)
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"Slack HTTP mode, `hearth run` process, {backend}, {IN_FLIGHT} requests in flight")
    events = arguments.events
    print(await drain(url, events))
    print(await startup(url, arguments.starts))
    if arguments.drain_only:
        return
    print(await killed(url, events, 10 * events, None))
    print(await killed(url, events, 20 * events, arguments.rate))
    print(await terminated(url, events, 30 * events))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=500.0, help="paced kill -9 run: messages per second")
    parser.add_argument("--starts", type=int, default=3, help="start-up: how many starts (best and worst shown)")
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (emptied first); default a SQLite file")
    parser.add_argument(
        "--drain-only", action="store_true", help="only the drain and start-up runs (no kill -9, no SIGTERM)"
    )
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hearth-burst-") as folder:
        asyncio.run(main_async(arguments, folder))


if __name__ == "__main__":
    main()
