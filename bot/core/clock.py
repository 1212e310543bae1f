"""One injectable clock. Times are timezone-aware UTC; community zones only decide boundaries."""

from __future__ import annotations

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
