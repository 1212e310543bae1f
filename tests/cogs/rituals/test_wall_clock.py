"""A ritual on the real wall-clock scheduler, as `hearth run` serves Discord and Slack: APScheduler's
AsyncIOScheduler fires the job at the next whole minute and the post goes out through the platform."""

from __future__ import annotations

import asyncio
import logging

from bot.app import build_hearth
from bot.core.clock import SystemClock
from bot.core.scheduling import RealScheduler
from bot.platforms.console import ConsolePlatform
from config.settings import load_settings
from storage.engine import Database


async def test_a_ritual_fires_on_the_real_scheduler(database_url: str) -> None:
    clock = SystemClock()
    scheduler = RealScheduler(clock)
    hearth = build_hearth(load_settings(database_url=database_url), clock, scheduler, db=Database.open(database_url))
    posted = asyncio.Event()
    blocks: list[str] = []

    def write(where: str, lines: list[str]) -> None:
        blocks.append(f"[{where}] " + "\n".join(lines))

    class Posted(logging.Handler):
        """The runner's word that a run is posted and recorded (after the message went out): only then does
        `/ritual history` show it."""

        def emit(self, record: logging.LogRecord) -> None:
            if "posted its run" in record.getMessage():
                posted.set()

    runner_log = logging.getLogger("cogs.rituals.runner")
    handler, level = Posted(), runner_log.level
    runner_log.addHandler(handler)
    runner_log.setLevel(logging.INFO)
    await hearth.start()
    try:
        # The console stands in for a connected platform; its `wait` (virtual time) is not used here.
        platform = ConsolePlatform(hearth, scheduler, write)  # type: ignore[arg-type]
        await hearth.hooks_done()
        await platform.run_lines(
            [
                "@admin is admin",
                '@admin: /ritual create pulse #general "* * * * *" prompt:"Still here?" frequent:yes',
            ]
        )
        assert blocks[-1].startswith("[only @admin] Ritual pulse is set."), blocks
        # At most a minute: the schedule's next whole minute on the wall clock.
        await asyncio.wait_for(posted.wait(), timeout=90)
        await platform.run_lines(["@admin: /ritual history pulse"])
        assert "— posted" in blocks[-1]
    finally:
        runner_log.removeHandler(handler)
        runner_log.setLevel(level)
        await hearth.close()
        await hearth.db.dispose()
    assert [block for block in blocks if "🔔 pulse" in block] == [
        "[#general] 🔔 pulse\n  ┃ Still here?\n  ┃ Reply in this channel within 1 day to take part (+5 points)"
    ]
