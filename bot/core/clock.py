"""One injectable clock. Times are timezone-aware UTC; community zones only decide boundaries."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class VirtualClock:
    """A clock that only moves when told: the console's `wait 3h`, and tests."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime.now(UTC)).astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self.set(self._now + delta)

    def set(self, moment: datetime) -> None:
        if moment < self._now:
            raise ValueError("the virtual clock does not go backwards")
        self._now = moment.astimezone(UTC)


class _ClockTime(logging.Filter):
    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock

    def filter(self, record: logging.LogRecord) -> bool:
        moment = self.clock.now().timestamp()
        record.created, record.msecs = moment, (moment % 1) * 1000
        return True


@contextmanager
def logs_on(clock: Clock) -> Iterator[None]:
    """While inside, log records carry `clock`'s time: a warning on the console's virtual clock (a ritual
    missed on day 12 of a script) says when it happened there, not when the script ran."""
    stamp = _ClockTime(clock)
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(stamp)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(stamp)
