"""Composition root: builds the runtime from Settings and runs the chosen platform."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime

from bot.core.clock import Clock, SystemClock, VirtualClock
from bot.core.runtime import ALL_COGS, Hearth
from bot.core.scheduling import RealScheduler, Scheduler, VirtualScheduler
from config.settings import PlatformName, Settings
from storage.engine import Database


def build_hearth(
    settings: Settings,
    clock: Clock,
    scheduler: Scheduler,
    db: Database | None = None,
    cogs: Iterable[str] = ALL_COGS,
) -> Hearth:
    hearth = Hearth(
        db or Database.open(settings.database_url),
        clock,
        scheduler,
        activity_flush_seconds=settings.hearth_activity_flush_seconds,
        activity_batch_size=settings.hearth_activity_batch_size,
    )
    hearth.load_cogs(cogs)
    return hearth


def print_block(where: str, lines: list[str]) -> None:
    """Script-mode output: one block per bot message, first line `[where] ...`."""
    first, *rest = lines
    sys.stdout.write("\n".join([f"[{where}] {first}".rstrip(), *rest]) + "\n")
    sys.stdout.flush()


async def run_console(
    settings: Settings,
    lines: Iterable[str] | None,
    start: datetime | None = None,
    write: Callable[[str, list[str]], None] = print_block,
) -> None:
    """Run script lines (or, with `lines=None`, an interactive session) on the console platform."""
    from rich.console import Console

    from bot.platforms.console import ConsolePlatform
    from bot.platforms.console_interactive import interact, rich_writer

    console = Console()

    clock = VirtualClock(start)
    scheduler = VirtualScheduler(clock)
    hearth = build_hearth(settings, clock, scheduler)
    platform = ConsolePlatform(hearth, scheduler, rich_writer(console) if lines is None else write)
    try:
        await hearth.start()
        if lines is None:
            await interact(platform, console)
        else:
            await platform.run_lines(lines)
    finally:
        await hearth.close()
        await hearth.db.dispose()


async def run_platform(settings: Settings) -> None:
    """Serve Discord or Slack until stopped (SIGTERM or SIGINT: see bot/core/lifecycle.py)."""
    serve = _server(settings.chosen_platform())
    hearth = build_hearth(settings, SystemClock(), RealScheduler(SystemClock()))
    try:
        await hearth.start()
        tune_for_serving()
        await hearth.lifecycle.serve_until_signalled(serve(hearth, settings))
    finally:
        await hearth.close()
        await hearth.db.dispose()


def _server(platform: PlatformName) -> Callable[[Hearth, Settings], Awaitable[None]]:
    if platform is PlatformName.DISCORD:
        from bot.platforms.discord import serve_discord

        return serve_discord
    if platform is PlatformName.SLACK:
        from bot.platforms.slack import serve_slack

        return serve_slack
    raise ValueError(f"run_platform serves discord or slack, not {platform}")


_SWITCH_INTERVAL_SECONDS = 0.0005


def tune_for_serving() -> None:
    """Process settings for a long-running bot, applied once start-up is done (bench/ingest.py applies
    them too). Both matter when messages stream in faster than one core can idle between them.

    - The garbage collector no longer walks what start-up built (modules, schema, compiled statements,
      cogs): it lives as long as the process, and full collections took about 6% of the ingest path.
    - Threads hand over the GIL every 0.5 ms instead of 5: the database driver works in its own thread
      (aiosqlite), and while the event loop is busy each of its trips waited out the whole interval,
      so activity batches fell behind and grew to tens of thousands of awards.
    """
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(_SWITCH_INTERVAL_SECONDS)


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.hearth_log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Migrations run at every start; their step-by-step log is noise unless something fails.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # A line per Slack request (every message event) costs more than handling the event.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
