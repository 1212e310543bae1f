"""The event loop Hearth serves on: one that hands the GIL to worker threads while it is kept busy.

Hearth's SQLite driver (aiosqlite) runs every statement in a thread of its own, as rank cards and charts render in
worker threads; such a thread needs the GIL to pick up each statement, again when SQLite returns, and to hand the
result back. CPython gives a waiting thread the GIL when the holder sleeps or, failing that, when the holder kept it
a whole switch interval; but a busy asyncio loop releases it for an instant at every iteration (its `select` that
returns at once), each release wakes the waiter only to find the GIL taken again, and restarts its wait: while
messages keep the loop busy, the database thread starves (bench/README.md, 2026-12-02: a write batch's statements
waited up to 90 ms each to start; a trivial statement could wait seconds). A loop that naps once per millisecond it
ran without sleeping gives the waiting thread time to wake and take the GIL. The nap is a real sleep, however short
(`time.sleep(1e-6)`: on Linux the thread's timer slack, 50 µs by default, ~80 µs in all here; CPython may one day
make `time.sleep(0)` return at once, python/cpython#125997, which would be an instant again). With no thread
waiting it costs that much once per millisecond of a busy loop (~8%), and once per burst of work longer than a
millisecond for a loop that otherwise sleeps in `select`.
"""

from __future__ import annotations

import asyncio
import selectors
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

# Longest the loop runs without sleeping before it naps for the worker threads.
HANDOFF_SECONDS = 0.001
# What it asks to sleep (the kernel rounds it up to the timer slack).
_NAP_SECONDS = 0.000001
# A `select` that waited this long slept: waiting threads had their chance to take the GIL.
_SLEPT_SECONDS = 0.0001

T = TypeVar("T")


class HandoffSelector(selectors.DefaultSelector):  # the platform's best: epoll on Linux
    """The platform's default selector, napping before a `select` once the loop ran `HANDOFF_SECONDS` without
    sleeping (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._slept_at = time.monotonic()

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        before = time.monotonic()
        if before - self._slept_at >= HANDOFF_SECONDS:
            time.sleep(_NAP_SECONDS)
            before = self._slept_at = time.monotonic()
        ready: list[tuple[selectors.SelectorKey, int]] = super().select(timeout)
        after = time.monotonic()
        if after - before >= _SLEPT_SECONDS:
            self._slept_at = after
        return ready


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A new event loop with a `HandoffSelector` (for `asyncio.Runner(loop_factory=...)`)."""
    return asyncio.SelectorEventLoop(HandoffSelector())


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on `new_event_loop()`; returns what `main` returns."""
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(main)
