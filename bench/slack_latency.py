"""Latency the Slack adapter adds to `/kudos`, on loopback.

For each of N commands: the time from sending a signed slash-command request into Bolt's aiohttp app
to the mock Slack Web API receiving the `chat.postMessage` that announces the kudos; and, inside it,
the time Hearth's core spent in `run_command` (permission, parsing, the ledger transaction). The
adapter's share is the difference. Users' profiles are warmed first (as in a running workspace).

    .venv/bin/python -m bench.slack_latency [--commands 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.app import build_hearth
from bot.core.clock import SystemClock
from bot.core.scheduling import RealScheduler
from config.settings import load_settings
from tests.platforms.slack_fakes import command_payload, mock_slack_api, running_slack

GIVERS = 250  # 4 kudos each per 1,000 commands: under the default daily allowance of 5
RECEIVERS = 10


def _summary(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"{name:<28} median {statistics.median(ordered) * 1000:7.2f} ms   p99 {p99 * 1000:7.2f} ms"


async def measure(commands: int, folder: Path) -> None:
    settings = load_settings(database_url=f"sqlite+aiosqlite:///{folder / 'bench.db'}", hearth_log_level="WARNING")
    hearth = build_hearth(settings, SystemClock(), RealScheduler(SystemClock()))
    await hearth.start()
    core: list[float] = []
    run_command = hearth.run_command

    async def timed_run_command(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await run_command(*args, **kwargs)
        finally:
            core.append(time.perf_counter() - started)

    hearth.run_command = timed_run_command  # type: ignore[method-assign]
    try:
        async with mock_slack_api() as api, running_slack(hearth, api) as slack:
            for number in range(GIVERS):
                await slack.command("/help", "", f"U{number:08d}")
            core.clear()
            totals: list[float] = []
            for number in range(commands):
                giver, receiver = f"U{number % GIVERS:08d}", f"UR{number % RECEIVERS:07d}"
                payload = command_payload(
                    "/kudos", f"<@{receiver}|r{receiver}> thanks for #{number}", giver, response_url=api.response_url()
                )
                posted_before = len(api.called("chat.postMessage"))
                started = time.perf_counter()
                response = await slack.requests.command(payload)
                assert response.status == 200
                call = await api.wait_for("chat.postMessage", count=posted_before + 1)
                totals.append(call.at - started)
    finally:
        await hearth.close()
        await hearth.db.dispose()
    adapter = [total - spent for total, spent in zip(totals, core, strict=True)]
    print(f"/kudos over Slack HTTP mode, {commands} commands, loopback, SQLite in {folder}")
    print(_summary("request -> chat.postMessage", totals))
    print(_summary("  core (run_command)", core))
    print(_summary("  adapter (the difference)", adapter))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=1000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(measure(arguments.commands, Path(folder)))


if __name__ == "__main__":
    main()
