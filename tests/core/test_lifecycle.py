"""A real `hearth run` process on Slack (HTTP mode, mock Web API): what it acknowledged, it keeps.

SIGTERM during a burst: every acknowledged message is in the ledger, exit 0, no traceback. `kill -9`
during a burst: what is missing after a restart is within the activity buffer's bound (`BOUND_BATCHES` batches),
and running totals equal the ledger.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bot.core.ingest import BOUND_BATCHES
from tests.platforms.slack_fakes import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    MockSlackApi,
    SlackRequests,
    command_payload,
    event_payload,
    message_event,
    mock_slack_api,
)

ROOT = Path(__file__).resolve().parents[2]
BATCH = 20  # HEARTH_ACTIVITY_BATCH_SIZE: the buffer holds at most BOUND_BATCHES batches unwritten
BURST = 400
_AS_FROM_A_TERMINAL = (
    "import runpy, signal; signal.signal(signal.SIGHUP, signal.SIG_DFL);"
    " runpy.run_module('bot.cli', run_name='__main__', alter_sys=True)"
)
STARTUP_SECONDS = 60.0


@dataclass
class Served:
    process: asyncio.subprocess.Process
    url: str
    log: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None


@asynccontextmanager
async def hearth_run(
    api: MockSlackApi, database: Path | str, batch: int = BATCH, socket_mode: bool = False, nohup: bool = False
) -> AsyncIterator[Served]:
    """`hearth run` on Slack HTTP mode against `api`, on a SQLite file or a database URL; with `socket_mode`, in
    Socket Mode on `api`'s websocket (`Served.url` is then empty); with `nohup`, started by `nohup`."""
    url = database if isinstance(database, str) else f"sqlite+aiosqlite:///{database}"
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api.api_url,
        "SLACK_APP_TOKEN": APP_TOKEN if socket_mode else "",
        "HEARTH_HTTP_PORT": "0",
        "DATABASE_URL": url,
        "HEARTH_ACTIVITY_BATCH_SIZE": str(batch),
        "HEARTH_LOG_LEVEL": "INFO",
    }
    # `python -m bot.cli run`, as from a terminal: SIGHUP at its default whatever the test run's own (a suite started
    # under `nohup` passed its ignored SIGHUP on, and Hearth kept ignoring it, as `nohup hearth run` must).
    entry = ["nohup", sys.executable, "-m", "bot.cli"] if nohup else [sys.executable, "-c", _AS_FROM_A_TERMINAL]
    process = await asyncio.create_subprocess_exec(
        *entry, "run", "--platform", "slack",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    served = Served(process, "")

    async def port() -> str:
        assert process.stderr is not None
        while line := (await process.stderr.readline()).decode():
            served.log.append(line)
            if found := re.search(r"HTTP on port (\d+), path (\S+)", line):
                return f"http://127.0.0.1:{found[1]}{found[2]}"
            if "(Socket Mode)" in line:
                return ""
        raise AssertionError("hearth run stopped before serving:\n" + "".join(served.log))

    served.url = await asyncio.wait_for(port(), STARTUP_SECONDS)

    async def keep_reading() -> None:
        assert process.stderr is not None
        while line := (await process.stderr.readline()).decode():
            served.log.append(line)

    served.reader = asyncio.create_task(keep_reading())
    try:
        yield served
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
        await served.reader


async def burst(served: Served, first: int, stop_after: int, stop: signal.Signals) -> set[str]:
    """Messages from BURST new members at once; `stop` is sent after `stop_after` were acknowledged.
    Returns the ledger keys of the acknowledged messages."""
    acknowledged: set[str] = set()
    async with aiohttp.ClientSession() as session:
        requests = SlackRequests(served.url, session)

        async def one(number: int) -> None:
            ts = f"{first + number}.000100"
            event = message_event(f"U{first + number:07d}", "hello there, everyone", ts)
            try:
                response = await requests.event(event_payload(event, f"Ev{first + number}"))
            except aiohttp.ClientError:
                return  # refused or cut off: never acknowledged, Slack would redeliver it
            if response.status == 200:
                acknowledged.add(f"message:C0GENERAL:{ts}")
                if len(acknowledged) == stop_after:
                    served.process.send_signal(stop)

        await asyncio.gather(*(one(number) for number in range(BURST)))
    return acknowledged


def ledger(database: Path) -> tuple[set[str], int, int]:
    """(activity keys, ledger points, all-time total points)."""
    with sqlite3.connect(database) as connection:
        keys = {key for (key,) in connection.execute("SELECT idempotency_key FROM contribution")}
        points = connection.execute("SELECT coalesce(sum(points), 0) FROM contribution").fetchone()[0]
        totals = connection.execute(
            "SELECT coalesce(sum(points), 0) FROM member_total WHERE bucket = 'all'"
        ).fetchone()[0]
    connection.close()
    return keys, points, totals


async def test_sigterm_mid_burst_keeps_every_acknowledged_message_and_exits_cleanly(tmp_path: Path) -> None:
    database = tmp_path / "hearth.db"
    async with mock_slack_api() as api, hearth_run(api, database) as served:
        acknowledged = await burst(served, 1, BURST // 4, signal.SIGTERM)
        code = await asyncio.wait_for(served.process.wait(), STARTUP_SECONDS)
    keys, points, totals = ledger(database)

    assert code == 0
    assert "Traceback" not in "".join(served.log)
    assert len(acknowledged) >= BURST // 4
    assert acknowledged <= keys
    assert points == totals


async def test_a_closed_terminal_sighup_stops_as_sigterm_does(tmp_path: Path) -> None:
    """`make run` in a terminal (an SSH session) that is closed: SIGHUP killed Hearth on the spot, the activity
    waiting in memory and the handlers running lost without a word (a tester's finding)."""
    database = tmp_path / "hearth.db"
    async with mock_slack_api() as api, hearth_run(api, database) as served:
        acknowledged = await burst(served, 1, BURST // 4, signal.SIGHUP)
        code = await asyncio.wait_for(served.process.wait(), STARTUP_SECONDS)
    keys, points, totals = ledger(database)

    assert code == 0
    assert any("SIGHUP: stopping" in line for line in served.log)
    assert acknowledged <= keys
    assert points == totals


async def test_nohup_hearth_run_outlives_its_terminal(tmp_path: Path) -> None:
    """`nohup hearth run &` ignores SIGHUP so as to go on once the terminal is closed: it still does."""
    async with mock_slack_api() as api, hearth_run(api, tmp_path / "hearth.db", nohup=True) as served:
        served.process.send_signal(signal.SIGHUP)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(served.process.wait(), 2.0)
        assert served.process.returncode is None
        served.process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(served.process.wait(), STARTUP_SECONDS) == 0


async def test_kill_9_mid_burst_loses_at_most_the_buffer_bound_and_totals_match_the_ledger(tmp_path: Path) -> None:
    database = tmp_path / "hearth.db"
    async with mock_slack_api() as api:
        async with hearth_run(api, database) as served:
            acknowledged = await burst(served, 1, BURST // 2, signal.SIGKILL)
        async with hearth_run(api, database) as restarted:
            after = await burst(restarted, BURST + 1, BURST + 1, signal.SIGTERM)  # the next burst is kept whole
            restarted.process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(restarted.process.wait(), STARTUP_SECONDS) == 0
    keys, points, totals = ledger(database)

    assert len(acknowledged) >= BURST // 2
    assert len(acknowledged - keys) <= BOUND_BATCHES * BATCH
    assert after <= keys
    assert points == totals


async def test_kill_9_right_after_commands_were_answered_keeps_every_one(tmp_path: Path) -> None:
    """Slack never sends a command again, so one answered 200 must be kept. Every command was answered at once and
    run after, and a `kill -9` 30-200 ms after the answers lost them (none of 30 `/kudos` kept 0.2 s after)."""
    database = tmp_path / "hearth.db"
    answered: list[str] = []
    async with mock_slack_api() as api, hearth_run(api, database) as served:
        async with aiohttp.ClientSession() as session:
            requests = SlackRequests(served.url, session)

            async def thank(number: int) -> None:
                payload = command_payload("/kudos", f"<@U0BOB{number}|bob{number}> thanks", f"U0ALI{number}")
                if (await requests.command(payload)).status == 200:
                    answered.append(f"U0BOB{number}")

            await asyncio.gather(*(thank(number) for number in range(5)))
            served.process.send_signal(signal.SIGKILL)  # the moment the last answer is in
            await served.process.wait()
    with sqlite3.connect(database) as connection:
        thanked = [
            name
            for (name,) in connection.execute(
                "SELECT m.external_id FROM contribution c JOIN member m ON m.id = c.member_id"
                " WHERE c.kind = 'kudos_received'"
            )
        ]
    connection.close()

    assert len(answered) == 5
    assert sorted(thanked) == sorted(answered)


async def test_a_signed_request_no_database_can_store_changes_nothing_and_the_burst_is_kept(tmp_path: Path) -> None:
    """A message event whose user id holds half a surrogate pair (JSON `\\udcff`), or whose team id is a
    number, used to be acknowledged and then fail every activity batch after it: every message acknowledged
    since was lost, commands failed, and SIGTERM exited 1 with a traceback. It is refused (400) at the door."""
    database = tmp_path / "hearth.db"
    async with mock_slack_api() as api, hearth_run(api, database) as served:
        async with aiohttp.ClientSession() as session:
            requests = SlackRequests(served.url, session)
            poison = [
                event_payload(message_event("U0\udcff", "hello", "1.000001"), "EvPoison1"),
                {**event_payload(message_event("U0ALICE", "hello", "1.000002"), "EvPoison2"), "team_id": 5},
            ]
            assert [(await requests.event(payload)).status for payload in poison] == [400, 400]
        acknowledged = await burst(served, 1, BURST // 4, signal.SIGTERM)
        code = await asyncio.wait_for(served.process.wait(), STARTUP_SECONDS)
    keys, points, totals = ledger(database)

    assert code == 0
    assert "Traceback" not in "".join(served.log)
    assert acknowledged and acknowledged <= keys
    assert points == totals


async def test_sigterm_in_socket_mode_while_envelopes_wait_exits_cleanly_without_a_traceback(tmp_path: Path) -> None:
    """Envelopes still being handled at a stop cannot be acknowledged on the closed connection: Slack sends their
    events again. Until 2026-12-01 each was logged as a failed listener with a traceback (some 2,000 lines of
    `Cannot write to closing transport` for a burst)."""
    database = tmp_path / "hearth.db"
    envelopes = 2 * BURST
    async with mock_slack_api() as api, hearth_run(api, database, socket_mode=True) as served:
        await asyncio.wait_for(api.socket_connected.wait(), STARTUP_SECONDS)
        keys = {}
        for number in range(envelopes):
            ts = f"{number + 1}.000100"
            keys[f"env-{number}"] = f"message:C0GENERAL:{ts}"
            event = message_event(f"U{number + 1:07d}", "hello there, everyone", ts)
            await api.send_envelope("events_api", event_payload(event, f"Ev{number + 1}"), f"env-{number}")
        await api.wait_for("socket_ack")
        served.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(served.process.wait(), STARTUP_SECONDS)
    acknowledged = {keys[call.params["envelope_id"]] for call in api.called("socket_ack")}
    stored, points, totals = ledger(database)

    assert code == 0
    log = "".join(served.log)
    assert "Traceback" not in log and "ERROR" not in log
    assert acknowledged and acknowledged <= stored
    assert len(acknowledged) < envelopes  # the stop came while envelopes waited (else this tests nothing)
    assert points == totals


def test_a_stop_signal_during_the_flush_after_serving_is_ignored(tmp_path: Path) -> None:
    """Served (its terminal closed, or a first signal), Hearth flushes what waits in memory; a SIGHUP or SIGTERM
    arriving then killed it on the spot (the handlers were removed as serving ended; a tester's run under load)."""
    script = tmp_path / "flush.py"
    script.write_text(
        "import asyncio, os, signal\n"
        "from bot.core.lifecycle import Lifecycle\n"
        "async def main():\n"
        "    lifecycle = Lifecycle()\n"
        "    await lifecycle.serve_until_signalled(asyncio.sleep(0))  # serving ends on its own\n"
        "    for signum in (signal.SIGHUP, signal.SIGTERM):\n"
        "        os.kill(os.getpid(), signum)  # while the flush would run\n"
        "    await asyncio.sleep(0.2)\n"
        "    print('flushed')\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout.strip()) == (0, "flushed"), done.stderr
