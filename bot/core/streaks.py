"""A member's ritual streak: a port the rituals cog provides, so recognition (the rank card) reads it without
importing rituals or reaching into their tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RitualStreak:
    """A member's longest current streak: `runs` consecutive posted runs of ritual `ritual` they took part in
    (a run whose window is still open does not break it; README, "Rituals"). 0 runs: no streak running."""

    runs: int
    ritual: str = ""


class Streaks(Protocol):
    async def current(self, community_id: int, member_id: int) -> RitualStreak | None:
        """The member's longest current streak over the community's rituals; None when it has no rituals."""
        ...


class NoStreaks:
    """Until a cog provides streaks (rituals left out of HEARTH_COGS): there are none to show."""

    async def current(self, community_id: int, member_id: int) -> RitualStreak | None:
        return None
