"""The streaks port (`services.streaks`, bot/core/streaks.py): a member's longest current ritual streak, for
other cogs (the recognition rank card) to read without importing rituals."""

from __future__ import annotations

from bot.core.services import Services
from bot.core.streaks import RitualStreak
from cogs.rituals.rules import streaks
from storage import rituals as store

# Runs a streak is counted over, as `/ritual streaks` counts them, so both say the same number.
STREAK_RUNS = 500


class RitualStreaks:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def current(self, community_id: int, member_id: int) -> RitualStreak | None:
        """The longest streak over the community's rituals (ties: the ritual named first); None without rituals.

        Two index reads per ritual: its latest posted runs, and which of them this member took part in."""
        now = self.services.clock.now()
        best: RitualStreak | None = None
        async with self.services.db.read() as session:
            for ritual in sorted(await store.in_community(session, community_id), key=lambda r: r.name.lower()):
                runs = await store.posted_runs(session, ritual.id, STREAK_RUNS)
                taken = await store.taken_part(session, member_id, [run.id for run in runs])
                answered = {run_id: {member_id} for run_id in taken}
                count = streaks(runs, answered, now, latest_only=ritual.kind == "prompt").get(member_id, 0)
                if best is None or count > best.runs:
                    best = RitualStreak(count, ritual.name if count else "")
        return best
