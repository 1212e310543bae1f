"""Naming Slack newcomers: users.info at Slack's Tier 4 pace after a first burst, never faster."""

from __future__ import annotations

import pytest

from bot.platforms.slack import people
from bot.platforms.slack.people import NAMING_BURST, NAMING_PER_SECOND, People


async def test_newcomers_past_the_burst_are_named_at_the_users_info_pace(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:  # the clock moves as a real sleep would move it
        slept.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(people.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(people.asyncio, "sleep", sleep)
    pace = People(client=None, moderator_groups=(), named=lambda _: sleep(0))  # type: ignore[arg-type]

    for _ in range(NAMING_BURST):
        await pace._naming_turn()
    burst = list(slept)
    for _ in range(10):
        await pace._naming_turn()

    assert burst == []  # the first ones at once
    assert sum(slept) == pytest.approx(10 / NAMING_PER_SECOND)  # then one per 1 / NAMING_PER_SECOND seconds
