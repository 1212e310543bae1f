"""Stopping cleanly: SIGTERM, SIGINT and SIGHUP stop taking new work, in-flight handlers finish, then close.

`serve_until_signalled` runs a platform's serve coroutine and cancels it on the first SIGTERM, SIGINT or
SIGHUP (the terminal `make run` runs in was closed: by default it killed Hearth on the spot, losing the activity
waiting in memory). The platform, in its own clean-up, first stops listening (no new work is taken), then awaits
`drain()` (handlers already started finish, at most `DRAIN_SECONDS`), then closes its connections; the
caller then closes the runtime, which flushes the activity buffer, and the database. A second signal
while stopping is ignored: what was acknowledged is still being written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable
from typing import Any

log = logging.getLogger(__name__)

# The longest a stop waits for handlers already running (a reply being posted, a command committing).
DRAIN_SECONDS = 10.0
_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
# Hearth's own long-lived tasks are named so; a drain does not wait for them (close() stops them).
BACKGROUND_PREFIX = "hearth-"


class Lifecycle:
    def __init__(self) -> None:
        self._before: set[asyncio.Task[Any]] = set()
        self.stopping = False

    async def serve_until_signalled(self, serve: Awaitable[None], signals: tuple[int, ...] = _SIGNALS) -> None:
        """Run `serve` until it returns or a stop signal (`signals`: SIGTERM, SIGINT and SIGHUP) cancels it (then return
        normally: exit 0)."""
        loop = asyncio.get_running_loop()
        self._before = asyncio.all_tasks()
        task = asyncio.ensure_future(serve)

        def stop(signum: int) -> None:
            if self.stopping:
                return
            log.info("%s: stopping (new work refused, handlers finishing)", signal.Signals(signum).name)
            self.stopping = True
            task.cancel()

        # A SIGHUP ignored when Hearth started (`nohup hearth run`) stays so: it is meant to outlive its terminal.
        signals = tuple(
            signum
            for signum in signals
            if not (signum == signal.SIGHUP and signal.getsignal(signal.SIGHUP) is signal.SIG_IGN)
        )
        for signum in signals:
            loop.add_signal_handler(signum, stop, signum)
        try:
            await task
        except asyncio.CancelledError:
            if not self.stopping:
                raise
        finally:
            # Served (stopped by a signal, or ended: the console's terminal closed under it), Hearth is stopping: the
            # handlers stay, and ignore every further signal, until the loop closes after the caller's flush. Until
            # 2026-12-02 a SIGHUP arriving during the flush (a terminal closing) killed Hearth with what waited in
            # memory.
            self.stopping = True

    async def drain(self, named: tuple[str, ...] = ()) -> None:
        """Wait for the handlers still running, at most DRAIN_SECONDS: the tasks started while serving,
        or, when a platform names its handlers' tasks (`named`: name prefixes), those only."""
        current = asyncio.current_task()
        deadline = asyncio.get_running_loop().time() + DRAIN_SECONDS
        while True:
            running = [
                task
                for task in asyncio.all_tasks()
                if task is not current
                and (task.get_name().startswith(named) if named else task not in self._before)
                and not task.get_name().startswith(BACKGROUND_PREFIX)
                and not task.done()
            ]
            left = deadline - asyncio.get_running_loop().time()
            if not running:
                return
            if left <= 0:
                log.warning("stopped waiting for %d handlers after %.0f s", len(running), DRAIN_SECONDS)
                return
            with contextlib.suppress(Exception):
                await asyncio.wait(running, timeout=left)
