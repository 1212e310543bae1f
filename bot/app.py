"""Composition root: builds the runtime from Settings and runs the chosen platform (`bot.platforms.choose`)."""

from __future__ import annotations

import gc
import logging
import signal
import sys
from collections.abc import Callable, Iterable
from datetime import datetime

from bot.core.clock import Clock, SystemClock, VirtualClock, logs_on
from bot.core.registry import RegistryError
from bot.core.runtime import Hearth
from bot.core.scheduling import RealScheduler, Scheduler, VirtualScheduler
from bot.platforms import choose
from config.settings import Settings, SettingsError
from storage.engine import Database


def build_hearth(
    settings: Settings,
    clock: Clock,
    scheduler: Scheduler,
    db: Database | None = None,
    cogs: Iterable[str] | None = None,
) -> Hearth:
    hearth = Hearth(
        db or Database.open(settings.database_url),
        clock,
        scheduler,
        activity_flush_seconds=settings.hearth_activity_flush_seconds,
        activity_batch_size=settings.hearth_activity_batch_size,
    )
    try:
        hearth.load_cogs(settings.chosen_cogs() if cogs is None else cogs)
    except RegistryError as error:  # e.g. HEARTH_COGS names introductions without onboarding, whose group it extends
        raise SettingsError(f"HEARTH_COGS={settings.hearth_cogs or 'all'}: {error}") from None
    return hearth


# A service manager's SIGTERM, or the terminal closing (SIGHUP), stops the console as it stops Discord and Slack:
# what was typed is flushed, exit 0. Ctrl-C stays the console's own key (it says goodbye).
_CONSOLE_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


async def run_console(
    settings: Settings,
    lines: Iterable[str] | None,
    start: datetime | None = None,
    write: Callable[[str, list[str]], None] | None = None,
) -> None:
    """Run script lines (or, with `lines=None`, an interactive session) on the console platform, its
    virtual clock starting at `start` (default: now)."""
    from bot.platforms.console import interactive, print_block
    from bot.platforms.console.platform import ConsolePlatform

    clock = VirtualClock(start)
    scheduler = VirtualScheduler(clock)
    hearth = build_hearth(settings, clock, scheduler)
    with logs_on(clock):
        try:
            await hearth.start()
            serving = (
                interactive(hearth)
                if lines is None
                else ConsolePlatform(hearth, scheduler, write or print_block).run_lines(lines)
            )
            await hearth.lifecycle.serve_until_signalled(serving, signals=_CONSOLE_SIGNALS)
        finally:
            try:
                await hearth.close()
            finally:  # also when the last activity could not be written (ActivityLost): the driver's thread ends
                await hearth.db.dispose()


async def run_platform(settings: Settings, **overrides: object) -> None:
    """Serve the platform HEARTH_PLATFORM names (`auto`: the first whose settings detect it) until stopped.
    `overrides` win over the environment for the platform's own settings."""
    platform, platform_settings = choose(settings.hearth_platform, **overrides)
    platform_settings.check()  # a missing token stops here: nothing migrated, nothing scheduled
    clock: Clock
    scheduler: Scheduler
    if platform.virtual_time:
        clock = VirtualClock()
        scheduler = VirtualScheduler(clock)
    else:
        clock = SystemClock()
        scheduler = RealScheduler(clock)
    hearth = build_hearth(settings, clock, scheduler)
    with logs_on(clock):
        try:
            await hearth.start()
            if platform.virtual_time:
                serving = platform.serve(hearth, platform_settings)
                await hearth.lifecycle.serve_until_signalled(serving, signals=_CONSOLE_SIGNALS)
            else:
                tune_for_serving()
                # SIGTERM, SIGINT, SIGHUP: stop listening, let handlers finish; the finally below flushes and closes.
                await hearth.lifecycle.serve_until_signalled(platform.serve(hearth, platform_settings))
        finally:
            try:
                await hearth.close()
            finally:  # also when the last activity could not be written (ActivityLost): the driver's thread ends
                await hearth.db.dispose()


_SWITCH_INTERVAL_SECONDS = 0.0005
# Allocations (less frees) between two young collections; Python's default is 700.
_GC_YOUNG_THRESHOLD = 10_000


def tune_for_serving() -> None:
    """Process settings for a long-running bot, applied once start-up is done (bench/ingest.py applies
    them too). Both matter when messages stream in faster than one core can idle between them.

    - The garbage collector no longer walks what start-up built (modules, schema, compiled statements,
      cogs): it lives as long as the process, and full collections took about 6% of the ingest path.
    - Young collections come every 10,000 allocations instead of 700: what a message allocates and
      keeps until the next activity batch (awards, health counts, first-seen members) was otherwise
      walked again and again, and promoted into full collections over the whole identity map (a fifth
      of the event loop's time on bench.stream). A young collection then takes a few milliseconds.
    - Threads hand over the GIL every 0.5 ms instead of 5: the database driver works in its own thread
      (aiosqlite), and while the event loop is busy each of its trips waited out the whole interval,
      so activity batches fell behind and grew to tens of thousands of awards.
    """
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(_GC_YOUNG_THRESHOLD, older, oldest)
    sys.setswitchinterval(_SWITCH_INTERVAL_SECONDS)


def configure_logging(settings: Settings, *, console: bool = False) -> None:
    """At INFO Hearth logs what an operator needs. On the console the person at the keyboard is the
    operator and sees every post in the script's output, so stderr carries warnings and errors only,
    unless HEARTH_LOG_LEVEL asks for more."""
    level = settings.hearth_log_level.upper()
    if console and "hearth_log_level" not in settings.model_fields_set:
        level = "WARNING"
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Migrations run at every start; their step-by-step log is noise unless something fails.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # APScheduler logs four INFO lines per firing (added, running, executed, removed); Hearth logs what ran.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Hearth never joins voice: discord.py's warnings that voice libraries are missing say nothing to act on.
    logging.getLogger("discord.client").addFilter(_not_about_voice)
    # A line per Slack request (every message event) costs more than handling the event.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def _not_about_voice(record: logging.LogRecord) -> bool:
    return "voice will NOT be supported" not in record.getMessage()
