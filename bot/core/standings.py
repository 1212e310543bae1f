"""Who leads a community: a port the recognition cog provides, so other cogs (a ritual's spotlight) read
standings without reaching into the ledger's tables or importing recognition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

Measure = Literal["points", "kudos_received"]


@dataclass(frozen=True)
class Leader:
    member_id: int
    rank: int  # ties share a rank
    amount: int  # points, or kudos received


class Standings(Protocol):
    async def leaders(
        self, community_id: int, period: str, at: datetime, zone: str, limit: int, measure: Measure = "points"
    ) -> list[Leader]:
        """The top `limit` of the `period` (`week`, `month`, `all`) containing `at` in the community's zone, those
        above 0 only (a member below 0 leads nothing)."""
        ...


class NoStandings:
    """Until a cog provides standings (recognition left out of HEARTH_COGS): nobody leads."""

    async def leaders(
        self, community_id: int, period: str, at: datetime, zone: str, limit: int, measure: Measure = "points"
    ) -> list[Leader]:
        return []
