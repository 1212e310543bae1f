"""The week's top contributors and most thanked members, read through the standings port (recognition's)."""

from __future__ import annotations

from datetime import timedelta

from bot.core.reply import Card, Reply, mention
from bot.core.wording import medal, points
from cogs.rituals.kinds.base import Firing, Posted, RitualKind


class SpotlightKind(RitualKind):
    name = "spotlight"
    asks_to_take_part = False

    async def post(self, firing: Firing) -> Posted:
        return Posted(await self.services.messenger.send(firing.channel, await self._spotlight(firing)))

    async def _spotlight(self, firing: Firing) -> Reply:
        ritual = firing.ritual
        settings = await self.services.settings.get(ritual.community_id)
        # A spotlight on a Monday looks back at the week that just ended; otherwise at this week so far.
        reference = firing.local - timedelta(days=1)
        standings = self.services.standings
        leaders = await standings.leaders(ritual.community_id, "week", reference, settings.timezone, 5)
        thanked = await standings.leaders(
            ritual.community_id, "week", reference, settings.timezone, 3, measure="kudos_received"
        )
        local_day = reference.astimezone(settings.zone()).date()
        week_start = local_day - timedelta(days=local_day.weekday())
        refs = await self.places.members(ritual.community_id, [row.member_id for row in [*leaders, *thanked]])
        top_lines = [f"{medal(row.rank)} {mention(refs[row.member_id])} — {points(row.amount)}" for row in leaders]
        thanked_lines = [
            f"💛 {mention(refs[row.member_id])} — thanked {'once' if row.amount == 1 else f'{row.amount} times'}"
            for row in thanked
        ]
        description = "\n".join(
            [
                *([firing.prompt, ""] if firing.prompt else []),
                "**Top contributors**",
                *(top_lines or ["A quiet week — every contribution counts!"]),
                "",
                "**Most thanked**",
                *(thanked_lines or ["No kudos yet this week. Thank someone with /kudos!"]),
            ]
        )
        title = f"🌟 {ritual.name}: the week of {week_start.day} {week_start:%B %Y}"
        return Reply(card=Card(title=title, description=description))
