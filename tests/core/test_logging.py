"""What an operator reads at INFO: Hearth's own lines once each, no scheduler chatter, virtual time on the console."""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import datetime

import pytest
from apscheduler.triggers.date import DateTrigger

from bot.app import configure_logging
from bot.core.clock import SystemClock, VirtualClock, logs_on
from bot.core.scheduling import RealScheduler
from config.settings import load_settings
from tests.conftest import START, ConsoleDriver


def test_log_lines_carry_the_virtual_clock_time_while_it_runs() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with logs_on(VirtualClock(START)):
            logging.getLogger("tests").warning("a ritual was missed")
        logging.getLogger("tests").warning("back on the wall clock")
    finally:
        root.removeHandler(handler)
    first, second = stream.getvalue().splitlines()
    assert first == "2026-03-04 12:00:00,000 a ritual was missed"
    assert not second.startswith("2026-03-04 12:00:00")


async def test_a_scheduled_firing_logs_nothing_from_apscheduler_at_info(caplog: pytest.LogCaptureFixture) -> None:
    configure_logging(load_settings())
    caplog.set_level(logging.INFO)
    scheduler = RealScheduler(SystemClock())
    ran = asyncio.Event()

    async def job(scheduled: datetime) -> None:
        ran.set()

    scheduler.start()
    try:
        scheduler.add("job", DateTrigger(run_date=SystemClock().now()), job)
        await asyncio.wait_for(ran.wait(), timeout=10)
    finally:
        await scheduler.shutdown()
    assert [record.getMessage() for record in caplog.records if record.name.startswith("apscheduler")] == []


async def test_each_ritual_run_posted_is_logged_once_at_info(
    console: ConsoleDriver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await console.run('@mod is moderator\n@mod: /ritual create standup #general "daily at 09:00" prompt:"Plans?"')
    await console.run("wait 2d")
    posted = [record.getMessage() for record in caplog.records if "posted its run" in record.getMessage()]
    assert posted == [
        "ritual 1 (standup) posted its run for 2026-03-05T09:00:00+00:00",
        "ritual 1 (standup) posted its run for 2026-03-06T09:00:00+00:00",
    ]


async def test_housekeeping_logs_each_anonymisation_and_community_deletion_once_at_info(
    console: ConsoleDriver, caplog: pytest.LogCaptureFixture
) -> None:
    """An operator saw nothing in the log when a departed member was anonymised or a community's data deleted."""
    caplog.set_level(logging.INFO)
    await console.run("@alice: hi\n@alice leaves\nwait 31d\nhearth is removed\nwait 31d")
    done = [r.getMessage() for r in caplog.records if r.getMessage().startswith(("anonymised", "deleted community"))]
    assert done == [
        "anonymised member 1 of community 1: left on 2026-03-04",
        "deleted community 1's data: Hearth was removed from it on 2026-04-04",
    ]
